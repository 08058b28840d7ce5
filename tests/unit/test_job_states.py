"""The job state machine: the steps a ship or collect job may take, the refusals of every other
step, when lines may be rejected (short pick) and when a job is late."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from ordersync.contract import (
    FINAL_JOB_STATES,
    JobKind,
    JobStateName,
    allowed_next,
    can_reject_lines,
    is_late,
)
from ordersync.domain.errors import InvalidState
from ordersync.domain.jobs import ensure_transition

S = JobStateName

# The specification, written out independently of the module's table.
ALLOWED: dict[JobKind, dict[JobStateName, set[JobStateName]]] = {
    JobKind.SHIP: {
        S.ASSIGNED: {S.PICKING},
        S.PICKING: {S.PICKED},
        S.PICKED: {S.PACKED, S.CANCELLED},
        S.PACKED: {S.SHIPPED},
    },
    JobKind.COLLECT: {
        S.ASSIGNED: {S.PICKING},
        S.PICKING: {S.PICKED},
        S.PICKED: {S.READY, S.CANCELLED},
        S.READY: {S.COLLECTED, S.CANCELLED},
    },
    JobKind.DROP_SHIP: {
        S.ASSIGNED: {S.ACKNOWLEDGED, S.CANCELLED},
        S.ACKNOWLEDGED: {S.SHIPPED, S.CANCELLED},
    },
}

ALLOWED_STEPS = [
    (kind, current, target)
    for kind, table in ALLOWED.items()
    for current, targets in table.items()
    for target in sorted(targets)
]
FORBIDDEN_STEPS = [
    (kind, current, target)
    for kind in JobKind
    for current, target in itertools.product(JobStateName, JobStateName)
    if target not in ALLOWED[kind].get(current, set())
]


def _id(step: tuple[JobKind, JobStateName, JobStateName]) -> str:
    kind, current, target = step
    return f"{kind.value}:{current.value}->{target.value}"


@pytest.mark.parametrize("step", ALLOWED_STEPS, ids=_id)
def test_each_allowed_step_of_a_job_is_accepted(
    step: tuple[JobKind, JobStateName, JobStateName],
) -> None:
    kind, current, target = step

    ensure_transition(kind, current, target)
    assert target in allowed_next(kind, current)


@pytest.mark.parametrize("step", FORBIDDEN_STEPS, ids=_id)
def test_every_other_step_is_refused_with_the_current_state_and_what_is_allowed(
    step: tuple[JobKind, JobStateName, JobStateName],
) -> None:
    kind, current, target = step

    with pytest.raises(InvalidState) as refused:
        ensure_transition(kind, current, target)

    error = refused.value
    assert error.status == 409
    assert error.fields["current_state"] == current.value
    assert error.fields["allowed"] == sorted(s.value for s in ALLOWED[kind].get(current, set()))
    assert current.value in error.detail
    assert target.value in error.detail
    problem = error.problem()
    assert problem["type"].endswith("invalid-state")
    assert problem["current_state"] == current.value


def test_a_ship_job_walks_from_assigned_to_shipped() -> None:
    path = [S.ASSIGNED, S.PICKING, S.PICKED, S.PACKED, S.SHIPPED]
    for current, target in itertools.pairwise(path):
        ensure_transition(JobKind.SHIP, current, target)


def test_a_collect_job_walks_from_assigned_to_collected() -> None:
    path = [S.ASSIGNED, S.PICKING, S.PICKED, S.READY, S.COLLECTED]
    for current, target in itertools.pairwise(path):
        ensure_transition(JobKind.COLLECT, current, target)


def test_a_ship_job_is_never_ready_for_collection_nor_a_collect_job_packed_or_shipped() -> None:
    with pytest.raises(InvalidState):
        ensure_transition(JobKind.SHIP, S.PICKED, S.READY)
    with pytest.raises(InvalidState):
        ensure_transition(JobKind.COLLECT, S.PICKED, S.PACKED)
    with pytest.raises(InvalidState):
        ensure_transition(JobKind.COLLECT, S.PACKED, S.SHIPPED)


def test_no_step_skips_picking() -> None:
    for kind in (JobKind.SHIP, JobKind.COLLECT):
        with pytest.raises(InvalidState) as refused:
            ensure_transition(kind, S.ASSIGNED, S.PICKED)
        assert refused.value.fields["allowed"] == ["picking"]


@pytest.mark.parametrize("kind", list(JobKind))
@pytest.mark.parametrize("final", sorted(FINAL_JOB_STATES))
def test_a_finished_job_allows_nothing_more(kind: JobKind, final: JobStateName) -> None:
    assert allowed_next(kind, final) == frozenset()
    with pytest.raises(InvalidState) as refused:
        ensure_transition(kind, final, S.PICKING)
    assert refused.value.fields["allowed"] == []


def test_the_final_states_are_the_ends_of_every_path() -> None:
    assert frozenset({S.SHIPPED, S.COLLECTED, S.CANCELLED, S.REJECTED}) == FINAL_JOB_STATES


def test_rejection_is_not_a_transition_but_a_line_rejection() -> None:
    for kind, current in itertools.product(JobKind, JobStateName):
        assert S.REJECTED not in allowed_next(kind, current)


# --- rejecting lines ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(JobStateName))
def test_lines_can_be_rejected_only_before_the_job_is_picked(state: JobStateName) -> None:
    assert can_reject_lines(state) is (state in {S.ASSIGNED, S.PICKING, S.ACKNOWLEDGED})


def test_a_drop_ship_job_walks_from_assigned_to_shipped_without_picking() -> None:
    for current, target in itertools.pairwise([S.ASSIGNED, S.ACKNOWLEDGED, S.SHIPPED]):
        ensure_transition(JobKind.DROP_SHIP, current, target)
    with pytest.raises(InvalidState) as refused:
        ensure_transition(JobKind.DROP_SHIP, S.ASSIGNED, S.PICKING)
    assert refused.value.fields["allowed"] == ["acknowledged", "cancelled"]


def test_the_store_app_finds_no_step_for_a_word_it_does_not_know() -> None:
    assert allowed_next("courier", "assigned") == frozenset()
    assert allowed_next("ship", "handed_to_courier") == frozenset()


# --- lateness ----------------------------------------------------------------------------------

CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SLA = timedelta(minutes=120)


def test_a_job_not_started_exactly_at_its_service_level_is_not_yet_late() -> None:
    assert not is_late(S.ASSIGNED, CREATED + SLA, CREATED + SLA)


def test_a_job_not_started_just_past_its_service_level_is_late() -> None:
    assert is_late(S.ASSIGNED, CREATED + SLA, CREATED + SLA + timedelta(microseconds=1))


def test_a_new_job_is_not_late() -> None:
    assert not is_late(S.ASSIGNED, CREATED + SLA, CREATED)


@pytest.mark.parametrize("state", sorted(FINAL_JOB_STATES))
def test_a_finished_job_is_never_late(state: JobStateName) -> None:
    assert not is_late(state, CREATED + SLA, CREATED + timedelta(days=3))


@pytest.mark.parametrize("state", [s for s in JobStateName if s not in FINAL_JOB_STATES])
def test_a_job_in_any_open_state_is_late_past_its_step_due_time(state: JobStateName) -> None:
    assert is_late(state, CREATED + SLA, CREATED + timedelta(days=3))


def test_lateness_follows_the_due_time_the_job_was_given() -> None:
    now = CREATED + timedelta(minutes=45)

    assert is_late(S.ASSIGNED, CREATED + timedelta(minutes=30), now)
    assert not is_late(S.ASSIGNED, CREATED + timedelta(minutes=60), now)
