"""Days of cover, the next replenishment, and whether stock runs out before it arrives.

Replenishment follows a periodic review: orders are placed on review days only (every
``review_days`` days from the policy's ``review_epoch``) and arrive ``lead_time_days`` later. The
next replenishment is what the next review (today, if today is one) brings:
``next review + lead time``. A position is at risk when, selling at its rate, its sellable units
(on hand less reserved) are gone before that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ordersync.domain.analytics.demand import Rate
from ordersync.domain.analytics.policy import ReportPolicy


def next_review(today: date, policy: ReportPolicy) -> date:
    offset = (today - policy.review_epoch).days % policy.review_days
    return today if offset == 0 else today + timedelta(days=policy.review_days - offset)


def next_replenishment(today: date, policy: ReportPolicy) -> date:
    return next_review(today, policy) + timedelta(days=policy.lead_time_days)


def days_of_cover(units: int, rate: Rate) -> float | None:
    """How many days ``units`` last at ``rate``; None when nothing sells."""
    if not rate.sells:
        return None
    return max(units, 0) / rate.per_day


@dataclass(frozen=True, slots=True)
class Cover:
    days: float | None
    next_replenishment: date
    stockout_by: date | None
    """The first day without stock, when it comes before the next replenishment."""

    @property
    def at_risk(self) -> bool:
        return self.stockout_by is not None

    @property
    def days_rounded(self) -> float | None:
        return None if self.days is None else round(self.days, 1)

    @property
    def days_out(self) -> int:
        """Days without stock before the next replenishment arrives (0 when not at risk)."""
        if self.stockout_by is None:
            return 0
        return (self.next_replenishment - self.stockout_by).days


def value_at_risk_minor(cover: Cover, rate: Rate, price_minor: int) -> int:
    """What the risk costs if nothing is done: the sales of the days without stock before the
    next replenishment, at the rate and the item's price (rate x price x days out). An item that
    sells nothing risks nothing, however empty its shelf."""
    if not rate.sells:
        return 0
    return round(rate.per_day * price_minor * cover.days_out)


def assess_cover(today: date, units: int, rate: Rate, policy: ReportPolicy) -> Cover:
    """``units`` sellable today at ``rate``: do they last until the next replenishment?

    With ``c`` days of cover the shelf is empty from day ``today + floor(c)``: 2.5 days of cover
    are gone during the day after tomorrow.
    """
    arrival = next_replenishment(today, policy)
    cover = days_of_cover(units, rate)
    if cover is None:
        return Cover(None, arrival, None)
    empty = today + timedelta(days=rate.days_for(units))
    return Cover(cover, arrival, empty if empty < arrival else None)
