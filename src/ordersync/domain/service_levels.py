"""How long each step of a job may take, and how long a ready collection waits for its customer.

A job is late when it is still in a state past the moment it entered that state plus the state's
target: to start (``assigned``), to pick (``picking``), to pack or put at the counter
(``picked``), to ship (``packed``, or a drop-ship supplier's ``acknowledged``, after its lead
time) and to hand over (``ready``). A ready collection's target to
hand over never runs past its collection deadline, the moment it ends as a no-show. A collection
whose parcel is still on its way to the store is due when the order promised it: nothing can be
done there before it arrives, and past that date the store has a parcel to chase. Pure: no
clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ordersync.contract import JobKind, JobStateName


@dataclass(frozen=True, slots=True)
class ServiceLevels:
    """The target of each open state, and the collection deadline (the policy's
    ``[service_level]`` table)."""

    to_start_minutes: int = 120
    """From assigned to picking: the policy's ``service_level_minutes`` unless the table
    names its own."""
    to_pick_minutes: int = 60
    to_pack_minutes: int = 120
    """From picked to packed (a ship job) or ready at the counter (a collection)."""
    to_ship_minutes: int = 240
    """From packed to handed to the carrier."""
    to_hand_over_hours: int = 72
    """From ready to collected; never later than the collection deadline."""
    collection_days: int = 7
    """A ready collection keeps its units this long; past it, it ends as a no-show."""

    def target(self, state: JobStateName) -> timedelta | None:
        """The time a job may stay in ``state`` (None: a state that is never late)."""
        minutes = {
            JobStateName.ASSIGNED: self.to_start_minutes,
            JobStateName.PICKING: self.to_pick_minutes,
            JobStateName.PICKED: self.to_pack_minutes,
            JobStateName.PACKED: self.to_ship_minutes,
            JobStateName.ACKNOWLEDGED: self.to_ship_minutes,
            JobStateName.READY: self.to_hand_over_hours * 60,
        }.get(state)
        return None if minutes is None else timedelta(minutes=minutes)

    def collect_by(self, ready_at: datetime) -> datetime:
        """The deadline of a collection that became ready at ``ready_at``."""
        return ready_at + timedelta(days=self.collection_days)


def step_due(
    levels: ServiceLevels,
    kind: JobKind,
    state: JobStateName,
    since: datetime,
    *,
    collect_by: datetime | None = None,
    parcel_promised: datetime | None = None,
    lead_time: timedelta = timedelta(0),
) -> datetime | None:
    """When the job's current step is due: ``since`` (when it entered ``state``) plus the
    state's target; None for a final state.

    A drop-ship supplier that acknowledged a job has its ``lead_time`` more to ship it.

    A ready collection is due at its collection deadline at the latest. A collection whose
    parcel is still on its way is due at ``parcel_promised``, the date the order promised.
    """
    if parcel_promised is not None and state is JobStateName.PICKED:
        return parcel_promised
    target = levels.target(state)
    if target is None:
        return None
    due = since + target
    if kind is JobKind.DROP_SHIP and state is JobStateName.ACKNOWLEDGED:
        due += lead_time
    if kind is JobKind.COLLECT and state is JobStateName.READY and collect_by is not None:
        return min(due, collect_by)
    return due
