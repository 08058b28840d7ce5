"""The day's queue of a store: what its manager needs to see of one store-local day.

Every part is one indexed query on the store's own rows: jobs by (location, state) and
(location, updated_at), orders by (placed_by, created_at), device status, count tasks and
positions by location. States are the jobs' current states: the counts cover the jobs open now
and those that ended (shipped, collected, cancelled, rejected) during the day.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from ordersync.contract import (
    FINAL_JOB_STATES,
    DayQueue,
    ItemIn,
    JobFacts,
    JobStateName,
    QueueJob,
    QueueRejection,
    StoreOrderSaved,
    in_queue_order,
    queue_job,
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
            "SELECT COUNT(*) FROM positions WHERE location = :location AND suspect = :yes",
            {"location": location, "yes": True},
        ),
    )


def _scalar(sql: RawSql, query: str, params: dict[str, Any]) -> int:
    (value,) = sql.one(query, params)
    return int(value)


def _states(prefix: str, states: tuple[JobStateName, ...]) -> tuple[str, dict[str, str]]:
    names = {f"{prefix}{i}": state.value for i, state in enumerate(states)}
    return ", ".join(f":{name}" for name in names), names


def _jobs_by_state(sql: RawSql, window: dict[str, Any]) -> dict[str, int]:
    counts = {state.value: 0 for state in JobStateName}
    open_marks, open_names = _states(
        "open", tuple(s for s in JobStateName if s not in FINAL_JOB_STATES)
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
