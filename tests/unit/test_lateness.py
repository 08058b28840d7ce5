"""Lateness in every open state: each state's own target in the policy, measured from when the
job entered it; a ready collection never later than its deadline; a parcel on its way due when
the order promised it; a final state never late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordersync.contract import FINAL_JOB_STATES, JobKind, JobStateName, is_late
from ordersync.domain.reservations import job_hold_until
from ordersync.domain.service_levels import ServiceLevels, step_due
from ordersync.services.routing_policy import PolicyError, parse_policy

S = JobStateName
SINCE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEVELS = ServiceLevels(
    to_start_minutes=10,
    to_pick_minutes=20,
    to_pack_minutes=30,
    to_ship_minutes=40,
    to_hand_over_hours=5,
    collection_days=2,
)


@pytest.mark.parametrize(
    ("kind", "state", "target"),
    [
        (JobKind.SHIP, S.ASSIGNED, timedelta(minutes=10)),
        (JobKind.SHIP, S.PICKING, timedelta(minutes=20)),
        (JobKind.SHIP, S.PICKED, timedelta(minutes=30)),
        (JobKind.SHIP, S.PACKED, timedelta(minutes=40)),
        (JobKind.COLLECT, S.ASSIGNED, timedelta(minutes=10)),
        (JobKind.COLLECT, S.PICKING, timedelta(minutes=20)),
        (JobKind.COLLECT, S.PICKED, timedelta(minutes=30)),
        (JobKind.COLLECT, S.READY, timedelta(hours=5)),
    ],
)
def test_each_open_state_is_due_its_own_target_after_it_was_entered(
    kind: JobKind, state: JobStateName, target: timedelta
) -> None:
    due = step_due(LEVELS, kind, state, SINCE)
    assert due == SINCE + target
    assert not is_late(state, due, due)
    assert is_late(state, due, due + timedelta(microseconds=1))


@pytest.mark.parametrize("state", sorted(FINAL_JOB_STATES))
def test_a_final_state_has_no_due_time_and_is_never_late(state: JobStateName) -> None:
    assert step_due(LEVELS, JobKind.SHIP, state, SINCE) is None
    assert not is_late(state, SINCE, SINCE + timedelta(days=30))


def test_a_ready_collection_is_due_at_its_deadline_at_the_latest() -> None:
    deadline = LEVELS.collect_by(SINCE)
    assert deadline == SINCE + timedelta(days=2)
    assert step_due(LEVELS, JobKind.COLLECT, S.READY, SINCE, collect_by=deadline) == (
        SINCE + timedelta(hours=5)
    )
    soon = SINCE + timedelta(hours=1)
    assert step_due(LEVELS, JobKind.COLLECT, S.READY, SINCE, collect_by=soon) == soon


def test_a_parcel_on_its_way_is_due_when_the_order_promised_it() -> None:
    promised = SINCE + timedelta(days=2)
    due = step_due(LEVELS, JobKind.COLLECT, S.PICKED, SINCE, parcel_promised=promised)
    assert due == promised
    assert not is_late(S.PICKED, due, SINCE + timedelta(days=1))


def test_the_ledgers_word_stands_on_a_store_whose_clock_runs_behind() -> None:
    assert is_late(S.PACKED, SINCE, SINCE - timedelta(hours=1), reported_late=True)


def test_a_jobs_hold_runs_ahead_and_a_ready_collection_is_held_to_its_deadline() -> None:
    hold = timedelta(hours=72)
    assert job_hold_until(SINCE, hold, None) == SINCE + hold
    deadline = SINCE + timedelta(days=7)
    assert job_hold_until(SINCE, hold, deadline) == deadline
    # Past its deadline (the no-show sweep ends it next): held ahead, never in the past.
    assert job_hold_until(SINCE, hold, SINCE - timedelta(days=1)) == SINCE + hold


def test_the_policy_table_sets_each_target_and_the_old_key_still_sets_the_start() -> None:
    document = parse_policy(
        "service_level_minutes = 45\n"
        "[service_level]\n"
        "to_pick_minutes = 15\nto_pack_minutes = 25\nto_ship_minutes = 35\n"
        "to_hand_over_hours = 6\ncollection_days = 3\n"
    )
    assert document.service_level == ServiceLevels(45, 15, 25, 35, 6, 3)
    own = parse_policy("service_level_minutes = 45\n[service_level]\nto_start_minutes = 5\n")
    assert own.service_level.to_start_minutes == 5
    assert parse_policy("").service_level == ServiceLevels()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[service_level]\nto_lunch_minutes = 5\n", "unknown setting 'service_level.to_lunch"),
        ("[service_level]\ncollection_days = 0\n", "service_level.collection_days must be"),
        ("[service_level]\nto_pick_minutes = 1.5\n", "must be a whole number"),
        ("service_level = 3\n", "service_level is a table"),
    ],
)
def test_a_bad_service_level_table_names_the_key(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(text)
