"""The touchpoint reports: sales by touchpoint, store contribution to web, split rate, time to
customer, and cancellations and short picks by reason. Each is a plain function of
``(connection, now, *, location=None, days=...)``: ``location`` None reads the whole network,
``days`` are the complete days before today (``TOUCHPOINTS_WINDOW`` by default). None checks
permissions (``access`` does, for the API).

How a served unit is given its touchpoint and its store is ``domain.analytics.touchpoints``;
what is read, through which index, is ``touchpoint_reads``. Counter sales are what a store sold
(its day history, voids taken off) less the units its own jobs took from its shelf that day:
the day history counts both, and only jobs say which units went to orders.

Values are at the item's current price, in the currency most of the report's value is in;
lines priced in another currency count in units only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from ordersync.contract import Channel, ItemIn, JobLineState, LocationKind, SalesPeriod, Touchpoint
from ordersync.contract.report_windows import TOUCHPOINTS_WINDOW
from ordersync.contract.touchpoints import (
    CancellationRow,
    Cancellations,
    CancellationSource,
    ServiceStage,
    SplitRate,
    SplitRateRow,
    StoreContribution,
    StoreContributionRow,
    TimeToCustomer,
    TimeToCustomerRow,
    TouchpointSales,
    TouchpointSalesRow,
    TouchpointTotal,
)
from ordersync.domain.analytics.touchpoints import (
    JobLineEnd,
    credited_location,
    hours_between,
    main_currency,
    period_of,
    quantile,
    rounded_hours,
    share,
    touchpoint_of,
)
from ordersync.services.reports.touchpoint_reads import (
    Span,
    Unserved,
    cancelled_jobs,
    counter_sales,
    ended_job_lines,
    orders_placed,
    rejected_lines,
    serving_locations,
    span_of,
    unserved_order_lines,
)

DEFAULT_CURRENCY: str = ItemIn.model_fields["currency"].default
DEFAULT_DAYS = TOUCHPOINTS_WINDOW.default
TOUCHPOINT_ORDER = {touchpoint: rank for rank, touchpoint in enumerate(Touchpoint)}


@dataclass(frozen=True, slots=True)
class _Served:
    """Units served through one touchpoint at one location on one day."""

    location: str
    day: date
    touchpoint: Touchpoint
    units: int
    value_minor: int
    currency: str


def _served_by_jobs(span: Span, ends: Iterable[JobLineEnd]) -> Iterable[_Served]:
    for line in ends:
        touchpoint = touchpoint_of(line)
        if touchpoint is None:
            continue
        location = credited_location(line)
        day = span.day_at(line.ended_at, location)
        if span.covers(location) and span.first <= day <= span.last:
            yield _Served(location, day, touchpoint, line.qty, line.value_minor, line.currency)


def _counter_sales(
    connection: Connection, span: Span, ends: Iterable[JobLineEnd]
) -> Iterable[_Served]:
    from_shelf: Counter[tuple[str, date, str]] = Counter()
    for line in ends:
        if line.from_shelf:
            from_shelf[line.location, span.day_at(line.ended_at, line.location), line.sku] += (
                line.qty
            )
    for sold in counter_sales(connection, span, from_shelf):
        yield _Served(
            sold.location,
            sold.day,
            Touchpoint.COUNTER_SALE,
            sold.units,
            sold.value_minor,
            sold.currency,
        )


def touchpoint_sales(
    connection: Connection,
    now: datetime,
    *,
    location: str | None = None,
    days: int = DEFAULT_DAYS,
    by: SalesPeriod = SalesPeriod.DAY,
) -> TouchpointSales:
    """Units and value served through each touchpoint, per ``by`` period and location."""
    span = span_of(connection, now, location, days)
    ends = ended_job_lines(connection, span)
    served = [*_served_by_jobs(span, ends), *_counter_sales(connection, span, ends)]
    values: Counter[str] = Counter()
    for entry in served:
        values[entry.currency] += entry.value_minor
    currency = main_currency(values, DEFAULT_CURRENCY)
    cells: dict[tuple[date, str, Touchpoint], list[int]] = defaultdict(lambda: [0, 0])
    totals: dict[Touchpoint, list[int]] = {touchpoint: [0, 0] for touchpoint in Touchpoint}
    for entry in served:
        _, start = period_of(entry.day, by)
        value = entry.value_minor if entry.currency == currency else 0
        for figures in (cells[start, entry.location, entry.touchpoint], totals[entry.touchpoint]):
            figures[0] += entry.units
            figures[1] += value
    all_units = sum(units for units, _ in totals.values())
    return TouchpointSales(
        location=location,
        by=by,
        start=span.first,
        end=span.last,
        currency=currency,
        totals=[
            TouchpointTotal(
                touchpoint=touchpoint,
                units=units,
                value_minor=value,
                unit_share=share(units, all_units),
            )
            for touchpoint, (units, value) in totals.items()
        ],
        rows=[
            TouchpointSalesRow(
                period=period_of(start, by)[0],
                start=start,
                location=where,
                touchpoint=touchpoint,
                units=units,
                value_minor=value,
            )
            for (start, where, touchpoint), (units, value) in sorted(
                cells.items(),
                key=lambda cell: (cell[0][0], cell[0][1], TOUCHPOINT_ORDER[cell[0][2]]),
            )
        ],
    )


def store_contribution(
    connection: Connection, now: datetime, *, location: str | None = None, days: int = DEFAULT_DAYS
) -> StoreContribution:
    """What each location served for web orders from its own stock, against the network's web
    units; a location's report has its own row and the network's totals."""
    span = span_of(connection, now, location, days)
    web = [line for line in ended_job_lines(connection, span) if line.channel is Channel.WEB]
    values: Counter[str] = Counter(line.currency for line in web)
    currency = main_currency(values, DEFAULT_CURRENCY)
    figures: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for line in web:
        value = line.value_minor if line.currency == currency else 0
        row = figures[line.location]
        if not line.from_shelf:
            row[4] += line.qty
        elif line.state is JobLineState.SHIPPED:
            row[0] += line.qty
            row[1] += value
        else:
            row[2] += line.qty
            row[3] += value
    kinds = {code: LocationKind(place.kind) for code, place in span.places.items()}
    from_stock = {code: row[0] + row[2] for code, row in figures.items()}
    web_units = sum(from_stock.values())
    store_units = sum(
        units for code, units in from_stock.items() if kinds[code] is LocationKind.STORE
    )
    return StoreContribution(
        location=location,
        start=span.first,
        end=span.last,
        currency=currency,
        web_units=web_units,
        store_units=store_units,
        store_share=share(store_units, web_units),
        rows=[
            StoreContributionRow(
                location=code,
                kind=kinds[code],
                shipped_units=row[0],
                shipped_value_minor=row[1],
                collected_units=row[2],
                collected_value_minor=row[3],
                parcel_units=row[4],
                web_share=share(from_stock[code], web_units),
            )
            for code, row in sorted(figures.items(), key=lambda f: (-from_stock[f[0]], f[0]))
            if span.covers(code)
        ],
    )


def split_rate(
    connection: Connection, now: datetime, *, location: str | None = None, days: int = DEFAULT_DAYS
) -> SplitRate:
    """Orders placed in the window served from the stock of more than one location; a
    location's report counts the orders it served."""
    span = span_of(connection, now, location, days)
    orders = orders_placed(connection, span)
    served = serving_locations(connection, [order.order_id for order in orders])
    counted = split = 0
    per_location: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for locations in served.values():
        is_split = len(locations) > 1
        for code in locations:
            per_location[code][0] += 1
            per_location[code][1] += is_split
        if location is None or location in locations:
            counted += 1
            split += is_split
    return SplitRate(
        location=location,
        start=span.first,
        end=span.last,
        orders=counted,
        split_orders=split,
        split_rate=share(split, counted),
        rows=[
            SplitRateRow(
                location=code,
                orders=orders_,
                split_orders=splits,
                split_rate=share(splits, orders_),
            )
            for code, (orders_, splits) in sorted(per_location.items())
            if span.covers(code)
        ],
    )


def time_to_customer(
    connection: Connection, now: datetime, *, location: str | None = None, days: int = DEFAULT_DAYS
) -> TimeToCustomer:
    """Hours from the order to its parcel leaving for the customer, and to the customer taking
    it at the store, per touchpoint and store: one figure per job."""
    span = span_of(connection, now, location, days)
    samples: dict[tuple[Touchpoint, str, ServiceStage], dict[str, float]] = defaultdict(dict)
    for line in ended_job_lines(connection, span):
        touchpoint = touchpoint_of(line)
        where = credited_location(line)
        if touchpoint is None or not span.covers(where):
            continue
        stage = (
            ServiceStage.COLLECTED if line.state is JobLineState.COLLECTED else ServiceStage.SHIPPED
        )
        samples[touchpoint, where, stage][line.job_id] = hours_between(
            line.order_created_at, line.ended_at
        )
    rows = []
    for (touchpoint, where, stage), by_job in sorted(
        samples.items(), key=lambda s: (TOUCHPOINT_ORDER[s[0][0]], s[0][1], s[0][2])
    ):
        waits = list(by_job.values())
        rows.append(
            TimeToCustomerRow(
                touchpoint=touchpoint,
                location=where,
                stage=stage,
                count=len(waits),
                median_hours=rounded_hours(quantile(waits, 0.5)),
                p90_hours=rounded_hours(quantile(waits, 0.9)),
            )
        )
    return TimeToCustomer(location=location, start=span.first, end=span.last, rows=rows)


def cancellations(
    connection: Connection, now: datetime, *, location: str | None = None, days: int = DEFAULT_DAYS
) -> Cancellations:
    """Jobs cancelled and job lines short-picked in the window, and the lines of the orders
    placed in it that nothing served, by location and reason."""
    span = span_of(connection, now, location, days)
    found: dict[tuple[str | None, CancellationSource, str], list[int]] = defaultdict(lambda: [0, 0])
    sources: tuple[tuple[CancellationSource, list[Unserved]], ...] = (
        (CancellationSource.JOB, cancelled_jobs(connection, span)),
        (CancellationSource.JOB_LINE, rejected_lines(connection, span)),
        (
            CancellationSource.ORDER_LINE,
            unserved_order_lines(connection, span, orders_placed(connection, span)),
        ),
    )
    for source, unserved in sources:
        for item in unserved:
            figures = found[item.location, source, item.reason]
            figures[0] += item.count
            figures[1] += item.units
    return Cancellations(
        location=location,
        start=span.first,
        end=span.last,
        rows=[
            CancellationRow(location=where, source=source, reason=reason, count=count, units=units)
            for (where, source, reason), (count, units) in sorted(
                found.items(), key=lambda f: (-f[1][1], f[0][0] or "", f[0][1], f[0][2])
            )
        ],
    )
