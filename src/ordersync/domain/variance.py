"""Inventory accuracy: counts summed per store-local day or ISO week, in units and in value.

A count's variance is what was found minus what the ledger expected at the count's moment, valued
at the item's price at that time. Accuracy is the share of counts that found exactly what the
record said (each count is one observation, a recount included); a period without counts has
none. Every period of the range is listed, empty ones too, so a series over time has no holes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ordersync.contract import VariancePeriod

PeriodKind = Literal["day", "week"]


@dataclass(frozen=True, slots=True)
class CountObservation:
    day: date
    """The store-local day the count was recorded."""
    expected: int
    counted: int
    delta: int
    unit_price_minor: int

    @property
    def value_delta_minor(self) -> int:
        return self.delta * self.unit_price_minor


def period_of(day: date, period: PeriodKind) -> str:
    """``2026-03-02`` for a day; ``2026-W10`` (ISO 8601 week) for a week."""
    if period == "day":
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def periods_between(start: date, end: date, period: PeriodKind) -> list[str]:
    """Every period touching ``start``..``end`` (both included), in order."""
    keys: list[str] = []
    day = start
    while day <= end:
        key = period_of(day, period)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


@dataclass
class _Sums:
    counts: int = 0
    exact: int = 0
    expected: int = 0
    counted: int = 0
    delta: int = 0
    value: int = 0
    abs_value: int = 0


def summarise(
    observations: Iterable[CountObservation], start: date, end: date, period: PeriodKind
) -> list[VariancePeriod]:
    """One summary per period of ``start``..``end``; observations outside the range are ignored."""
    sums = {key: _Sums() for key in periods_between(start, end, period)}
    for seen in observations:
        if not start <= seen.day <= end:
            continue
        total = sums[period_of(seen.day, period)]
        total.counts += 1
        total.exact += seen.delta == 0
        total.expected += seen.expected
        total.counted += seen.counted
        total.delta += seen.delta
        total.value += seen.value_delta_minor
        total.abs_value += abs(seen.value_delta_minor)
    return [
        VariancePeriod(
            period=key,
            counts=total.counts,
            units_expected=total.expected,
            units_counted=total.counted,
            units_delta=total.delta,
            value_delta_minor=total.value,
            abs_value_delta_minor=total.abs_value,
            accuracy=total.exact / total.counts if total.counts else None,
        )
        for key, total in sums.items()
    ]
