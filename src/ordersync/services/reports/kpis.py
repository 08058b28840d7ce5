"""The network's fulfilment figures over the last complete days (see ``domain.analytics.kpis``).

Jobs are read through ``ix_jobs_location_created`` (every location code, the window's range of
creation times), grouped and summed by the database; each location's window runs from its own
midnight, so locations are queried per time zone. Orders are those created in the window in the
network's time zone, found through their jobs (an order gets its first job when it is placed),
then by primary key. The work grows with the jobs of the window, never with older history.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select

from ordersync.contract import ORDER_LINES_LOST, ItemIn, LocationKpi, NetworkKpis
from ordersync.contract.report_windows import KPIS_WINDOW
from ordersync.db.ledger_tx import ITEMS, table_of
from ordersync.db.tables import JobLineRow, JobRow, OrderLineRow, OrderRow
from ordersync.domain.analytics.history import local_today, window_before
from ordersync.domain.analytics.kpis import (
    LocationJobs,
    day_bounds,
    fill_rate,
    network_ship_hours,
)
from ordersync.services.reports.reads import all_places, place_of
from ordersync.services.reports.scope import network_zone

JOBS = table_of(JobRow)
JOB_LINES = table_of(JobLineRow)
ORDERS = table_of(OrderRow)
ORDER_LINES = table_of(OrderLineRow)
DEFAULT_CURRENCY: str = ItemIn.model_fields["currency"].default


def _hours(connection: Connection) -> ColumnElement[Any]:
    """Hours from a job's creation to its last change, in the backend's own date arithmetic."""
    if connection.dialect.name == "postgresql":
        seconds = func.extract("epoch", JOBS.c.updated_at - JOBS.c.created_at)
        return seconds / 3600.0
    return (func.julianday(JOBS.c.updated_at) - func.julianday(JOBS.c.created_at)) * 24.0


def _in_window(codes: list[str], low: datetime, high: datetime) -> list[ColumnElement[bool]]:
    return [JOBS.c.location.in_(codes), JOBS.c.created_at >= low, JOBS.c.created_at < high]


def _location_jobs(
    connection: Connection, codes: list[str], first: date, last: date, zone: str
) -> dict[str, LocationJobs]:
    low, high = day_bounds(first, last, zone)
    shipped = and_(JOBS.c.kind == "ship", JOBS.c.state == "shipped")
    jobs = connection.execute(
        select(
            JOBS.c.location,
            func.count(),
            func.sum(case((shipped, 1), else_=0)),
            func.sum(case((shipped, _hours(connection)), else_=0.0)),
        )
        .where(*_in_window(codes, low, high))
        .group_by(JOBS.c.location)
    ).all()
    lines = {
        location: (int(count), int(rejected or 0))
        for location, count, rejected in connection.execute(
            select(
                JOBS.c.location,
                func.count(),
                func.sum(case((JOB_LINES.c.state == "rejected", 1), else_=0)),
            )
            .select_from(JOBS.join(JOB_LINES, JOB_LINES.c.job_id == JOBS.c.id))
            # a parcel handed over at the collection store was not picked from its shelf
            .where(*_in_window(codes, low, high), JOB_LINES.c.reservation_id != "")
            .group_by(JOBS.c.location)
        )
    }
    found = {}
    for location, count, shipped_jobs, hours in jobs:
        line_count, rejected = lines.get(location, (0, 0))
        found[location] = LocationJobs(
            location=location,
            jobs=int(count),
            job_lines=line_count,
            lines_rejected=rejected,
            shipped_jobs=int(shipped_jobs or 0),
            ship_hours=float(hours or 0.0),
        )
    return found


def network_kpis(
    connection: Connection,
    now: datetime,
    *,
    days: int = KPIS_WINDOW.default,
    location: str | None = None,
) -> NetworkKpis:
    """The network's figures, or a location's share of them: its own jobs, and the orders it
    placed or took part in."""
    places = all_places(connection)
    if location is not None and location not in places:
        place_of(connection, location)
    zone = network_zone(places.values())
    first, last = window_before(local_today(now, zone), days)
    zones: dict[str, list[str]] = defaultdict(list)
    for code, place in places.items():
        if location is None or code == location:
            zones[place.timezone].append(code)
    per_location: dict[str, LocationJobs] = {}
    for zone, codes in sorted(zones.items()):
        per_location.update(_location_jobs(connection, codes, first, last, zone))
    if location is not None:
        per_location.setdefault(location, LocationJobs(location))

    low, high = day_bounds(first, last, zone)
    everywhere = select(JOBS.c.order_id).where(*_in_window(list(places), low, high))
    conditions: list[ColumnElement[bool]] = [
        ORDERS.c.id.in_(everywhere),
        ORDERS.c.created_at >= low,
        ORDERS.c.created_at < high,
    ]
    if location is not None:
        here = select(JOBS.c.order_id).where(*_in_window([location], low, high))
        conditions.append(or_(ORDERS.c.placed_by == location, ORDERS.c.id.in_(here)))
    lines_by_state: Counter[str] = Counter()
    store_orders = 0
    values: Counter[str] = Counter()
    kept = case(
        (ORDER_LINES.c.state.in_(sorted(ORDER_LINES_LOST)), 0),
        else_=ORDER_LINES.c.qty * ITEMS.c.price_minor,
    )
    # every order has a line 1: counting those counts orders without a second pass
    for channel, state, currency, lines, orders, value in connection.execute(
        select(
            ORDERS.c.channel,
            ORDER_LINES.c.state,
            ITEMS.c.currency,
            func.count(),
            func.sum(case((ORDER_LINES.c.line_no == 1, 1), else_=0)),
            func.sum(kept),
        )
        .select_from(
            ORDERS.join(ORDER_LINES, ORDER_LINES.c.order_id == ORDERS.c.id).join(
                ITEMS, ITEMS.c.sku == ORDER_LINES.c.sku
            )
        )
        .where(*conditions)
        .group_by(ORDERS.c.channel, ORDER_LINES.c.state, ITEMS.c.currency)
    ).all():
        lines_by_state[state] += int(lines)
        if channel == "store":
            store_orders += int(orders or 0)
            values[currency] += int(value or 0)
    currency = min(values, key=lambda c: (-values[c], c)) if values else DEFAULT_CURRENCY
    fill = fill_rate(lines_by_state)
    kpis = [per_location[code] for code in sorted(per_location)]
    return NetworkKpis(
        start=first,
        end=last,
        order_lines=fill.lines,
        lines_fulfilled=fill.fulfilled,
        fill_rate=fill.rate,
        store_orders=store_orders,
        store_orders_value_minor=values[currency],
        currency=currency,
        avg_assign_to_ship_hours=network_ship_hours(kpis),
        locations=[
            LocationKpi(
                location=k.location,
                jobs=k.jobs,
                job_lines=k.job_lines,
                lines_rejected=k.lines_rejected,
                rejection_rate=k.rejection_rate,
                avg_assign_to_ship_hours=k.avg_assign_to_ship_hours,
            )
            for k in kpis
        ],
    )
