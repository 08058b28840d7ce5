"""Variance aggregation per day and per ISO week, against hand-computed sums."""

from __future__ import annotations

from datetime import date

from ordersync.domain.variance import CountObservation, period_of, periods_between, summarise

MONDAY = date(2026, 3, 2)  # ISO week 10 of 2026
TUESDAY = date(2026, 3, 3)
WEDNESDAY = date(2026, 3, 4)

COUNTS = [
    CountObservation(MONDAY, expected=10, counted=10, delta=0, unit_price_minor=1000),
    CountObservation(MONDAY, expected=5, counted=3, delta=-2, unit_price_minor=2500),
    # a count that found nothing where nothing was expected: right, and worth zero
    CountObservation(MONDAY, expected=0, counted=0, delta=0, unit_price_minor=990),
    # the record was below zero; two units were on the shelf
    CountObservation(WEDNESDAY, expected=-1, counted=2, delta=3, unit_price_minor=100),
    # outside the range: left out
    CountObservation(date(2026, 3, 5), expected=1, counted=0, delta=-1, unit_price_minor=100),
]


def test_periods_are_store_days_or_iso_weeks() -> None:
    assert period_of(MONDAY, "day") == "2026-03-02"
    assert period_of(MONDAY, "week") == "2026-W10"
    assert period_of(date(2026, 3, 8), "week") == "2026-W10"  # Sunday
    assert period_of(date(2026, 3, 9), "week") == "2026-W11"
    assert periods_between(MONDAY, WEDNESDAY, "day") == ["2026-03-02", "2026-03-03", "2026-03-04"]
    # 2026 has 53 ISO weeks; 3 January 2027 is still in the last of them
    assert periods_between(date(2026, 12, 28), date(2027, 1, 4), "week") == [
        "2026-W53",
        "2027-W01",
    ]


def test_each_day_sums_units_and_value_and_a_day_without_counts_has_no_accuracy() -> None:
    monday, tuesday, wednesday = summarise(COUNTS, MONDAY, WEDNESDAY, "day")
    assert monday.model_dump() == {
        "period": "2026-03-02",
        "counts": 3,
        "units_expected": 15,
        "units_counted": 13,
        "units_delta": -2,
        "value_delta_minor": -5000,
        "abs_value_delta_minor": 5000,
        "accuracy": 2 / 3,
    }
    assert tuesday.model_dump() == {
        "period": "2026-03-03",
        "counts": 0,
        "units_expected": 0,
        "units_counted": 0,
        "units_delta": 0,
        "value_delta_minor": 0,
        "abs_value_delta_minor": 0,
        "accuracy": None,
    }
    assert (wednesday.units_delta, wednesday.value_delta_minor, wednesday.accuracy) == (3, 300, 0.0)


def test_a_week_nets_the_value_but_keeps_the_absolute_error() -> None:
    [week] = summarise(COUNTS, MONDAY, WEDNESDAY, "week")
    assert week.period == "2026-W10"
    assert (week.counts, week.units_expected, week.units_counted, week.units_delta) == (
        4,
        14,
        15,
        1,
    )
    assert week.value_delta_minor == -5000 + 300
    assert week.abs_value_delta_minor == 5000 + 300
    assert week.accuracy == 0.5


def test_no_counts_at_all_gives_every_period_empty() -> None:
    periods = summarise([], MONDAY, WEDNESDAY, "day")
    assert [p.counts for p in periods] == [0, 0, 0]
    assert all(p.accuracy is None for p in periods)
