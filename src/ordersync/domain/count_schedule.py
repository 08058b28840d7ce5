"""The cycle-count schedule: which positions of a location to count next, fast movers first.

Positions are put in ABC classes by their units sold over the recent window: A are the fastest
movers that make the first 80% of the location's sales, B the next 15%, C the rest (and every
position that sold nothing, new items included). Each class has a count interval (A every 7 days,
B every 30, C every 90). A position is due once its interval has passed since its last count;
the most overdue come first, measured in intervals, so a fast mover two weeks late outranks a
slow mover two weeks late. Lateness is capped at two intervals, and a position never counted
counts as that late: a long tail of never-counted slow movers cannot push overdue fast movers
out of the list, and the class then decides (A before B before C, then the faster seller).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class AbcClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


_CLASS_RANK = {AbcClass.A: 0, AbcClass.B: 1, AbcClass.C: 2}


@dataclass(frozen=True, slots=True)
class CountPolicy:
    velocity_days: int = 28
    """Sales over this many store-local days, today included, measure how fast a position moves."""
    a_share: float = 0.80
    b_share: float = 0.95
    intervals: Mapping[AbcClass, int] = field(
        default_factory=lambda: {AbcClass.A: 7, AbcClass.B: 30, AbcClass.C: 90}
    )
    """Days between two counts of a position of each class."""
    overdue_cap: float = 2.0
    """Lateness, in intervals, beyond which positions are equally urgent (never counted: this)."""


DEFAULT_POLICY = CountPolicy()


@dataclass(frozen=True, slots=True)
class PositionHistory:
    """What the schedule knows of one position."""

    sku: str
    sold_units: int
    """Units sold over the policy's velocity window."""
    last_counted: date | None
    """The store-local day of its last count; None if it was never counted."""


@dataclass(frozen=True, slots=True)
class DueCount:
    sku: str
    abc: AbcClass
    sold_units: int
    days_since_count: int | None
    urgency: float
    """Days since the last count over the class's interval, capped; at least 1 when due."""


def classify(
    sold_units: Mapping[str, int], policy: CountPolicy = DEFAULT_POLICY
) -> dict[str, AbcClass]:
    """ABC classes by share of units sold: a position is A while the faster movers before it
    make less than ``a_share`` of the sales, B while less than ``b_share``, else C."""
    total = sum(units for units in sold_units.values() if units > 0)
    classes: dict[str, AbcClass] = {}
    before = 0
    for sku, units in sorted(sold_units.items(), key=lambda entry: (-entry[1], entry[0])):
        if units <= 0:
            classes[sku] = AbcClass.C
            continue
        share_before = before / total
        if share_before < policy.a_share:
            classes[sku] = AbcClass.A
        elif share_before < policy.b_share:
            classes[sku] = AbcClass.B
        else:
            classes[sku] = AbcClass.C
        before += units
    return classes


def due_counts(
    positions: Iterable[PositionHistory],
    today: date,
    limit: int,
    policy: CountPolicy = DEFAULT_POLICY,
) -> list[DueCount]:
    """The ``limit`` most urgent positions among those due today, most urgent first."""
    histories = list(positions)
    classes = classify({p.sku: p.sold_units for p in histories}, policy)
    due: list[DueCount] = []
    for position in histories:
        abc = classes[position.sku]
        interval = policy.intervals[abc]
        if position.last_counted is None:
            days_since = None
            urgency = policy.overdue_cap
        else:
            days_since = (today - position.last_counted).days
            if days_since < interval:
                continue
            urgency = min(days_since / interval, policy.overdue_cap)
        due.append(DueCount(position.sku, abc, position.sold_units, days_since, urgency))
    due.sort(key=lambda d: (-d.urgency, _CLASS_RANK[d.abc], -d.sold_units, d.sku))
    return due[: max(limit, 0)]
