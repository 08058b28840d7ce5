"""The day's queue of a store: what its manager needs to see of one store-local day.

Every part is one indexed query on the store's own rows: jobs by (location, state) and
(location, updated_at), orders by (placed_by, created_at), device status, count tasks and
positions by location, deliveries by (destination, state), transfers by (from_location, state)
and (to_location, state). States are the jobs' current states: the counts cover the jobs open now
and those that ended (shipped, collected, cancelled, rejected) during the day.

Stock in motion: the deliveries whose window touches the day, or whose window has passed and
which are still not received (late); every transfer requested from the store and not yet sent;
every transfer sent to it and not yet received (late once its expected arrival has passed).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from ordersync.contract import (
    FINAL_JOB_STATES,
    STORE_JOB_STATES,
    DayQueue,
    DeliveryState,
    ItemIn,
    JobFacts,
    JobStateName,
    QueueDelivery,
    QueueJob,
    QueueRejection,
    QueueTransfer,
    StoreOrderSaved,
    TransferState,
    arrivals_in_order,
    deliveries_in_order,
    in_queue_order,
    queue_job,
    requests_in_order,
)
from ordersync.db.raw import RawSql
from ordersync.domain.day_queue import day_window
from ordersync.domain.errors import InvalidRequest, UnknownLocation
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.position_days import local_day
from ordersync.services.devices import devices_at

TO_WORK_ON = (
    JobStateName.ASSIGNED,
    JobStateName.PICKING,
    JobStateName.PICKED,
    JobStateName.PACKED,
)
"""Open jobs staff still have to move; a ``ready`` job waits for its customer instead."""
MAX_JOBS = 1000
MAX_DOCUMENTS = 500
"""Most deliveries, and most transfers each way, a day's queue lists."""
SUSPECT = "suspect"
"""The suspect test written as ``ix_positions_suspect_location``'s predicate, so that both
backends count suspect positions from that partial index."""
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def day_queue(
    connection: Connection, principal: Principal, location: str, now: datetime, day: date | None
) -> DayQueue:
    """The queue of ``location`` for store-local ``day`` (default: the store's today), for its
    manager or an admin."""
    principal.require(Action.READ_REPORTS, location)
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidRequest("the day's queue covers days from 2000 to 2099", day=day.isoformat())
    sql = RawSql(connection)
    found = sql.first("SELECT timezone FROM locations WHERE code = :code", {"code": location})
    if found is None:
        raise UnknownLocation(f"no location {location!r} in the network", location=location)
    zone = str(found[0])
    chosen = day or local_day(now, zone)
    start, end = day_window(chosen, zone)
    window = {"location": location, "start": sql.time(start), "end": sql.time(end)}
    open_jobs = in_queue_order(_jobs(sql, location, TO_WORK_ON, now))
    orders, currency = _store_orders(sql, window)
    return DayQueue(
        location=location,
        timezone=zone,
        day=chosen,
        generated_at=now,
        jobs_by_state=_jobs_by_state(sql, window),
        open_jobs=open_jobs,
        late_jobs=sum(job.late for job in open_jobs),
        rejections=_rejections(sql, window),
        collections_waiting=in_queue_order(_jobs(sql, location, (JobStateName.READY,), now)),
        store_orders=orders,
        store_orders_value_minor=sum(order.value_minor for order in orders),
        currency=currency,
        devices=devices_at(sql, location, now),
        open_count_tasks=_scalar(
            sql,
            "SELECT COUNT(*) FROM count_tasks WHERE location = :location AND closed_at IS NULL",
            {"location": location},
        ),
        suspect_positions=_scalar(
            sql,
            f"SELECT COUNT(*) FROM positions WHERE location = :location AND {SUSPECT}",
            {"location": location},
        ),
        deliveries_expected=_deliveries(sql, window, now),
        transfers_to_send=_transfers(sql, location, TransferState.REQUESTED, now),
        transfers_to_receive=_transfers(sql, location, TransferState.SENT, now),
    )


def _scalar(sql: RawSql, query: str, params: dict[str, Any]) -> int:
    (value,) = sql.one(query, params)
    return int(value)


def _states(prefix: str, states: tuple[JobStateName, ...]) -> tuple[str, dict[str, str]]:
    names = {f"{prefix}{i}": state.value for i, state in enumerate(states)}
    return ", ".join(f":{name}" for name in names), names


def _jobs_by_state(sql: RawSql, window: dict[str, Any]) -> dict[str, int]:
    counts = {state.value: 0 for state in JobStateName if state in STORE_JOB_STATES}
    open_marks, open_names = _states(
        "open", tuple(s for s in JobStateName if s in STORE_JOB_STATES - FINAL_JOB_STATES)
    )
    final_marks, final_names = _states("final", tuple(FINAL_JOB_STATES))
    for query, params in (
        (
            f"SELECT state, COUNT(*) FROM jobs WHERE location = :location "
            f"AND state IN ({open_marks}) GROUP BY state",
            {"location": window["location"], **open_names},
        ),
        (
            f"SELECT state, COUNT(*) FROM jobs WHERE location = :location "
            f"AND updated_at >= :start AND updated_at < :end AND state IN ({final_marks}) "
            "GROUP BY state",
            {**window, **final_names},
        ),
    ):
        for state, count in sql.all(query, params):
            counts[str(state)] = int(count)
    return counts


def _jobs(
    sql: RawSql, location: str, states: tuple[JobStateName, ...], now: datetime
) -> list[QueueJob]:
    marks, names = _states("st", states)
    rows = sql.all(
        "SELECT j.id, j.order_id, j.kind, j.state, j.created_at, j.due_at, o.customer, "
        "COUNT(l.line_no), COALESCE(SUM(l.qty), 0) FROM jobs j "
        "JOIN orders o ON o.id = j.order_id "
        "LEFT JOIN job_lines l ON l.job_id = j.id AND l.state <> 'rejected' "
        f"WHERE j.location = :location AND j.state IN ({marks}) "
        "GROUP BY j.id, j.order_id, j.kind, j.state, j.created_at, j.due_at, o.customer "
        "ORDER BY j.due_at, j.id LIMIT :limit",
        {"location": location, "limit": MAX_JOBS, **names},
    )
    return [
        queue_job(
            JobFacts(
                id=str(job_id),
                order_id=str(order_id),
                kind=kind,
                state=state,
                customer_name=str(json.loads(customer).get("name", "")),
                lines=int(lines),
                units=int(units),
                created_at=sql.read_time(created),
                due_at=sql.read_time(due),
            ),
            now,
        )
        for job_id, order_id, kind, state, created, due, customer, lines, units in rows
    ]


def _rejections(sql: RawSql, window: dict[str, Any]) -> list[QueueRejection]:
    # A line rejected today belongs to a job updated today: the job's index narrows the search.
    rows = sql.all(
        "SELECT l.job_id, j.order_id, l.sku, i.name, l.qty, l.reject_reason, l.rejected_at "
        "FROM jobs j JOIN job_lines l ON l.job_id = j.id LEFT JOIN items i ON i.sku = l.sku "
        "WHERE j.location = :location AND j.updated_at >= :start AND l.state = 'rejected' "
        "AND l.rejected_at >= :start AND l.rejected_at < :end "
        "ORDER BY l.rejected_at, l.job_id, l.line_no",
        window,
    )
    return [
        QueueRejection(
            job_id=uuid.UUID(str(job_id)),
            order_id=uuid.UUID(str(order_id)),
            sku=sku,
            name=name or sku,
            qty=int(qty),
            reason=reason or "",
            rejected_at=sql.read_time(rejected),
        )
        for job_id, order_id, sku, name, qty, reason, rejected in rows
    ]


def _store_orders(sql: RawSql, window: dict[str, Any]) -> tuple[list[StoreOrderSaved], str]:
    """Orders placed at the store's counter during the day, valued at the catalog price of the
    lines still to be served or served (cancelled and unfulfillable lines saved nothing)."""
    rows = sql.all(
        "SELECT o.id, o.created_at, o.state, "
        "COALESCE(SUM(CASE WHEN ol.state IN ('cancelled', 'unfulfillable') THEN 0 "
        "ELSE ol.qty END), 0), "
        "COALESCE(SUM(CASE WHEN ol.state IN ('cancelled', 'unfulfillable') THEN 0 "
        "ELSE ol.qty * i.price_minor END), 0), MIN(i.currency) "
        "FROM orders o JOIN order_lines ol ON ol.order_id = o.id "
        "LEFT JOIN items i ON i.sku = ol.sku "
        "WHERE o.placed_by = :location AND o.created_at >= :start AND o.created_at < :end "
        "AND o.channel = 'store' "
        "GROUP BY o.id, o.created_at, o.state ORDER BY o.created_at, o.id",
        window,
    )
    priced = [str(row[5]) for row in rows if row[5] is not None]
    fallback = priced[0] if priced else _catalog_currency(sql)
    orders = [
        StoreOrderSaved(
            order_id=uuid.UUID(str(order_id)),
            created_at=sql.read_time(created),
            state=state,
            units=int(units),
            value_minor=int(value),
            currency=str(currency or fallback),
        )
        for order_id, created, state, units, value, currency in rows
    ]
    return orders, fallback


def _catalog_currency(sql: RawSql) -> str:
    row = sql.first("SELECT currency FROM items ORDER BY sku LIMIT 1")
    return str(row[0]) if row is not None else str(ItemIn.model_fields["currency"].default)


def _deliveries(sql: RawSql, window: dict[str, Any], now: datetime) -> list[QueueDelivery]:
    """Deliveries still expected whose window touches the day, or has passed (late)."""
    rows = sql.all(
        "SELECT d.id, d.reference, d.kind, d.source_kind, d.source, d.expected_from, "
        "d.expected_until, COUNT(l.line_no), COALESCE(SUM(l.expected_qty), 0) FROM deliveries d "
        "LEFT JOIN delivery_lines l ON l.delivery_id = d.id "
        "WHERE d.destination = :location AND d.state = :expected AND d.expected_from < :end "
        "AND (d.expected_until >= :start OR d.expected_until < :now) "
        "GROUP BY d.id, d.reference, d.kind, d.source_kind, d.source, d.expected_from, "
        "d.expected_until ORDER BY d.expected_until, d.expected_from, d.id LIMIT :limit",
        {
            **window,
            "expected": DeliveryState.EXPECTED.value,
            "now": sql.time(now),
            "limit": MAX_DOCUMENTS,
        },
    )
    deliveries = [
        QueueDelivery(
            id=uuid.UUID(str(delivery_id)),
            reference=reference,
            kind=kind,
            source_kind=source_kind,
            source=source,
            expected_from=sql.read_time(start),
            expected_until=sql.read_time(until),
            lines=int(lines),
            units=int(units),
            late=sql.read_time(until) < now,
        )
        for delivery_id, reference, kind, source_kind, source, start, until, lines, units in rows
    ]
    return deliveries_in_order(deliveries)


def _transfers(
    sql: RawSql, location: str, state: TransferState, now: datetime
) -> list[QueueTransfer]:
    """Transfers requested from ``location`` (to send: oldest request first), or sent to it (to
    receive: late first, then by expected arrival)."""
    sending = state is TransferState.REQUESTED
    end, qty = ("from_location", "requested_qty") if sending else ("to_location", "sent_qty")
    rows = sql.all(
        "SELECT t.id, t.from_location, t.to_location, t.state, t.origin, t.requested_at, "
        f"t.sent_at, t.expected_at, COUNT(l.line_no), COALESCE(SUM(l.{qty}), 0) FROM transfers t "
        f"LEFT JOIN transfer_lines l ON l.transfer_id = t.id AND COALESCE(l.{qty}, 0) > 0 "
        f"WHERE t.{end} = :location AND t.state = :state "
        "GROUP BY t.id, t.from_location, t.to_location, t.state, t.origin, t.requested_at, "
        "t.sent_at, t.expected_at ORDER BY t.requested_at, t.id LIMIT :limit",
        {"location": location, "state": state.value, "limit": MAX_DOCUMENTS},
    )
    transfers = []
    for (
        transfer_id,
        source,
        destination,
        current,
        origin,
        requested,
        sent,
        expected,
        lines,
        units,
    ) in rows:
        expected_at = None if expected is None else sql.read_time(expected)
        transfers.append(
            QueueTransfer(
                id=uuid.UUID(str(transfer_id)),
                from_location=source,
                to_location=destination,
                state=current,
                origin=origin,
                requested_at=sql.read_time(requested),
                sent_at=None if sent is None else sql.read_time(sent),
                expected_at=expected_at,
                lines=int(lines),
                units=int(units),
                late=not sending and expected_at is not None and expected_at < now,
            )
        )
    return requests_in_order(transfers) if sending else arrivals_in_order(transfers)
