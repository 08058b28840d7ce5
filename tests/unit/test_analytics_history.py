"""A position's days from its stored rows: carried days, new items, stock-out days, and the
calendar of a location (its midnight, daylight saving time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordersync.contract import MovementKind
from ordersync.domain.analytics.history import (
    DayRow,
    History,
    Run,
    day_states,
    local_midnight,
    local_today,
    summarize,
    window_before,
)
from ordersync.domain.analytics.kpis import day_bounds
from ordersync.domain.errors import InvalidRequest
from ordersync.domain.position_days import day_effect, local_day

MARCH = date(2026, 3, 1)


def d(day: int) -> date:
    return date(2026, 3, day)


# Opening 3; two sold on the 2nd, the last one on the 4th; empty on the 5th and 6th (no rows);
# five received on the 7th, one sold on the 8th; nothing moves on the 9th and 10th.
SOLD_OUT_AND_BACK = History(
    start=d(1),
    end=d(10),
    opening=3,
    rows=(
        DayRow(d(2), sold=2, closing=1),
        DayRow(d(4), sold=1, closing=0),
        DayRow(d(7), received=5, closing=5),
        DayRow(d(8), sold=1, closing=4),
    ),
)


def test_days_without_rows_carry_the_last_close() -> None:
    states = day_states(SOLD_OUT_AND_BACK)
    assert [s.closing for s in states] == [3, 1, 1, 0, 0, 0, 5, 4, 4, 4]
    assert [s.opening for s in states] == [3, 3, 1, 1, 0, 0, 0, 5, 4, 4]
    assert [s.sold for s in states] == [0, 2, 0, 1, 0, 0, 0, 1, 0, 0]


def test_a_stock_out_day_opens_and_closes_empty_and_the_last_sale_day_is_not_one() -> None:
    states = day_states(SOLD_OUT_AND_BACK)
    assert [s.day for s in states if s.out] == [d(5), d(6)]
    # the 4th sold the last unit; the 7th opened empty but received stock
    assert states[3].in_stock
    assert states[6].in_stock

    summary = summarize(SOLD_OUT_AND_BACK)
    assert summary.outs == (Run(d(5), d(6)),)
    assert summary.out_days == 2
    assert summary.in_stock_days == 8
    assert summary.days_existing == 10
    assert summary.sold == summary.sold_in_stock == 4
    assert summary.sold_squares == 2 * 2 + 1 + 1
    assert summary.last_sale == d(8)


def test_zero_sales_in_stock_all_along() -> None:
    summary = summarize(History(d(1), d(28), opening=6))
    assert summary.in_stock_days == 28
    assert summary.sold == 0
    assert summary.outs == ()
    assert summary.last_sale is None


def test_empty_all_along_is_one_stock_out_over_the_whole_window() -> None:
    summary = summarize(History(d(1), d(28), opening=0))
    assert summary.outs == (Run(d(1), d(28)),)
    assert summary.in_stock_days == 0


def test_a_new_item_exists_only_from_its_first_row() -> None:
    # first received on the 6th (4 units), 1 sold on the 8th, sold out on the 9th
    history = History(
        d(1),
        d(10),
        opening=None,
        rows=(
            DayRow(d(6), received=4, closing=4),
            DayRow(d(8), sold=1, closing=3),
            DayRow(d(9), sold=3, closing=0),
        ),
    )
    states = day_states(history)
    assert [s.exists for s in states] == [False] * 5 + [True] * 5
    summary = summarize(history)
    assert summary.days_existing == 5
    assert summary.in_stock_days == 4  # 6th, 7th, 8th, 9th; the 10th is out
    assert summary.outs == (Run(d(10), d(10)),)
    assert summary.sold_in_stock == 4


def test_a_sale_recorded_on_an_empty_shelf_leaves_the_day_out() -> None:
    # the record said zero: the counter sale went through and the day closed below zero
    history = History(d(1), d(3), opening=0, rows=(DayRow(d(2), sold=1, closing=-1),))
    summary = summarize(history)
    assert summary.outs == (Run(d(1), d(3)),)
    assert summary.sold == 1
    assert summary.sold_in_stock == 0


def test_rows_outside_the_window_or_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="in order"):
        History(d(1), d(3), 1, rows=(DayRow(d(4), closing=1),))
    with pytest.raises(ValueError, match="in order"):
        History(d(1), d(5), 1, rows=(DayRow(d(3), closing=1), DayRow(d(2), closing=1)))
    with pytest.raises(InvalidRequest):
        History(d(3), d(1), 1)


@st.composite
def histories(draw: st.DrawFn) -> History:
    days = draw(st.integers(1, 40))
    start = MARCH
    picked = draw(st.sets(st.integers(0, days - 1), max_size=days))
    rows = tuple(
        DayRow(
            start + timedelta(days=offset),
            sold=draw(st.integers(0, 4)),
            closing=draw(st.integers(-1, 5)),
        )
        for offset in sorted(picked)
    )
    opening = draw(st.none() | st.integers(-1, 5))
    return History(start, start + timedelta(days=days - 1), opening, rows)


@given(histories())
def test_the_summary_counts_what_the_days_one_by_one_say(history: History) -> None:
    states = day_states(history)
    summary = summarize(history)
    in_stock = [s for s in states if s.in_stock]
    assert summary.days_existing == sum(s.exists for s in states)
    assert summary.in_stock_days == len(in_stock)
    assert summary.sold == sum(s.sold for s in states)
    assert summary.sold_in_stock == sum(s.sold for s in in_stock)
    assert summary.sold_squares == sum(s.sold**2 for s in in_stock)
    out_days = [s.day for s in states if s.out]
    assert [day for run in summary.outs for day in _days(run)] == out_days
    # runs are separated by at least one day that is not out
    for before, after in zip(summary.outs, summary.outs[1:], strict=False):
        assert after.first > before.last + timedelta(days=1)


def _days(run: Run) -> list[date]:
    return [run.first + timedelta(days=n) for n in range(run.days)]


# --- the calendar ------------------------------------------------------------------------------


def test_a_window_is_the_complete_days_before_today() -> None:
    assert window_before(d(29), 28) == (d(1), d(28))
    with pytest.raises(InvalidRequest):
        window_before(d(29), 0)


@pytest.mark.parametrize(
    ("moment", "zone", "day"),
    [
        # 23:30 in Paris is 22:30 UTC: still the 1st in Paris
        (datetime(2026, 3, 1, 22, 30, tzinfo=UTC), "Europe/Paris", d(1)),
        # 00:30 in Paris is 23:30 UTC the day before: already the 2nd in Paris
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Europe/Paris", d(2)),
        # 23:30 in New York (EST, UTC-5) is 04:30 UTC the next day: still the 1st there
        (datetime(2026, 3, 2, 4, 30, tzinfo=UTC), "America/New_York", d(1)),
        (datetime(2026, 3, 2, 5, 30, tzinfo=UTC), "America/New_York", d(2)),
        # after New York's clocks went forward (8 March, EDT, UTC-4)
        (datetime(2026, 3, 9, 3, 59, tzinfo=UTC), "America/New_York", d(8)),
        (datetime(2026, 3, 9, 4, 0, tzinfo=UTC), "America/New_York", d(9)),
    ],
)
def test_today_and_a_movements_day_follow_the_locations_midnight(
    moment: datetime, zone: str, day: date
) -> None:
    assert local_today(moment, zone) == day
    assert local_day(moment, zone) == day


def test_a_sale_counts_as_demand_and_a_receipt_as_supply_on_its_day() -> None:
    assert day_effect(MovementKind.SALE, -2).sold == 2
    assert day_effect(MovementKind.SHIPMENT, -1).sold == 1
    assert day_effect(MovementKind.RETURN, 1).returned == 1
    assert day_effect(MovementKind.TRANSFER_IN, 3).received == 3
    assert day_effect(MovementKind.TRANSFER_OUT, -3).sold == 0


@pytest.mark.parametrize(
    ("day", "zone", "hours"),
    [
        (d(29), "Europe/Paris", 23),  # clocks go forward at 02:00
        (date(2026, 10, 25), "Europe/Paris", 25),  # and back at 03:00
        (d(8), "America/New_York", 23),
        (d(10), "Europe/Paris", 24),
    ],
)
def test_a_local_day_lasts_23_or_25_hours_when_the_clocks_change(
    day: date, zone: str, hours: int
) -> None:
    low, high = day_bounds(day, day, zone)
    assert high - low == timedelta(hours=hours)
    assert low == local_midnight(day, zone)


def test_local_midnight_in_utc() -> None:
    assert local_midnight(d(2), "Europe/Paris") == datetime(2026, 3, 1, 23, tzinfo=UTC)
    assert local_midnight(d(30), "Europe/Paris") == datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert local_midnight(d(2), "America/New_York") == datetime(2026, 3, 2, 5, tzinfo=UTC)
    assert local_midnight(d(9), "America/New_York") == datetime(2026, 3, 9, 4, tzinfo=UTC)
