"""Daily series and their recent change, and the network's fulfilment figures, by hand."""

from __future__ import annotations

from datetime import date

import pytest

from ordersync.domain.analytics.history import DayRow
from ordersync.domain.analytics.kpis import LocationJobs, fill_rate, network_ship_hours
from ordersync.domain.analytics.trend import (
    daily_series,
    recent_change,
    series_start,
)
from ordersync.domain.errors import InvalidRequest


def d(day: int) -> date:
    return date(2026, 3, day)


def test_a_series_has_every_day_and_zero_where_nothing_sold() -> None:
    rows = [DayRow(d(2), sold=3), DayRow(d(5), sold=1), DayRow(d(9), sold=7)]
    assert daily_series(d(1), d(6), rows) == [0, 3, 0, 0, 1, 0]
    assert daily_series(d(1), d(3), []) == [0, 0, 0]
    assert series_start(d(28), 28) == d(1)


@pytest.mark.parametrize(
    ("recent_days", "recent", "previous", "change"),
    [
        (2, 3, 4, -25.0),  # 1 + 2 against 0 + 4
        (4, 7, 6, 16.7),  # 0 + 4 + 1 + 2 against 1 + 0 + 2 + 3
        (1, 2, 1, 100.0),
    ],
)
def test_recent_change_against_the_days_before(
    recent_days: int, recent: int, previous: int, change: float
) -> None:
    result = recent_change([1, 0, 2, 3, 0, 4, 1, 2], recent_days)
    assert (result.recent, result.previous, result.change_pct) == (recent, previous, change)


def test_no_change_is_given_when_nothing_sold_before() -> None:
    assert recent_change([0, 0, 0, 5], 2).change_pct is None
    assert recent_change([0, 0, 0, 0], 2).change_pct is None


def test_the_two_periods_must_fit_in_the_series() -> None:
    with pytest.raises(InvalidRequest):
        recent_change([1] * 8, 5)
    with pytest.raises(InvalidRequest):
        recent_change([1] * 8, 0)


def test_fill_rate_counts_lines_that_reached_an_end() -> None:
    fill = fill_rate(
        {"shipped": 6, "collected": 2, "unfulfillable": 1, "cancelled": 1, "routed": 3}
    )
    assert (fill.lines, fill.fulfilled, fill.ended) == (13, 8, 10)
    assert fill.rate == 0.8
    assert fill_rate({"routed": 2}).rate is None
    assert fill_rate({}).lines == 0


def test_rejection_rate_and_hours_to_shipment_per_location_and_overall() -> None:
    paris = LocationJobs("PAR-01", jobs=10, job_lines=20, lines_rejected=3, shipped_jobs=4,
                         ship_hours=18.0)  # fmt: skip
    lyon = LocationJobs("LYO-01", jobs=1, job_lines=1, shipped_jobs=1, ship_hours=2.0)
    assert paris.rejection_rate == 0.15
    assert paris.avg_assign_to_ship_hours == 4.5
    assert lyon.rejection_rate == 0.0
    # weighted by jobs: 20 hours over 5 shipped jobs
    assert network_ship_hours([paris, lyon]) == 4.0
    idle = LocationJobs("NCE-01")
    assert idle.rejection_rate is None
    assert idle.avg_assign_to_ship_hours is None
    assert network_ship_hours([idle]) is None
