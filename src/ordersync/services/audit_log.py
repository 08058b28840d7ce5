"""The audit log as a manager reads it: who changed what at their location, and how, oldest first.

A row names the device and, when someone was signed in on it, the person (with their name from
the staff list); its ``detail`` holds the changes the operation made (see ``db.tx_journal``).
Filters narrow the rows of the one location the caller may read; ``after_id`` pages through them.
A person or device the ledger has never heard of is refused (422), so a typo does not read as
"nobody did anything".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, select

from ordersync.contract import AuditEntry
from ordersync.db.ledger_tx import AUDIT, table_of
from ordersync.db.tables import StaffRow, TokenRow
from ordersync.domain.errors import InvalidRequest
from ordersync.domain.permissions import Action, Principal
from ordersync.services.access import readable_location
from ordersync.services.catalog import require_known_location

STAFF = table_of(StaffRow)
TOKENS = table_of(TokenRow)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit rows to read: at most ``limit`` after row ``after_id``, recorded at or after
    ``since`` and before ``until``; a field left None does not filter."""

    location: str | None = None
    person: str | None = None
    device: str | None = None
    operation: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_id: int = 0
    limit: int = 100


def read_audit(
    connection: Connection, principal: Principal, wanted: AuditFilter
) -> list[AuditEntry]:
    """The audit rows of one location (the caller's own unless it may read the one it names)."""
    scope = readable_location(connection, principal, Action.READ_REPORTS, wanted.location)
    return _read(connection, wanted, scope)


def read_network_audit(connection: Connection, wanted: AuditFilter) -> list[AuditEntry]:
    """The audit rows of every location, or of the one ``wanted`` names: for an operator on the
    ledger's own machine, who reads the database directly."""
    if wanted.location is not None:
        require_known_location(connection, wanted.location)
    return _read(connection, wanted, wanted.location)


def _read(connection: Connection, wanted: AuditFilter, scope: str | None) -> list[AuditEntry]:
    if wanted.since is not None and wanted.until is not None and wanted.since >= wanted.until:
        raise InvalidRequest("since must be earlier than until")
    if wanted.person is not None:
        _require_known(connection, "person", wanted.person, AUDIT.c.person, scope, STAFF.c.code)
    if wanted.device is not None:
        _require_known(connection, "device", wanted.device, AUDIT.c.device, scope, TOKENS.c.device)
    query = (
        select(AUDIT, STAFF.c.name.label("person_name"))
        .select_from(AUDIT.outerjoin(STAFF, STAFF.c.code == AUDIT.c.person))
        .where(AUDIT.c.id > wanted.after_id)
    )
    if scope is not None:
        query = query.where(AUDIT.c.location == scope)
    if wanted.person is not None:
        query = query.where(AUDIT.c.person == wanted.person)
    if wanted.device is not None:
        query = query.where(AUDIT.c.device == wanted.device)
    if wanted.operation is not None:
        query = query.where(AUDIT.c.operation == wanted.operation)
    if wanted.since is not None:
        query = query.where(AUDIT.c.recorded_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AUDIT.c.recorded_at < wanted.until)
    rows = connection.execute(query.order_by(AUDIT.c.id).limit(wanted.limit))
    return [_entry(row._asdict()) for row in rows]


def _require_known(
    connection: Connection,
    what: str,
    value: str,
    audited: Column[Any],
    scope: str | None,
    registered: Column[Any] | None = None,
) -> None:
    """Refuse a ``what`` that no register names (staff, tokens) and no audit row of ``scope``
    (None: anywhere) names either (the ledger's own devices, a person since removed)."""
    if (
        registered is not None
        and connection.execute(select(registered).where(registered == value).limit(1)).first()
    ):
        return
    audited_here = select(AUDIT.c.id).where(audited == value)
    if scope is not None:
        audited_here = audited_here.where(AUDIT.c.location == scope)
    if connection.execute(audited_here.limit(1)).first():
        return
    where = "in the network" if scope is None else f"at {scope}"
    raise InvalidRequest(f"no {what} {value} is known {where}", **{what: value})


def _entry(row: dict[str, Any]) -> AuditEntry:
    detail = _detail(row.pop("detail"))
    changes = detail.get("changes")
    listed = changes if isinstance(changes, list) else []
    return AuditEntry(
        **row,
        changes=listed,
        changes_total=int(detail.get("changes_total", len(listed))),
        person_unverified=bool(detail.get("person_unverified", False)),
    )


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
