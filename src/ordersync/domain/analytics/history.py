"""A position's days over a window, from its ``position_days`` rows.

A day without a row had no movement: the stock stayed at the previous row's close. Before its
first row a position did not exist (a new item), and those days count for nothing. A day is a
*stock-out day* when the position opened it with nothing on hand and closed it with nothing: the
shelf was empty all day. Every other day the position existed is an *in-stock day*; the day the
last unit sells is in stock (it sold), so stock-outs are never overstated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ordersync.domain.errors import InvalidRequest


class DayRow(NamedTuple):
    """One stored day of a position (the subset of ``position_days`` the reports use)."""

    day: date
    sold: int = 0
    returned: int = 0
    received: int = 0
    closing: int = 0
    sent: int = 0
    """Units sent to other locations by transfer."""


@dataclass(frozen=True, slots=True)
class History:
    """A position's rows from ``start`` to ``end`` (both included) and what it held before."""

    start: date
    end: date
    opening: int | None
    """The close of the last row before ``start``; None when the position had none (new item)."""
    rows: tuple[DayRow, ...] = ()

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidRequest("a window ends on or after its first day")
        previous: date | None = None
        for row in self.rows:
            if not self.start <= row.day <= self.end or (previous and row.day <= previous):
                raise ValueError(f"rows must be in order within the window: {row.day}")
            previous = row.day

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class DayState:
    day: date
    sold: int
    opening: int | None
    """Stock when the day began; None while the position did not exist yet."""
    closing: int | None

    @property
    def exists(self) -> bool:
        return self.closing is not None

    @property
    def out(self) -> bool:
        return (
            self.opening is not None
            and self.closing is not None
            and self.opening <= 0
            and self.closing <= 0
        )

    @property
    def in_stock(self) -> bool:
        return self.exists and not self.out


def day_states(history: History) -> list[DayState]:
    """Every day of the window, one by one (the reference the summaries are checked against)."""
    rows = {row.day: row for row in history.rows}
    states = []
    stock = history.opening
    for offset in range(history.days):
        day = history.start + timedelta(days=offset)
        row = rows.get(day)
        if row is None:
            states.append(DayState(day, 0, stock, stock))
            continue
        opening = 0 if stock is None else stock
        states.append(DayState(day, row.sold, opening, row.closing))
        stock = row.closing
    return states


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive stock-out days."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True, slots=True)
class Summary:
    """What the window says about a position's demand and availability."""

    days_existing: int
    in_stock_days: int
    sold: int
    """Units sold over the whole window."""
    sold_in_stock: int
    """Units sold on in-stock days (the sales rate's numerator)."""
    sold_squares: int
    """Sum of the squared daily sales of in-stock days (for their spread)."""
    outs: tuple[Run, ...]
    last_sale: date | None

    @property
    def out_days(self) -> int:
        return sum(run.days for run in self.outs)


def summarize(history: History) -> Summary:
    """The same as counting ``day_states`` one by one, in time proportional to the rows."""
    return summarize_days(history.start, history.end, history.opening, history.rows)


def summarize_days(start: date, end: date, opening: int | None, rows: Sequence[DayRow]) -> Summary:
    """``summarize`` of the window ``start``..``end`` given as its parts (``rows`` in day
    order, within the window): reports call it for thousands of positions at a time."""
    # Segments of days that look alike: a gap without rows is one, each row is its own.
    # (first day's ordinal, number of days, opening, closing, units sold)
    segments: list[tuple[int, int, int | None, int | None, int]] = []
    cursor = start.toordinal()
    stock = opening
    for row in rows:
        day = row.day.toordinal()
        if day > cursor:
            segments.append((cursor, day - cursor, stock, stock, 0))
        segments.append((day, 1, 0 if stock is None else stock, row.closing, row.sold))
        stock = row.closing
        cursor = day + 1
    last = end.toordinal()
    if last >= cursor:
        segments.append((cursor, last - cursor + 1, stock, stock, 0))

    existing = in_stock = sold = sold_in_stock = squares = 0
    outs: list[Run] = []
    run_first = run_last = last_sale = -1
    for first, count, before, after, units in segments:
        if before is None or after is None:
            continue
        existing += count
        sold += units
        if units:
            last_sale = first
        if before <= 0 and after <= 0:
            if run_first < 0:
                run_first = first
            run_last = first + count - 1
            continue
        if run_first >= 0:
            outs.append(Run(date.fromordinal(run_first), date.fromordinal(run_last)))
            run_first = -1
        in_stock += count
        sold_in_stock += units
        squares += units * units
    if run_first >= 0:
        outs.append(Run(date.fromordinal(run_first), date.fromordinal(run_last)))
    return Summary(
        existing,
        in_stock,
        sold,
        sold_in_stock,
        squares,
        tuple(outs),
        date.fromordinal(last_sale) if last_sale >= 0 else None,
    )


# --- calendar ----------------------------------------------------------------------------------


def local_today(now: datetime, zone: str) -> date:
    """The calendar date it is at ``now`` in the time zone ``zone``."""
    return now.astimezone(ZoneInfo(zone)).date()


def local_midnight(day: date, zone: str) -> datetime:
    """The moment (UTC) day ``day`` begins in the time zone ``zone``."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def window_before(today: date, days: int) -> tuple[date, date]:
    """The ``days`` complete days before ``today``: (first, last)."""
    if days < 1:
        raise InvalidRequest("a window has at least one day", days=days)
    return today - timedelta(days=days), today - timedelta(days=1)
