"""Daily sales series and their recent change: the last few days against the days before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ordersync.domain.analytics.history import DayRow
from ordersync.domain.errors import InvalidRequest


def daily_series(start: date, end: date, rows: list[DayRow] | tuple[DayRow, ...]) -> list[int]:
    """Units sold each day from ``start`` to ``end``; days without a row sold nothing."""
    series = [0] * ((end - start).days + 1)
    for row in rows:
        offset = (row.day - start).days
        if 0 <= offset < len(series):
            series[offset] += row.sold
    return series


@dataclass(frozen=True, slots=True)
class RecentChange:
    recent: int
    """Units sold over the last ``recent_days`` days of the series."""
    previous: int
    """Units sold over the ``recent_days`` days before those."""
    change_pct: float | None
    """Recent against previous, in percent (one decimal); None when nothing sold before."""


def check_recent_days(days: int, recent_days: int) -> None:
    if recent_days < 1 or 2 * recent_days > days:
        raise InvalidRequest(
            "recent_days must be at least 1 and at most half of days, so both periods fit",
            days=days,
            recent_days=recent_days,
        )


def recent_change(series: list[int], recent_days: int) -> RecentChange:
    check_recent_days(len(series), recent_days)
    recent = sum(series[len(series) - recent_days :])
    previous = sum(series[len(series) - 2 * recent_days : len(series) - recent_days])
    change = None if previous == 0 else round((recent - previous) * 100 / previous, 1)
    return RecentChange(recent, previous, change)


def series_start(end: date, days: int) -> date:
    return end - timedelta(days=days - 1)
