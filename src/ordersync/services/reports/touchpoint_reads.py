"""What the touchpoint reports read: their window, the job lines that ended in it, the orders
placed in it, the cancellations and short picks, and each store's counter sales.

Days are the other reports' days (``scope``): a location's report counts in its own calendar,
the network's in the zone most locations use, and each event falls on the day it happened where
it happened. The database is asked for the widest range of UTC times those days can cover, and
each row is then kept or left by its own local day.

Every read goes through an index on a location and a time, over every location code, so the
work grows with the window's jobs, orders and day rows, never with older history:
``ix_jobs_location_updated`` (a job's last change is the moment it ended: shipped, collected
and cancelled jobs change no more), ``ix_orders_placed_by_created`` and
``ix_position_days_location_day``; their job lines, orders and items by primary key, and the
jobs of an order by ``ix_jobs_order_id``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Connection, and_, func, select

from ordersync.contract import (
    Channel,
    DeliveryKind,
    JobLineState,
    JobStateName,
    LocationKind,
    OrderLineState,
)
from ordersync.db.ledger_tx import ITEMS, LOCATIONS, table_of
from ordersync.db.tables import JobLineRow, JobRow, OrderLineRow, OrderRow
from ordersync.domain.analytics.history import local_midnight, local_today, window_before
from ordersync.domain.analytics.touchpoints import JobLineEnd
from ordersync.domain.position_days import local_day
from ordersync.services.reports.reads import POSITION_DAYS, Place, all_places, place_of
from ordersync.services.reports.scope import network_zone

JOBS = table_of(JobRow)
JOB_LINES = table_of(JobLineRow)
ORDERS = table_of(OrderRow)
ORDER_LINES = table_of(OrderLineRow)
SERVED_STATES = (JobLineState.SHIPPED.value, JobLineState.COLLECTED.value)
ENDED_JOB_STATES = (JobStateName.SHIPPED.value, JobStateName.COLLECTED.value)
UNSERVED_LINE_STATES = (OrderLineState.CANCELLED.value, OrderLineState.UNFULFILLABLE.value)
UNKNOWN_REASON = "unknown"
"""The reason of a cancellation recorded before reasons were."""
_Key = TypeVar("_Key")
ORDERS_PER_QUERY = 1000
"""Order ids (or day rows' keys) per ``IN`` list: well under every backend's limit on bound
parameters."""


@dataclass(frozen=True, slots=True)
class Span:
    """The complete days a report covers, and the network's locations."""

    location: str | None
    """The location reported on; None for the whole network."""
    first: date
    last: date
    places: dict[str, Place]

    def bounds(self) -> tuple[datetime, datetime]:
        """From the earliest start of the window's first day to the latest end of its last,
        among the time zones of the network."""
        zones = {place.timezone for place in self.places.values()} or {"UTC"}
        after = self.last + timedelta(days=1)
        return (
            min(local_midnight(self.first, zone) for zone in zones),
            max(local_midnight(after, zone) for zone in zones),
        )

    def day_at(self, moment: datetime, location: str | None) -> date:
        place = self.places.get(location or "")
        return local_day(moment, place.timezone if place is not None else "UTC")

    def holds(self, moment: datetime, location: str | None) -> bool:
        """Whether ``moment`` falls on one of the window's days where ``location`` is."""
        return self.first <= self.day_at(moment, location) <= self.last

    def covers(self, location: str | None) -> bool:
        """Whether a row about ``location`` belongs to the report (any, for the network)."""
        return self.location is None or location == self.location

    def stores(self) -> list[str]:
        return [
            code
            for code, place in self.places.items()
            if place.kind == LocationKind.STORE and self.covers(code)
        ]


def span_of(connection: Connection, now: datetime, location: str | None, days: int) -> Span:
    """The ``days`` complete days before today at ``location`` (None: in the network's zone)."""
    places = all_places(connection)
    if location is not None and location not in places:
        place_of(connection, location)  # the unknown-location refusal
    zone = places[location].timezone if location is not None else network_zone(places.values())
    first, last = window_before(local_today(now, zone), days)
    return Span(location, first, last, places)


def _delivery(stored: str) -> tuple[DeliveryKind, str | None]:
    found = json.loads(stored)
    return DeliveryKind(found["kind"]), found.get("collect_at")


def ended_job_lines(connection: Connection, span: Span) -> list[JobLineEnd]:
    """Job lines of every location whose job was shipped or collected on the window's days."""
    low, high = span.bounds()
    rows = connection.execute(
        select(
            JOBS.c.id,
            JOBS.c.order_id,
            JOBS.c.location,
            LOCATIONS.c.kind,
            JOBS.c.destination,
            JOBS.c.state_since,
            JOBS.c.updated_at,
            JOB_LINES.c.state,
            JOB_LINES.c.reservation_id,
            JOB_LINES.c.sku,
            JOB_LINES.c.qty,
            ORDERS.c.channel,
            ORDERS.c.delivery,
            ORDERS.c.placed_by,
            ORDERS.c.created_at,
            ITEMS.c.price_minor,
            ITEMS.c.currency,
        )
        .select_from(
            JOBS.join(JOB_LINES, JOB_LINES.c.job_id == JOBS.c.id)
            .join(ORDERS, ORDERS.c.id == JOBS.c.order_id)
            .join(LOCATIONS, LOCATIONS.c.code == JOBS.c.location)
            .join(ITEMS, ITEMS.c.sku == JOB_LINES.c.sku)
        )
        .where(
            JOBS.c.location.in_(list(span.places)),
            JOBS.c.updated_at >= low,
            JOBS.c.updated_at < high,
            JOBS.c.state.in_(ENDED_JOB_STATES),
            JOB_LINES.c.state.in_(SERVED_STATES),
        )
    ).all()
    found = []
    for row in rows:
        (job_id, order_id, location, kind, destination, since, updated_at, state,
         reservation_id, sku, qty, channel, delivery, placed_by, created_at, price,
         currency) = row  # fmt: skip
        ended_at = since or updated_at
        if not span.holds(ended_at, location):
            continue
        delivery_kind, _ = _delivery(delivery)
        found.append(
            JobLineEnd(
                job_id=job_id,
                order_id=order_id,
                channel=Channel(channel),
                delivery=delivery_kind,
                placed_by=placed_by,
                location=location,
                location_kind=LocationKind(kind),
                state=JobLineState(state),
                to_store=destination is not None,
                from_shelf=bool(reservation_id),
                sku=sku,
                qty=int(qty),
                price_minor=int(price),
                currency=currency,
                ended_at=ended_at,
                order_created_at=created_at,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class CounterSales:
    """What a store's counter sold on one day, in one currency: the units its day history says
    it sold (voids taken off) less those its own jobs took from its shelf, for each SKU with a
    sale that day, valued at the item's price."""

    location: str
    day: date
    currency: str
    units: int
    value_minor: int


ShelfUnits = Mapping[tuple[str, date, str], int]
"""Units a location's jobs took from its shelf, by (location, day, SKU)."""


def counter_sales(connection: Connection, span: Span, from_shelf: ShelfUnits) -> list[CounterSales]:
    """Each store's counter sales per day and currency, summed by the database.

    A (location, day, SKU) whose sales were all taken by jobs sold nothing at the counter: a
    day and currency with no SKU left is not a counter sale at all, even if its sums cancel."""
    stores = span.stores()
    if not stores:
        return []
    in_window = (
        POSITION_DAYS.c.day >= span.first.isoformat(),
        POSITION_DAYS.c.day <= span.last.isoformat(),
        POSITION_DAYS.c.sold_units != 0,
    )
    rows = connection.execute(
        select(
            POSITION_DAYS.c.location,
            POSITION_DAYS.c.day,
            ITEMS.c.currency,
            func.sum(POSITION_DAYS.c.sold_units),
            func.sum(POSITION_DAYS.c.sold_units * ITEMS.c.price_minor),
            func.count(),
        )
        .select_from(POSITION_DAYS.join(ITEMS, ITEMS.c.sku == POSITION_DAYS.c.sku))
        .where(POSITION_DAYS.c.location.in_(stores), *in_window)
        .group_by(POSITION_DAYS.c.location, POSITION_DAYS.c.day, ITEMS.c.currency)
    )
    sums = {
        (location, date.fromisoformat(day), currency): [int(units), int(value), int(skus)]
        for location, day, currency, units, value, skus in rows
    }
    shelf_skus: dict[str, set[str]] = defaultdict(set)
    for location, _, sku in from_shelf:
        shelf_skus[location].add(sku)
    for location in stores:
        for chunk in _chunks(sorted(shelf_skus.get(location, ()))):
            # By primary key (sku, location, day): the day rows of the SKUs its jobs took.
            taken = connection.execute(
                select(
                    POSITION_DAYS.c.day,
                    POSITION_DAYS.c.sku,
                    POSITION_DAYS.c.sold_units,
                    ITEMS.c.price_minor,
                    ITEMS.c.currency,
                )
                .select_from(POSITION_DAYS.join(ITEMS, ITEMS.c.sku == POSITION_DAYS.c.sku))
                .where(
                    POSITION_DAYS.c.sku.in_(chunk),
                    POSITION_DAYS.c.location == location,
                    *in_window,
                )
            )
            for day, sku, sold, price, currency in taken:
                on_day = date.fromisoformat(day)
                units = from_shelf.get((location, on_day, sku), 0)
                figures = sums[location, on_day, currency]
                figures[0] -= units
                figures[1] -= units * int(price)
                figures[2] -= int(sold) == units
    return [
        CounterSales(location, day, currency, units, value)
        for (location, day, currency), (units, value, skus) in sums.items()
        if skus
    ]


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order_id: str
    channel: Channel
    placed_by: str
    delivery: DeliveryKind
    collect_at: str | None
    created_at: datetime

    @property
    def store(self) -> str | None:
        """The store the customer dealt with; None for a web order delivered home."""
        if self.channel is Channel.STORE:
            return self.placed_by
        return self.collect_at if self.delivery is DeliveryKind.COLLECT else None


def orders_placed(connection: Connection, span: Span) -> list[PlacedOrder]:
    """Orders placed on the window's days (each on the placing location's calendar)."""
    low, high = span.bounds()
    rows = connection.execute(
        select(
            ORDERS.c.id, ORDERS.c.channel, ORDERS.c.placed_by, ORDERS.c.delivery,
            ORDERS.c.created_at,
        ).where(
            ORDERS.c.placed_by.in_(list(span.places)),
            ORDERS.c.created_at >= low,
            ORDERS.c.created_at < high,
        )
    )  # fmt: skip
    found = []
    for order_id, channel, placed_by, delivery, created_at in rows:
        if span.holds(created_at, placed_by):
            kind, collect_at = _delivery(delivery)
            found.append(
                PlacedOrder(order_id, Channel(channel), placed_by, kind, collect_at, created_at)
            )
    return found


def _chunks(ids: Sequence[_Key]) -> Iterator[list[_Key]]:
    for start in range(0, len(ids), ORDERS_PER_QUERY):
        yield list(ids[start : start + ORDERS_PER_QUERY])


def serving_locations(connection: Connection, order_ids: Sequence[str]) -> dict[str, set[str]]:
    """For each order, the locations whose own stock served some of it (shipped, or handed
    over from the shelf), whenever that happened."""
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(order_ids):
        rows = connection.execute(
            select(JOBS.c.order_id, JOBS.c.location)
            .select_from(JOBS.join(JOB_LINES, JOB_LINES.c.job_id == JOBS.c.id))
            .where(
                JOBS.c.order_id.in_(chunk),
                JOB_LINES.c.state.in_(SERVED_STATES),
                JOB_LINES.c.reservation_id != "",
            )
            .distinct()
        )
        for order_id, location in rows:
            found[order_id].add(location)
    return found


@dataclass(frozen=True, slots=True)
class Unserved:
    """Something that ended without reaching the customer: ``count`` of it, ``units`` units."""

    location: str | None
    reason: str
    count: int
    units: int


def cancelled_jobs(connection: Connection, span: Span) -> list[Unserved]:
    """Jobs cancelled on the window's days, one row each, with the units of the lines they
    cancelled (a line short-picked before is a rejection, not a cancellation)."""
    low, high = span.bounds()
    codes = [code for code in span.places if span.covers(code)]
    rows = connection.execute(
        select(
            JOBS.c.location,
            JOBS.c.cancel_reason,
            JOBS.c.state_since,
            JOBS.c.updated_at,
            func.coalesce(func.sum(JOB_LINES.c.qty), 0),
        )
        .select_from(
            JOBS.outerjoin(
                JOB_LINES,
                and_(
                    JOB_LINES.c.job_id == JOBS.c.id,
                    JOB_LINES.c.state == JobLineState.CANCELLED.value,
                ),
            )
        )
        .where(
            JOBS.c.location.in_(codes),
            JOBS.c.updated_at >= low,
            JOBS.c.updated_at < high,
            JOBS.c.state == JobStateName.CANCELLED.value,
        )
        .group_by(JOBS.c.id, JOBS.c.location, JOBS.c.cancel_reason, JOBS.c.state_since,
                  JOBS.c.updated_at)
    )  # fmt: skip
    return [
        Unserved(location, reason or UNKNOWN_REASON, 1, int(units))
        for location, reason, since, updated_at, units in rows
        if span.holds(since or updated_at, location)
    ]


def rejected_lines(connection: Connection, span: Span) -> list[Unserved]:
    """Job lines short-picked on the window's days (their job changed then or later)."""
    low, high = span.bounds()
    codes = [code for code in span.places if span.covers(code)]
    rows = connection.execute(
        select(JOBS.c.location, JOB_LINES.c.reject_reason, JOB_LINES.c.rejected_at,
               JOB_LINES.c.qty)
        .select_from(JOBS.join(JOB_LINES, JOB_LINES.c.job_id == JOBS.c.id))
        .where(
            JOBS.c.location.in_(codes),
            JOBS.c.updated_at >= low,
            JOB_LINES.c.state == JobLineState.REJECTED.value,
            JOB_LINES.c.rejected_at >= low,
            JOB_LINES.c.rejected_at < high,
        )
    )  # fmt: skip
    return [
        Unserved(location, reason or UNKNOWN_REASON, 1, int(qty))
        for location, reason, rejected_at, qty in rows
        if span.holds(rejected_at, location)
    ]


def unserved_order_lines(
    connection: Connection, span: Span, orders: Sequence[PlacedOrder]
) -> list[Unserved]:
    """Lines of ``orders`` cancelled or left unfulfillable, at the store the customer dealt
    with (None: a web order delivered home)."""
    by_id = {order.order_id: order for order in orders}
    found: list[Unserved] = []
    for chunk in _chunks(list(by_id)):
        rows = connection.execute(
            select(ORDER_LINES.c.order_id, ORDER_LINES.c.state, ORDER_LINES.c.cancel_reason,
                   ORDER_LINES.c.qty)
            .where(ORDER_LINES.c.order_id.in_(chunk),
                   ORDER_LINES.c.state.in_(UNSERVED_LINE_STATES))
        )  # fmt: skip
        for order_id, state, reason, qty in rows:
            store = by_id[order_id].store
            if not span.covers(store):
                continue
            if reason is None and state == OrderLineState.UNFULFILLABLE.value:
                reason = OrderLineState.UNFULFILLABLE.value
            found.append(Unserved(store, reason or UNKNOWN_REASON, 1, int(qty)))
    return found
