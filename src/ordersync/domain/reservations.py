"""The reservation lifecycle: pending, then exactly one of committed, released or expired; and
how long a hold lasts when an open job holds it.

A job's units are held by the job, not by a timer: while the job is open its holds are renewed
(at each step, and by the sweep should the job sit still), so a job's next step is never refused
for an expired hold. A ready collection is held until its collection deadline, where the no-show
sweep ends it; a ship job until it ships or is cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ordersync.contract import CommitLine, ReservationState
from ordersync.domain.errors import InvalidCommit, InvalidState, ReservationExpired


@dataclass(frozen=True, slots=True)
class HeldLine:
    sku: str
    location: str
    qty: int


@dataclass(frozen=True, slots=True)
class LineSettlement:
    """How one held line ends: ``committed`` units leave the shelf, the rest go back."""

    sku: str
    location: str
    held: int
    committed: int

    @property
    def released(self) -> int:
        return self.held - self.committed


def ensure_pending(state: ReservationState, expires_at: datetime, now: datetime) -> None:
    """Refuse to end a reservation twice, or to commit one whose time is up."""
    if state is not ReservationState.PENDING:
        raise InvalidState(f"reservation is already {state.value}", current_state=state.value)
    if expires_at <= now:
        raise ReservationExpired(
            "reservation expired before it was committed", expires_at=expires_at.isoformat()
        )


def plan_commit(held: list[HeldLine], requested: list[CommitLine] | None) -> list[LineSettlement]:
    """Match a commit request to the held lines; lines not named are released in full."""
    if requested is None:
        return [LineSettlement(h.sku, h.location, h.qty, h.qty) for h in held]
    if not any(line.qty for line in requested):
        raise InvalidCommit("a commit of no units is a release: release the reservation instead")
    wanted: dict[tuple[str, str], int] = {}
    for line in requested:
        key = (line.sku, line.location)
        if key in wanted:
            raise InvalidCommit(
                "the same line is named twice", sku=line.sku, location=line.location
            )
        wanted[key] = line.qty
    held_keys = {(h.sku, h.location) for h in held}
    for sku, location in wanted:
        if (sku, location) not in held_keys:
            raise InvalidCommit(
                "the reservation holds nothing for this line", sku=sku, location=location
            )
    settlements: list[LineSettlement] = []
    for h in held:
        committed = wanted.get((h.sku, h.location), 0)
        if committed > h.qty:
            raise InvalidCommit(
                "cannot commit more than the reservation holds",
                sku=h.sku,
                location=h.location,
                requested=committed,
                held=h.qty,
            )
        settlements.append(LineSettlement(h.sku, h.location, h.qty, committed))
    return settlements


def job_hold_until(now: datetime, hold: timedelta, collect_by: datetime | None) -> datetime:
    """Until when an open job's units are held from ``now``: ``hold`` ahead (renewed again
    before it runs out), and a ready collection at least until its deadline ``collect_by``."""
    renewed = now + hold
    return renewed if collect_by is None else max(renewed, collect_by)
