"""The variance report of a store: counted against expected, in units and value, over time.

It reads ``count_results`` (one row per applied count, written with the count) through its
(location, counted_at) index, never the movements. Periods are the store's own calendar days or
ISO weeks. Values are summed as recorded: the network prices its catalog in one currency.

``variance_report(connection, location, start, end, *, period="day", max_counts=1000)`` is the
entry point of the ``ordersync report`` command; ``recent_variance`` (the last N store-local days)
serves the API. Neither checks permissions: ``reports.access`` does, for the API.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from ordersync.contract import CountRecord, ItemIn, VarianceReport
from ordersync.contract.report_windows import VARIANCE_WINDOW
from ordersync.db.raw import RawSql
from ordersync.domain.day_queue import day_window
from ordersync.domain.errors import InvalidRequest, UnknownLocation
from ordersync.domain.position_days import local_day
from ordersync.domain.variance import CountObservation, PeriodKind, summarise

MAX_REPORT_DAYS = 731
"""The longest range one report covers: two years of days."""
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def variance_report(
    connection: Connection,
    location: str,
    start: date,
    end: date,
    *,
    period: PeriodKind = "day",
    max_counts: int = 1000,
) -> VarianceReport:
    """Counts at ``location`` recorded from store-local day ``start`` to ``end`` (both included),
    summed per ``period``, with the ``max_counts`` most recent counts listed newest first.

    Raises ``UnknownLocation`` for a location the network does not have and ``InvalidRequest``
    for a range that is reversed, longer than ``MAX_REPORT_DAYS`` or outside 2000-2099.
    """
    _check_range(start, end)
    sql = RawSql(connection)
    found = sql.first("SELECT timezone FROM locations WHERE code = :code", {"code": location})
    if found is None:
        raise UnknownLocation(f"no location {location!r} in the network", location=location)
    zone = str(found[0])
    window_start, _ = day_window(start, zone)
    _, window_end = day_window(end, zone)
    rows = sql.all(
        "SELECT c.op_id, c.sku, i.name, c.counted_at, c.reason, c.expected, c.counted, c.delta, "
        "c.unit_price_minor, c.currency FROM count_results c LEFT JOIN items i ON i.sku = c.sku "
        "WHERE c.location = :location AND c.counted_at >= :start AND c.counted_at < :end "
        "ORDER BY c.counted_at DESC, c.id DESC",
        {"location": location, "start": sql.time(window_start), "end": sql.time(window_end)},
    )
    observations: list[CountObservation] = []
    records: list[CountRecord] = []
    for op_id, sku, name, counted, reason, expected, found_units, delta, price, _ in rows:
        counted_at = sql.read_time(counted)
        seen = CountObservation(
            day=local_day(counted_at, zone),
            expected=int(expected),
            counted=int(found_units),
            delta=int(delta),
            unit_price_minor=int(price),
        )
        observations.append(seen)
        if len(records) < max_counts:
            records.append(
                CountRecord(
                    op_id=uuid.UUID(str(op_id)),
                    sku=sku,
                    name=name or sku,
                    counted_at=counted_at,
                    reason=reason,
                    expected=seen.expected,
                    counted=seen.counted,
                    delta=seen.delta,
                    value_delta_minor=seen.value_delta_minor,
                )
            )
    return VarianceReport(
        location=location,
        start=start,
        end=end,
        currency=str(rows[0][9]) if rows else _catalog_currency(sql),
        periods=summarise(observations, start, end, period),
        counts=records,
    )


def recent_variance(
    connection: Connection,
    now: datetime,
    *,
    location: str,
    days: int = VARIANCE_WINDOW.default,
    period: PeriodKind = "day",
) -> VarianceReport:
    """The report of the ``days`` store-local days that end today at ``location``."""
    found = RawSql(connection).first(
        "SELECT timezone FROM locations WHERE code = :code", {"code": location}
    )
    if found is None:
        raise UnknownLocation(f"no location {location!r} in the network", location=location)
    today = local_day(now, str(found[0]))
    return variance_report(
        connection, location, today - timedelta(days=days - 1), today, period=period
    )


def _check_range(start: date, end: date) -> None:
    problem = None
    if end < start:
        problem = "the report ends before it starts"
    elif start < EARLIEST_DAY or end > LATEST_DAY:
        problem = "a report covers days from 2000 to 2099"
    elif (end - start).days + 1 > MAX_REPORT_DAYS:
        problem = f"a report covers at most {MAX_REPORT_DAYS} days"
    if problem is not None:
        raise InvalidRequest(problem, start=start.isoformat(), end=end.isoformat())


def _catalog_currency(sql: RawSql) -> str:
    row = sql.first("SELECT currency FROM items ORDER BY sku LIMIT 1")
    return str(row[0]) if row is not None else str(ItemIn.model_fields["currency"].default)
