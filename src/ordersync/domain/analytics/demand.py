"""A position's sales rate and its day-to-day spread, taken over its in-stock days.

Days out of stock are left out: a store that sold nothing because the shelf was empty says
nothing about how much it would have sold, and counting those days as zero sales would make the
next order smaller exactly where it should not be. Returns are not netted off: a unit returned
was still asked for, and it comes back into the stock on hand.

A warehouse's demand is also what it sends to stores (``with_shipments``): its shelves feed
theirs, so its own replenishment must follow what the stores pull, not only its web sales.

A rate is kept as the two whole numbers it is made of (units over days), so the day a shelf
empties and the units a period needs are worked out exactly, without rounding.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ordersync.domain.analytics.history import DayRow, Summary


class Rate(NamedTuple):
    """``units`` sold over ``days`` in-stock days."""

    units: int
    days: int

    @property
    def per_day(self) -> float:
        return self.units / self.days if self.days else 0.0

    @property
    def sells(self) -> bool:
        return self.units > 0 and self.days > 0

    def over(self, days: int) -> int:
        """Units needed for ``days`` days at this rate, rounded up."""
        return -(-self.units * days // self.days) if self.sells else 0

    def times(self, days: int) -> float:
        return self.per_day * days

    def days_for(self, units: int) -> int:
        """Whole days ``units`` last at this rate (requires a rate that sells)."""
        return max(units, 0) * self.days // self.units


NO_SALES = Rate(0, 0)


def daily_rate(summary: Summary) -> Rate:
    """Units sold per in-stock day; no sales when the window has no in-stock day."""
    if summary.in_stock_days == 0:
        return NO_SALES
    return Rate(summary.sold_in_stock, summary.in_stock_days)


def with_shipments(row: DayRow) -> DayRow:
    """The day as a warehouse's demand sees it: units sent to other locations count as sold."""
    return row._replace(sold=row.sold + row.sent) if row.sent else row


def daily_spread(summary: Summary) -> float:
    """Sample standard deviation of the daily sales over the in-stock days (0 below two days)."""
    n = summary.in_stock_days
    if n < 2:
        return 0.0
    # n * sum of squares - sum**2 is a whole number: no cancellation error
    spread = n * summary.sold_squares - summary.sold_in_stock**2
    return math.sqrt(max(spread, 0) / (n * (n - 1)))


def rounded(value: float, places: int = 3) -> float:
    return round(value, places)
