"""The rules of the touchpoint reports: which touchpoint served a unit, which store it counts for,
which period it falls in, and the figures drawn from many (shares, medians, ninetieth
percentiles).

A job line serves its customer when it ends shipped to the customer's address or collected at a
store; a line shipped to a collection store has not reached its customer yet (the collection
store's handover of that parcel will count it). Each served unit is credited to the store the
customer dealt with:

- an order in store (channel ``store``, delivered home or collected): the store that placed it;
- a web order to collect (click & collect, reserve & collect): the collection store;
- a web order delivered home: the location that shipped it, whose kind says the touchpoint
  (warehouse, store, or a drop-ship supplier).

Counter sales are not job lines: they are a store's units sold that no job took from its shelf.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ordersync.contract import (
    Channel,
    DeliveryKind,
    JobLineState,
    LocationKind,
    SalesPeriod,
    Touchpoint,
)

SHARE_DIGITS = 4
"""A share to a hundredth of a percent, as the other reports' rates."""
HOUR_DIGITS = 2


@dataclass(frozen=True, slots=True)
class JobLineEnd:
    """A job line that ended shipped or collected, with what the reports need of its order."""

    job_id: str
    order_id: str
    channel: Channel
    delivery: DeliveryKind
    placed_by: str
    location: str
    """Where the job was: the shipping location, or the collection store."""
    location_kind: LocationKind
    state: JobLineState
    """``shipped`` or ``collected``."""
    to_store: bool
    """Shipped to a collection store rather than to the customer."""
    from_shelf: bool
    """The units came from the location's own stock (a collected parcel did not)."""
    sku: str
    qty: int
    price_minor: int
    currency: str
    ended_at: datetime
    order_created_at: datetime

    @property
    def reached_customer(self) -> bool:
        return not self.to_store

    @property
    def value_minor(self) -> int:
        return self.qty * self.price_minor


def touchpoint_of(line: JobLineEnd) -> Touchpoint | None:
    """The touchpoint that served the line; None while it travels to a collection store."""
    if not line.reached_customer:
        return None
    if line.channel is Channel.STORE:
        return Touchpoint.ORDER_IN_STORE
    if line.delivery is DeliveryKind.COLLECT:
        return Touchpoint.CLICK_AND_COLLECT
    if line.location_kind is LocationKind.WAREHOUSE:
        return Touchpoint.WEB_FROM_WAREHOUSE
    if line.location_kind is LocationKind.SUPPLIER:
        return Touchpoint.WEB_DROP_SHIP
    return Touchpoint.WEB_FROM_STORE


def credited_location(line: JobLineEnd) -> str:
    """The store the customer dealt with (see the module's rules)."""
    if line.channel is Channel.STORE:
        return line.placed_by
    return line.location


def period_of(day: date, by: SalesPeriod) -> tuple[str, date]:
    """The name and first day of the period ``day`` falls in."""
    if by is SalesPeriod.DAY:
        return day.isoformat(), day
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}", day - timedelta(days=weekday - 1)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, SHARE_DIGITS) if whole > 0 else None


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (not empty), interpolated between the two nearest ranks:
    the median of 1, 2, 3, 10 is 2.5, their ninetieth percentile 7.9."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    low, high = ordered[below], ordered[above]
    return low + (high - low) * (position - below)


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def rounded_hours(hours: float) -> float:
    return round(hours, HOUR_DIGITS)


def main_currency(values: Counter[str], fallback: str) -> str:
    """The currency most of the value is in (the first by code on a tie)."""
    if not values:
        return fallback
    return min(values, key=lambda currency: (-values[currency], currency))
