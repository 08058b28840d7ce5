"""Reading orders, jobs and routing decisions back as the contract shows them; an order shows
its promises of incoming units (future stock): when a line awaiting stock is expected.

A device reads the jobs of its own location, and an order when its location placed it, serves
it, or is where the customer collects it; an admin reads them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordersync.contract import (
    HELD_JOB_STATES,
    Channel,
    DocumentKind,
    FutureHold,
    HoldState,
    Job,
    JobHolder,
    JobKind,
    JobLine,
    JobLineState,
    JobStateName,
    Order,
    OrderLine,
    Role,
    RoutingRecord,
    is_late,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import NotFound
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.service_levels import step_due
from ordersync.services.access import readable_location, require_order_reader
from ordersync.services.routing_policy import PolicyDocument
from ordersync.services.ship_to import ship_to

_JOB_COLUMNS = (
    "id, order_id, location, kind, state, destination, created_at, due_at, parcels, "
    "weight_grams, tracking"
)


def _job(tx: LedgerTx, row: tuple[Any, ...], policy: PolicyDocument, customer: str) -> Job:
    (
        job_id,
        order_id,
        location,
        kind,
        state,
        destination,
        created,
        due,
        parcels,
        weight,
        tracking,
    ) = row
    created_at = tx.sql.read_time(created)
    # A collection's parcel on its way here: its lines hold no units of this store (they left
    # the network when it shipped) until the store says it arrived (ready).
    awaiting_parcel = kind == JobKind.COLLECT and state == JobStateName.PICKED
    lines = [
        JobLine(
            line_no=int(n),
            order_line_no=int(order_line),
            sku=sku,
            qty=int(qty),
            state=line_state,
            reject_reason=reason,
            in_transit=awaiting_parcel and not held and line_state == JobLineState.OPEN,
        )
        for n, order_line, sku, qty, line_state, reason, held in tx.sql.all(
            "SELECT line_no, order_line_no, sku, qty, state, reject_reason, reservation_id "
            "FROM job_lines WHERE job_id = :id ORDER BY line_no",
            {"id": job_id},
        )
    ]
    timing = _timing(tx, job_id, kind, state, tx.sql.read_time(due), policy, lines)
    return Job(
        id=job_id,
        order_id=order_id,
        location=location,
        kind=kind,
        state=JobStateName(state),
        destination=destination,
        lines=lines,
        created_at=created_at,
        due_at=timing.due_at,
        late=is_late(state, timing.due_at, tx.now),
        parcels=parcels,
        weight_grams=weight,
        tracking=tracking,
        customer_name=customer,
        held_by=_held_by(tx, job_id, state),
        ship_to=ship_to(tx, order_id, kind, destination),
        state_since=timing.state_since,
        ready_at=timing.ready_at,
        collect_by=timing.collect_by,
        cancel_reason=timing.cancel_reason,
    )


@dataclass(frozen=True, slots=True)
class _Timing:
    due_at: datetime
    state_since: datetime
    ready_at: datetime | None
    collect_by: datetime | None
    cancel_reason: str | None


def _timing(
    tx: LedgerTx,
    job_id: str,
    kind: str,
    state: str,
    stored_due: datetime,
    policy: PolicyDocument,
    lines: list[JobLine],
) -> _Timing:
    """When the job entered its state and when that step is due: as recorded when it entered
    it (by the policy of that time), a parcel on its way when the order promised it; a job that
    entered a later state than ``assigned`` before steps were timed reads ``updated_at`` as its
    state's start and the policy in force."""
    row = tx.sql.first(
        "SELECT j.state_since, j.updated_at, j.ready_at, j.collect_by, j.cancel_reason, "
        "o.promised_by FROM jobs j LEFT JOIN orders o ON o.id = j.order_id WHERE j.id = :id",
        {"id": job_id},
    )
    assert row is not None
    since = tx.sql.read_time(row[0] if row[0] is not None else row[1])
    collect_by = None if row[3] is None else tx.sql.read_time(row[3])
    open_lines = [line for line in lines if line.state == JobLineState.OPEN]
    in_transit = bool(open_lines) and all(line.in_transit for line in open_lines)
    promised = None if row[5] is None or not in_transit else tx.sql.read_time(row[5])
    due = stored_due
    if promised is not None or (row[0] is None and state != JobStateName.ASSIGNED):
        due = (
            step_due(
                policy.service_level,
                JobKind(kind),
                JobStateName(state),
                since,
                collect_by=collect_by,
                parcel_promised=promised,
            )
            or stored_due
        )
    return _Timing(
        due_at=due,
        state_since=since,
        ready_at=None if row[2] is None else tx.sql.read_time(row[2]),
        collect_by=collect_by,
        cancel_reason=row[4],
    )


def _held_by(tx: LedgerTx, job_id: str, state: str) -> JobHolder | None:
    """Who holds a job being picked (see ``services.job_holders``); None in any other state."""
    if state not in HELD_JOB_STATES:
        return None
    row = tx.sql.first(
        "SELECT held_by_device, held_by_person, held_since FROM jobs WHERE id = :id",
        {"id": job_id},
    )
    if row is None or row[0] is None or row[2] is None:
        return None
    return JobHolder(device=row[0], person=row[1], since=tx.sql.read_time(row[2]))


def _customer_name(tx: LedgerTx, order_id: str) -> str:
    row = tx.sql.first("SELECT customer FROM orders WHERE id = :id", {"id": order_id})
    return "" if row is None else str(json.loads(row[0]).get("name", ""))


def load_job(tx: LedgerTx, job_id: str, policy: PolicyDocument) -> Job:
    row = tx.sql.first(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = :id", {"id": job_id})
    if row is None:
        raise NotFound(f"no job {job_id}", job_id=job_id)
    return _job(tx, row, policy, _customer_name(tx, row[1]))


def list_jobs(
    tx: LedgerTx, location: str, states: list[str] | None, policy: PolicyDocument, limit: int = 500
) -> list[Job]:
    params: dict[str, Any] = {"location": location, "limit": limit}
    where = "location = :location"
    if states:
        marks = ",".join(f":st{i}" for i in range(len(states)))
        where += f" AND state IN ({marks})"
        params.update({f"st{i}": s for i, s in enumerate(states)})
    rows = tx.sql.all(
        f"SELECT {_JOB_COLUMNS} FROM jobs WHERE {where} ORDER BY due_at, id LIMIT :limit", params
    )
    return [_job(tx, row, policy, _customer_name(tx, row[1])) for row in rows]


def record_job_change(
    tx: LedgerTx, job_id: str, policy: PolicyDocument, customer: str | None = None
) -> Job:
    """Publish the job's current state on its location's change feed."""
    row = tx.sql.first(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = :id", {"id": job_id})
    if row is None:
        raise NotFound(f"no job {job_id}", job_id=job_id)
    job = _job(tx, row, policy, customer if customer is not None else _customer_name(tx, row[1]))
    tx.record_change("job", job_id, job.location, {"job": job.model_dump(mode="json")})
    return job


def load_order(tx: LedgerTx, order_id: str, policy: PolicyDocument) -> Order:
    row = tx.sql.first(
        "SELECT id, channel, state, external_ref, placed_by, customer, delivery, created_at, "
        "promised_by FROM orders WHERE id = :id",
        {"id": order_id},
    )
    if row is None:
        raise NotFound(f"no order {order_id}", order_id=order_id)
    customer = json.loads(row[5])
    lines = [
        OrderLine(
            line_no=int(n),
            sku=sku,
            qty=int(qty),
            state=state,
            returned=int(returned),
            cancel_reason=reason,
        )
        for n, sku, qty, state, returned, reason in tx.sql.all(
            "SELECT line_no, sku, qty, state, returned_qty, cancel_reason FROM order_lines "
            "WHERE order_id = :id ORDER BY line_no",
            {"id": order_id},
        )
    ]
    jobs = [
        _job(tx, job_row, policy, customer.get("name", ""))
        for job_row in tx.sql.all(
            f"SELECT {_JOB_COLUMNS} FROM jobs WHERE order_id = :id ORDER BY created_at, id",
            {"id": order_id},
        )
    ]
    return Order(
        id=row[0],
        channel=row[1],
        state=row[2],
        external_ref=row[3],
        placed_by=row[4],
        customer=customer,
        delivery=json.loads(row[6]),
        lines=lines,
        jobs=jobs,
        routing=routing_records(tx, order_id),
        created_at=tx.sql.read_time(row[7]),
        promised_by=None if row[8] is None else tx.sql.read_time(row[8]),
        holds=order_holds(tx, order_id),
    )


def order_holds(tx: LedgerTx, order_id: str) -> list[FutureHold]:
    """The order's promises of incoming units (future stock), oldest first."""
    return [
        FutureHold(
            order_line_no=int(line_no),
            sku=sku,
            qty=int(qty),
            location=location,
            document_kind=DocumentKind(kind),
            document_id=document_id,
            expected_at=tx.sql.read_time(expected_at),
            state=HoldState(state),
            created_at=tx.sql.read_time(created_at),
            ended_at=None if ended_at is None else tx.sql.read_time(ended_at),
            outcome=outcome,
        )
        for (
            line_no,
            sku,
            qty,
            location,
            kind,
            document_id,
            expected_at,
            state,
            created_at,
            ended_at,
            outcome,
        ) in tx.sql.all(
            "SELECT order_line_no, sku, qty, location, document_kind, document_id, expected_at, "
            "state, created_at, ended_at, outcome FROM future_holds WHERE order_id = :id "
            "ORDER BY id",
            {"id": order_id},
        )
    ]


def routing_records(tx: LedgerTx, order_id: str) -> list[RoutingRecord]:
    return [
        RoutingRecord(
            id=int(record_id),
            trigger=trigger,
            created_at=tx.sql.read_time(created),
            explanation=json.loads(explanation),
        )
        for record_id, trigger, created, explanation in tx.sql.all(
            "SELECT id, trigger, created_at, explanation FROM routing_decisions "
            "WHERE order_id = :id ORDER BY id",
            {"id": order_id},
        )
    ]


def read_job(tx: LedgerTx, principal: Principal, job_id: str, policy: PolicyDocument) -> Job:
    job = load_job(tx, job_id, policy)
    principal.require(Action.READ_JOBS, job.location)
    return job


def read_jobs(
    tx: LedgerTx,
    principal: Principal,
    location: str | None,
    states: list[JobStateName] | None,
    policy: PolicyDocument,
) -> list[Job]:
    """A location's jobs (the caller's own by default), oldest due first."""
    scope = readable_location(tx.connection, principal, Action.READ_JOBS, location)
    return list_jobs(tx, scope, [s.value for s in states] if states else None, policy)


def read_order(tx: LedgerTx, principal: Principal, order_id: str, policy: PolicyDocument) -> Order:
    order = load_order(tx, order_id, policy)
    locations = {order.placed_by, *(job.location for job in order.jobs)}
    collect_at = order.delivery.get("collect_at")
    if collect_at:
        locations.add(str(collect_at))
    if principal.location not in locations:
        # The e-commerce platform follows the web orders it placed, wherever they went.
        follows = order.channel is Channel.WEB and principal.role is Role.WEB
        if follows:
            principal.require(Action.FOLLOW_WEB_ORDERS)
        else:
            require_order_reader(principal, order_id, locations)
    return order


def read_routing(
    tx: LedgerTx, principal: Principal, order_id: str, policy: PolicyDocument
) -> list[RoutingRecord]:
    """Why the order went where it went, for a caller who may read the order."""
    read_order(tx, principal, order_id, policy)
    return routing_records(tx, order_id)
