"""The job state machine: a location's part of an order, from assignment to the customer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from ordersync.domain.errors import InvalidState


class JobKind(StrEnum):
    SHIP = "ship"
    """Picked, packed and shipped to the customer (or to the collection store)."""
    COLLECT = "collect"
    """Picked and made ready at the collection store, then handed over to the customer."""


class JobState(StrEnum):
    ASSIGNED = "assigned"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    READY = "ready"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


FINAL_STATES = frozenset(
    {JobState.SHIPPED, JobState.COLLECTED, JobState.CANCELLED, JobState.REJECTED}
)

_NEXT: dict[JobKind, dict[JobState, frozenset[JobState]]] = {
    JobKind.SHIP: {
        JobState.ASSIGNED: frozenset({JobState.PICKING}),
        JobState.PICKING: frozenset({JobState.PICKED}),
        JobState.PICKED: frozenset({JobState.PACKED, JobState.CANCELLED}),
        JobState.PACKED: frozenset({JobState.SHIPPED}),
    },
    JobKind.COLLECT: {
        JobState.ASSIGNED: frozenset({JobState.PICKING}),
        JobState.PICKING: frozenset({JobState.PICKED}),
        JobState.PICKED: frozenset({JobState.READY, JobState.CANCELLED}),
        JobState.READY: frozenset({JobState.COLLECTED, JobState.CANCELLED}),
    },
}


def allowed_next(kind: JobKind, state: JobState) -> frozenset[JobState]:
    return _NEXT[kind].get(state, frozenset())


def ensure_transition(kind: JobKind, current: JobState, target: JobState) -> None:
    """Refuse a transition the job's current state does not allow (409 with the current state)."""
    if target not in allowed_next(kind, current):
        raise InvalidState(
            f"a {kind.value} job that is {current.value} cannot become {target.value}",
            current_state=current.value,
            allowed=sorted(s.value for s in allowed_next(kind, current)),
        )


def can_reject_lines(state: JobState) -> bool:
    """Lines are rejected (short pick) while the job is being picked, before it is picked."""
    return state in (JobState.ASSIGNED, JobState.PICKING)


def is_late(state: JobState, due_at: datetime, now: datetime) -> bool:
    """Not started by the time it was due (its creation plus the service level of that time)."""
    return state is JobState.ASSIGNED and now > due_at
