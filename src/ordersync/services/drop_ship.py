"""Drop-ship: what makes a job sent to a supplier a drop-ship job, and which locations are
drop-ship suppliers.

A drop-ship supplier is a location of kind ``supplier``: routing sends it a line only under a
rule that names its kind (``domain.rules.NETWORK_KINDS``), its promise adds its lead time, and the
job it gets is a ``dropship`` job that it acknowledges and ships itself through the API (its
steps are those of ``contract.vocabulary.NEXT_JOB_STATES``; rejecting a line routes it again as
for a store). It shares its code with the delivery supplier of the same name when the ERP keeps
one (``services.suppliers``): one code names one supplier, whether it sends deliveries to the
network's locations or parcels to its customers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ordersync.contract import JobKind, JobStateName, LocationKind, Role
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.raw import RawSql
from ordersync.domain.errors import Forbidden, InvalidRequest, UnknownLocation
from ordersync.domain.permissions import Principal


def location_kind(sql: RawSql, code: str) -> LocationKind | None:
    """The kind of location ``code`` (None: no such location, or a kind this ledger does not
    know)."""
    row = sql.first("SELECT kind FROM locations WHERE code = :code", {"code": code})
    if row is None or row[0] not in {kind.value for kind in LocationKind}:
        return None
    return LocationKind(row[0])


def job_kind_at(tx: LedgerTx, location: str, *, at_counter: bool) -> JobKind:
    """The kind of job routing gives ``location``: handed over at its own counter (a collection
    store), shipped by a supplier (drop-ship), else picked, packed and shipped."""
    if at_counter:
        return JobKind.COLLECT
    if location_kind(tx.sql, location) is LocationKind.SUPPLIER:
        return JobKind.DROP_SHIP
    return JobKind.SHIP


def require_supplier_location(sql: RawSql, code: str) -> None:
    """Refuse unless ``code`` is a drop-ship supplier of the network (422 either way: an unknown
    location, or one of another kind)."""
    kind = location_kind(sql, code)
    if kind is None:
        raise UnknownLocation(f"no location {code!r} in the network", location=code)
    if kind is not LocationKind.SUPPLIER:
        raise InvalidRequest(
            f"{code} is a {kind.value}, not a drop-ship supplier", location=code, kind=kind.value
        )


def check_token_role(sql: RawSql, location: str, role: Role) -> None:
    """A supplier token belongs to a supplier location, and a supplier location gets no store
    token (no counter, no store terminal): only its own ``supplier`` token, or an admin's."""
    kind = location_kind(sql, location)
    if role is Role.SUPPLIER:
        require_supplier_location(sql, location)
    elif kind is LocationKind.SUPPLIER and role is not Role.ADMIN:
        raise InvalidRequest(
            f"{location} is a drop-ship supplier: give it a supplier token, not {role.value}",
            location=location,
            role=role.value,
        )


def lead_time_of_job(tx: LedgerTx, job_id: str) -> timedelta:
    """The lead time of the supplier a job was sent to (none for other locations)."""
    row = tx.sql.first(
        "SELECT l.lead_time_days FROM jobs j JOIN locations l ON l.code = j.location "
        "WHERE j.id = :id",
        {"id": job_id},
    )
    return timedelta(days=int(row[0])) if row is not None and row[0] is not None else timedelta(0)


def settling_for(principal: Principal) -> Principal:
    """Who commits or releases a job's units once the step on it was allowed (``FULFIL`` at
    the job's location): the device itself; for a supplier, which may neither read nor reserve
    stock, the ledger on its behalf, as routing holds them (``orders.ROUTER``), keeping its token
    and device so its shipment movements still name it."""
    if principal.role is not Role.SUPPLIER:
        return principal
    return replace(principal, role=Role.ADMIN, person=None, person_role=None)


def refuse_supplier_cancel(principal: Principal, target: JobStateName) -> None:
    """A supplier does not cancel a job: a line it cannot serve it rejects, and the line is
    routed again; cancelling (the customer's order line ends there) is the network's call."""
    if principal.role is Role.SUPPLIER and target is JobStateName.CANCELLED:
        raise Forbidden(
            "a supplier rejects the lines it cannot serve (they are routed again); only the "
            "network cancels a drop-ship job",
            required_role=Role.ADMIN.value,
        )
