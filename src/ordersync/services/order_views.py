"""Reading orders, jobs and routing decisions back as the contract shows them; an order shows
its promises of incoming units (future stock): when a line awaiting stock is expected.

A device reads the jobs of its own location, and an order when its location placed it, serves
it, or is where the customer collects it; an admin reads them all.
"""

from __future__ import annotations

import json
from typing import Any

from ordersync.contract import (
    Channel,
    DocumentKind,
    FutureHold,
    HoldState,
    Job,
    JobLine,
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
from ordersync.services.access import readable_location
from ordersync.services.routing_policy import PolicyDocument

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
    lines = [
        JobLine(
            line_no=int(n),
            order_line_no=int(order_line),
            sku=sku,
            qty=int(qty),
            state=line_state,
            reject_reason=reason,
        )
        for n, order_line, sku, qty, line_state, reason in tx.sql.all(
            "SELECT line_no, order_line_no, sku, qty, state, reject_reason FROM job_lines "
            "WHERE job_id = :id ORDER BY line_no",
            {"id": job_id},
        )
    ]
    return Job(
        id=job_id,
        order_id=order_id,
        location=location,
        kind=kind,
        state=JobStateName(state),
        destination=destination,
        lines=lines,
        created_at=created_at,
        due_at=tx.sql.read_time(due),
        late=is_late(state, tx.sql.read_time(due), tx.now),
        parcels=parcels,
        weight_grams=weight,
        tracking=tracking,
        customer_name=customer,
    )


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
        OrderLine(line_no=int(n), sku=sku, qty=int(qty), state=state, returned=int(returned))
        for n, sku, qty, state, returned in tx.sql.all(
            "SELECT line_no, sku, qty, state, returned_qty FROM order_lines WHERE order_id = :id "
            "ORDER BY line_no",
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
    principal.require(Action.READ_STOCK, job.location)
    return job


def read_jobs(
    tx: LedgerTx,
    principal: Principal,
    location: str | None,
    states: list[JobStateName] | None,
    policy: PolicyDocument,
) -> list[Job]:
    """A location's jobs (the caller's own by default), oldest due first."""
    scope = readable_location(tx.connection, principal, Action.READ_STOCK, location)
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
        principal.require(Action.FOLLOW_WEB_ORDERS if follows else Action.MANAGE_CATALOG)
    return order


def read_routing(
    tx: LedgerTx, principal: Principal, order_id: str, policy: PolicyDocument
) -> list[RoutingRecord]:
    """Why the order went where it went, for a caller who may read the order."""
    read_order(tx, principal, order_id, policy)
    return routing_records(tx, order_id)
