"""Stock-outs that happened, and the sales they probably cost.

A stock-out is a run of stock-out days (see ``history``). The sales it lost are estimated as the
position's in-stock sales rate over the same window times the days it was out: demand is taken
to have gone on at the pace it had while the shelf held stock. Their value is at the item's
current price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ordersync.domain.analytics.demand import Rate, daily_rate
from ordersync.domain.analytics.history import Summary


@dataclass(frozen=True, slots=True)
class Stockout:
    first_day: date
    last_day: date
    days_out: int
    ongoing: bool
    """It reaches the window's last day and the position still holds nothing."""
    daily_rate: Rate

    @property
    def lost_units(self) -> float:
        return self.daily_rate.times(self.days_out)

    def lost_value_minor(self, price_minor: int) -> int:
        """Exactly: units sold x days out x price / in-stock days, rounded to a minor unit."""
        rate = self.daily_rate
        if not rate.sells:
            return 0
        return round(Fraction(rate.units * self.days_out * price_minor, rate.days))


def stockouts(summary: Summary, end: date, on_hand_now: int) -> list[Stockout]:
    """Every stock-out of the window that ``summary`` sums up and that ends on ``end``, oldest
    first."""
    rate = daily_rate(summary)
    return [
        Stockout(
            first_day=run.first,
            last_day=run.last,
            days_out=run.days,
            ongoing=run.last == end and on_hand_now <= 0,
            daily_rate=rate,
        )
        for run in summary.outs
    ]
