"""Order-up-to replenishment: how many units to order so that stock lasts until the order after.

With a sales rate ``r`` a day and its daily standard deviation ``s`` (both over in-stock days),
lead time ``L`` and review period ``R``:

- safety stock ``= ceil(z * s * sqrt(L + R))``, ``z`` from the service level (1.645 at 95 %);
- order-up-to level ``S = ceil(r * (L + R) + z * s * sqrt(L + R))``;
- stock position ``= on hand - reserved + on order + in transit + requested``: reserved units are
  already promised, and units already on their way will be on the shelf before this order is;
- suggested order ``= max(0, S - stock position)``.

What is on its way: *on order* (announced deliveries not yet received), *in transit* (transfers
sent, not yet received) and *requested* (transfers asked for, not yet sent), all to this location.
Ordering them again is how a store ends up with twice the stock it needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ordersync.domain.analytics.demand import Rate, daily_rate, daily_spread
from ordersync.domain.analytics.history import Summary
from ordersync.domain.analytics.policy import ReportPolicy


@dataclass(frozen=True, slots=True)
class Coming:
    """Units of one position already on their way to it."""

    on_order: int = 0
    in_transit: int = 0
    requested: int = 0

    @property
    def total(self) -> int:
        return self.on_order + self.in_transit + self.requested


NOTHING_COMING = Coming()


@dataclass(frozen=True, slots=True)
class Replenishment:
    daily_rate: Rate
    daily_spread: float
    safety_units: int
    order_up_to: int
    stock_position: int
    """On hand less reserved, plus everything on its way."""
    suggested_qty: int


def plan_replenishment(
    summary: Summary,
    on_hand: int,
    reserved: int,
    policy: ReportPolicy,
    coming: Coming = NOTHING_COMING,
) -> Replenishment:
    rate = daily_rate(summary)
    spread = daily_spread(summary)
    protection = policy.protection_days
    safety = policy.z * spread * math.sqrt(protection) if spread > 0 else 0.0
    if safety == 0.0:
        order_up_to = rate.over(protection)
    else:
        # Fractions keep the cycle stock exact; only the safety term carries float rounding.
        cycle = Fraction(rate.units * protection, rate.days) if rate.sells else Fraction(0)
        order_up_to = math.ceil(cycle + Fraction(safety))
    position = on_hand - reserved + coming.total
    suggested = max(0, order_up_to - position)
    return Replenishment(rate, spread, math.ceil(safety), order_up_to, position, suggested)
