"""The store-local day and the order of the day's queue: midnight, daylight saving, lateness."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ordersync.contract import JobFacts, in_queue_order, queue_job, whole_minutes
from ordersync.domain.day_queue import day_window, device_health
from ordersync.domain.position_days import local_day


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "start", "end", "hours"),
    [
        ("Europe/Paris", date(2026, 3, 2), "2026-03-01 23:00", "2026-03-02 23:00", 24),
        # clocks go forward at 02:00 on 29 March: a 23-hour day
        ("Europe/Paris", date(2026, 3, 29), "2026-03-28 23:00", "2026-03-29 22:00", 23),
        # and back at 03:00 on 25 October: a 25-hour day
        ("Europe/Paris", date(2026, 10, 25), "2026-10-24 22:00", "2026-10-25 23:00", 25),
        ("America/New_York", date(2026, 3, 2), "2026-03-02 05:00", "2026-03-03 05:00", 24),
        ("America/New_York", date(2026, 3, 8), "2026-03-08 05:00", "2026-03-09 04:00", 23),
        ("America/New_York", date(2026, 11, 1), "2026-11-01 04:00", "2026-11-02 05:00", 25),
    ],
)
def test_a_store_day_starts_and_ends_at_its_own_midnights(
    zone: str, day: date, start: str, end: str, hours: int
) -> None:
    window = day_window(day, zone)
    assert window == (utc(start), utc(end))
    assert window[1] - window[0] == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("zone", "late_evening"),
    [
        ("Europe/Paris", "2026-03-02 22:30"),  # 23:30 in Paris (UTC+1)
        ("America/New_York", "2026-03-03 04:30"),  # 23:30 in New York (UTC-5): already 3 March
    ],
)
def test_a_job_created_at_half_past_eleven_belongs_to_that_local_day(
    zone: str, late_evening: str
) -> None:
    created = utc(late_evening)
    start, end = day_window(date(2026, 3, 2), zone)
    assert start <= created < end
    assert local_day(created, zone) == date(2026, 3, 2)
    next_start, _ = day_window(date(2026, 3, 3), zone)
    assert created < next_start
    assert local_day(created + timedelta(minutes=30), zone) == date(2026, 3, 3)


@pytest.mark.parametrize(
    "zone",
    # zones whose clocks have changed at midnight, so some midnights never happen or happen twice
    ["America/Santiago", "America/Havana", "Asia/Beirut", "America/Asuncion", "Europe/Paris"],
)
def test_every_day_of_a_year_starts_at_its_first_instant_and_days_tile(zone: str) -> None:
    tz = ZoneInfo(zone)
    day = date(2022, 1, 1)
    previous_end = day_window(day, zone)[0]
    while day.year == 2022:
        start, end = day_window(day, zone)
        assert start == previous_end, day
        assert start.astimezone(tz).date() == day
        assert (start - timedelta(microseconds=1)).astimezone(tz).date() == day - timedelta(days=1)
        assert timedelta(hours=22) <= end - start <= timedelta(hours=26)
        previous_end = end
        day += timedelta(days=1)


def test_minutes_are_rounded_down_so_a_job_30_seconds_past_due_shows_minus_one() -> None:
    assert whole_minutes(timedelta(seconds=30)) == 0
    assert whole_minutes(timedelta(seconds=-30)) == -1
    assert whole_minutes(timedelta(minutes=120, seconds=59)) == 120


NOW = utc("2026-03-02 11:00:30")


def job(name: str, state: str, created: str, due: str) -> JobFacts:
    return JobFacts(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        order_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "order-" + name)),
        kind="ship",
        state=state,
        customer_name=name,
        lines=1,
        units=2,
        created_at=utc(created),
        due_at=utc(due),
    )


def test_a_job_shows_its_age_and_the_minutes_left_before_its_due_time() -> None:
    overdue = queue_job(job("late", "assigned", "2026-03-02 09:00", "2026-03-02 11:00"), NOW)
    assert (overdue.age_minutes, overdue.minutes_to_due, overdue.late) == (120, -1, True)
    # started, and past the time its picking was due: late too, whatever the state
    started = queue_job(job("started", "picking", "2026-03-02 08:00", "2026-03-02 10:00"), NOW)
    assert (started.age_minutes, started.minutes_to_due, started.late) == (180, -61, True)
    done = queue_job(job("done", "shipped", "2026-03-02 08:00", "2026-03-02 10:00"), NOW)
    assert done.late is False
    fresh = queue_job(job("fresh", "assigned", "2026-03-02 11:00", "2026-03-02 13:00"), NOW)
    assert (fresh.age_minutes, fresh.minutes_to_due, fresh.late) == (0, 119, False)


def test_late_jobs_come_first_then_the_soonest_due() -> None:
    jobs = [
        job("due-later", "assigned", "2026-03-02 10:30", "2026-03-02 12:30"),
        job("started-overdue", "picking", "2026-03-02 08:00", "2026-03-02 10:20"),
        job("late-recent", "assigned", "2026-03-02 08:50", "2026-03-02 10:50"),
        job("late-oldest", "assigned", "2026-03-02 08:00", "2026-03-02 10:00"),
        job("due-soon", "picked", "2026-03-02 10:00", "2026-03-02 12:00"),
    ]
    ordered = in_queue_order(queue_job(j, NOW) for j in jobs)
    assert [j.customer_name for j in ordered] == [
        "late-oldest",
        "started-overdue",
        "late-recent",
        "due-soon",
        "due-later",
    ]
    assert in_queue_order([]) == []


def test_a_device_seen_a_moment_ago_or_with_a_clock_ahead_shows_zero_minutes() -> None:
    seen = device_health("till-1", "associate", utc("2026-03-02 10:55:10"), 3, 1, None, NOW)
    assert seen.minutes_since_seen == 5
    ahead = device_health("till-2", "associate", NOW + timedelta(seconds=5), 0, 0, None, NOW)
    assert ahead.minutes_since_seen == 0
