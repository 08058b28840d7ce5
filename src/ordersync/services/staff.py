"""Staff: the people of each location, changed by admins and managers, listed without their PIN,
published on the change feed to the terminals where they may sign in, and recognised as the
person behind an operation.

Feed rows: a person is published to the scope of their location, an admin to every store (scope
``""``), keyed by code and scope. The feed keeps one row per key, so a person who leaves a scope
(moved, promoted to admin or no longer one) would stay signed-in-able there; leaving a scope
therefore publishes a *departure* to it first (the person inactive, without verifier), then the
person to their new scope. A terminal applying rows in feed order, last one per code winning,
ends with the truth. An inactive person never carries a verifier either.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Row, select

from ordersync.contract import Role
from ordersync.contract.staff import StaffCredential, StaffIn, StaffMember
from ordersync.db.ledger_tx import LedgerTx, table_of
from ordersync.db.tables import StaffRow
from ordersync.domain.errors import Forbidden, InvalidRequest, NotFound, UnknownLocation
from ordersync.domain.permissions import Action, Principal, require_staff_manager
from ordersync.services.catalog import require_known_location

STAFF = table_of(StaffRow)
STAFF_FEED_KIND = "staff"
NETWORK_SCOPE = ""
PERSON_ROLES = (Role.ASSOCIATE, Role.MANAGER, Role.ADMIN)
"""The roles a person may have; ``web`` belongs to a platform, never to a person."""


def feed_scope(role: Role, location: str) -> str:
    """Where a person's row goes on the feed: every store for an admin, else their location."""
    return NETWORK_SCOPE if role is Role.ADMIN else location


def _feed_key(code: str, scope: str) -> str:
    return f"{code}@{scope}"


@dataclass(frozen=True, slots=True)
class StaffChangeRequest:
    """``PUT /v1/staff/{code}``, its PIN already turned into a verifier (or None to keep it)."""

    code: str
    person: StaffIn
    pin_verifier: str | None


def _member(row: Row[Any]) -> StaffMember:
    return StaffMember(
        code=row.code,
        name=row.name,
        role=Role(row.role),
        location=row.location,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _credential(row: dict[str, Any], *, here: bool) -> dict[str, Any]:
    """The feed payload of a person; ``here`` False for a departure from a scope."""
    shown = here and bool(row["active"])
    credential = StaffCredential(
        code=row["code"],
        name=row["name"],
        role=Role(row["role"]),
        location=row["location"],
        active=shown,
        pin_verifier=row["pin_verifier"] if shown else "",
    )
    return {"staff": credential.model_dump(mode="json")}


def _current(tx: LedgerTx, code: str) -> Row[Any] | None:
    return tx.connection.execute(select(STAFF).where(STAFF.c.code == code)).first()


def upsert_staff(tx: LedgerTx, principal: Principal, change: StaffChangeRequest) -> StaffMember:
    """Create or change a person (a new person needs a PIN), publish them, audit it."""
    wanted = change.person
    principal = with_person_checked(tx.connection, principal)
    if principal.person_unverified:
        raise refuse_unverified_person(principal)
    if wanted.role not in PERSON_ROLES:
        raise InvalidRequest(f"a person cannot have the role {wanted.role.value}", field="role")
    before = _current(tx, change.code)
    roles = (wanted.role,) if before is None else (wanted.role, Role(before.role))
    places = (wanted.location,) if before is None else (wanted.location, before.location)
    require_staff_manager(principal, roles, places)
    if tx.location_row(wanted.location) is None:
        raise UnknownLocation(
            f"no location {wanted.location!r} in the network", location=wanted.location
        )
    verifier = change.pin_verifier or (None if before is None else before.pin_verifier)
    if verifier is None:
        raise InvalidRequest(f"{change.code} is a new person: give them a PIN", field="pin")
    row = {
        "code": change.code,
        "name": wanted.name,
        "role": wanted.role.value,
        "location": wanted.location,
        "pin_verifier": verifier,
        "active": wanted.active,
        "updated_at": tx.now,
    }
    if before is None:
        tx.connection.execute(STAFF.insert().values(**row, created_at=tx.now))
    else:
        tx.connection.execute(STAFF.update().where(STAFF.c.code == change.code).values(**row))
    _publish(tx, row, None if before is None else feed_scope(Role(before.role), before.location))
    tx.audit_by(
        principal,
        operation="staff.upsert",
        location=wanted.location,
        detail={
            "code": change.code,
            "name": wanted.name,
            "role": wanted.role.value,
            "active": wanted.active,
            "pin_changed": change.pin_verifier is not None,
            **({} if before is None else _changed_fields(before, row)),
        },
    )
    member = _current(tx, change.code)
    assert member is not None
    return _member(member)


def _changed_fields(before: Row[Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed, before and after (never the verifier)."""
    changed = {
        name: {"from": getattr(before, name), "to": after[name]}
        for name in ("name", "role", "location", "active")
        if getattr(before, name) != after[name]
    }
    return {"changed": changed} if changed else {}


def _publish(tx: LedgerTx, row: dict[str, Any], left_scope: str | None) -> None:
    scope = feed_scope(Role(row["role"]), row["location"])
    if left_scope is not None and left_scope != scope:
        # the departure first: a terminal that sees both ends with the arrival
        tx.record_change(
            STAFF_FEED_KIND,
            _feed_key(row["code"], left_scope),
            left_scope,
            _credential(row, here=False),
        )
    tx.record_change(
        STAFF_FEED_KIND, _feed_key(row["code"], scope), scope, _credential(row, here=True)
    )


def disable_staff(tx: LedgerTx, principal: Principal, code: str) -> StaffMember:
    """The person can no longer sign in anywhere; their rows and history stay."""
    row = _current(tx, code)
    if row is None:
        raise NotFound(f"no person with code {code}", code=code)
    wanted = StaffIn(name=row.name, role=Role(row.role), location=row.location, active=False)
    return upsert_staff(tx, principal, StaffChangeRequest(code, wanted, None))


def list_staff(
    connection: Connection, principal: Principal, location: str | None = None
) -> list[StaffMember]:
    """The people of ``location`` (default: the caller's own; for an admin: everyone), by code.

    Managers and admins only; a manager sees their own location's staff. Never a PIN or
    verifier."""
    principal.require(Action.MANAGE_STAFF, location or principal.location)
    require_known_location(connection, location)
    query = select(STAFF).order_by(STAFF.c.code)
    if location is not None or principal.role is not Role.ADMIN:
        query = query.where(STAFF.c.location == (location or principal.location))
    return [_member(row) for row in connection.execute(query)]


def staff_member(connection: Connection, code: str) -> StaffMember | None:
    row = connection.execute(select(STAFF).where(STAFF.c.code == code)).first()
    return None if row is None else _member(row)


# --- the person behind an operation ----------------------------------------------------------


def works_here(role: Role, location: str, active: bool, device_location: str) -> bool:
    """May this person act on a device of ``device_location``: active, and of that location or
    an admin."""
    return active and (role is Role.ADMIN or location == device_location)


def with_person_checked(connection: Connection, principal: Principal) -> Principal:
    """``principal`` with its person's role when the person is an active member of the staff of
    the device's location (or an admin); unchanged, so unverified, when not; as it is without a
    person."""
    if principal.person is None:
        return principal
    row = connection.execute(
        select(STAFF.c.role, STAFF.c.location, STAFF.c.active).where(
            STAFF.c.code == principal.person
        )
    ).first()
    if row is None or not works_here(Role(row.role), row.location, row.active, principal.location):
        return replace(principal, person_role=None)
    return replace(principal, person_role=Role(row.role))


def refuse_unverified_person(principal: Principal) -> Forbidden:
    """The refusal of an operation by a person the ledger cannot vouch for."""
    return Forbidden(
        f"{principal.person} is not an active member of the staff of {principal.location}",
        person=principal.person,
    )
