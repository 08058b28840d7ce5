"""One picker per job: who holds a job being picked, the refusal of everyone else's steps, and
a manager's takeover.

The hold covers picking, and only picking (``HELD_JOB_STATES``): starting to pick (assigned ->
picking) makes the acting device, and the person signed in on it, the job's holder; while the
job is picking, every later step of it (short picks, picking -> picked, a second start) from
another device is refused with ``job-held``, which names the holder and since when. Once the
job is picked it is anyone's again: packing, shipping, readying and handing over are counter
work that any device of the store does, as staff expect. The holder's columns stay as the record
of who picked it; the job's view shows ``held_by`` only while it is being picked.

The holder is a device, named as its token names it: another person signing in on the same
terminal carries on with the job, and a terminal whose token is replaced keeps its jobs. A
manager takes a job over (``take_over_job``, managers only): the hold moves to the manager's
device and person, the change is audited, and the former holder's later steps, queued offline
or not, are refused. A job being picked that nobody holds (started before holds were recorded)
is open to every device of its store.

Two devices that start the same job at once cannot both hold it: the start is a guarded update
of the job's state (``transition_job``), so the second finds the job picking and is refused
with ``job-held``, on either backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordersync.contract import (
    HELD_JOB_STATES,
    AuditedEntity,
    JobHolder,
    JobStateName,
    JobTakeOver,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import InvalidState, JobHeld, NotFound
from ordersync.domain.permissions import Action, Principal
from ordersync.services.order_views import record_job_change
from ordersync.services.routing_policy import PolicyDocument


@dataclass(frozen=True, slots=True)
class Hold:
    """A job's state and who holds it (``device`` None: nobody)."""

    state: JobStateName
    location: str
    device: str | None
    person: str | None
    since: datetime | None

    def holder(self) -> JobHolder | None:
        if self.device is None or self.since is None or self.state not in HELD_JOB_STATES:
            return None
        return JobHolder(device=self.device, person=self.person, since=self.since)


def read_hold(tx: LedgerTx, job_id: str) -> Hold:
    row = tx.sql.first(
        "SELECT state, location, held_by_device, held_by_person, held_since FROM jobs "
        "WHERE id = :id",
        {"id": job_id},
    )
    if row is None:
        raise NotFound(f"no job {job_id}", job_id=job_id)
    state, location, device, person, since = row
    return Hold(
        state=JobStateName(state),
        location=str(location),
        device=None if device is None else str(device),
        person=None if person is None else str(person),
        since=None if since is None else tx.sql.read_time(since),
    )


def _refusal(job_id: str, holder: JobHolder, state: JobStateName) -> JobHeld:
    who = holder.device if holder.person is None else f"{holder.device} ({holder.person})"
    since = holder.since.isoformat().replace("+00:00", "Z")
    return JobHeld(
        f"job {job_id} is being picked on {who} since {since}: only that device continues it, "
        "unless a manager takes it over",
        job_id=job_id,
        current_state=state.value,
        held_by={"device": holder.device, "person": holder.person, "since": since},
    )


def ensure_holder(tx: LedgerTx, principal: Principal, job_id: str) -> None:
    """Refuse (``job-held``) a step on a job being picked by a device other than ``principal``'s."""
    holder = read_hold(tx, job_id)
    held = holder.holder()
    if held is not None and held.device != principal.device:
        raise _refusal(job_id, held, holder.state)


def take_hold(tx: LedgerTx, principal: Principal, job_id: str) -> None:
    """Make ``principal``'s device and person the holder of the job (it has just started)."""
    tx.sql.execute(
        "UPDATE jobs SET held_by_device = :device, held_by_person = :person, held_since = :now "
        "WHERE id = :id",
        {
            "device": principal.device,
            "person": principal.person,
            "now": tx.sql.time(tx.now),
            "id": job_id,
        },
    )


def _named(device: str | None, person: str | None) -> str | None:
    if device is None:
        return None
    return device if person is None else f"{device}/{person}"


def take_over_job(
    tx: LedgerTx,
    principal: Principal,
    job_id: str,
    command: JobTakeOver,
    policy: PolicyDocument,
) -> dict[str, Any]:
    """A manager takes over a job being picked; answers the job and whom it was taken from."""
    before = read_hold(tx, job_id)
    principal.require(Action.TAKE_OVER_JOB, before.location)
    if before.state not in HELD_JOB_STATES:
        raise InvalidState(
            f"only a job being picked can be taken over; this one is {before.state.value}",
            current_state=before.state.value,
        )
    changed = tx.sql.rowcount(
        "UPDATE jobs SET held_by_device = :device, held_by_person = :person, held_since = :now, "
        "updated_at = :now, updated_by = :actor WHERE id = :id AND state = :state",
        {
            "device": principal.device,
            "person": principal.person,
            "now": tx.sql.time(tx.now),
            "actor": principal.token_id,
            "id": job_id,
            "state": before.state.value,
        },
    )
    if changed != 1:
        # Picked (or rejected) by its holder in the meantime: nothing left to take over.
        now_state = read_hold(tx, job_id).state
        raise InvalidState(
            f"the job is {now_state.value} now: only a job being picked can be taken over",
            current_state=now_state.value,
        )
    after = _named(principal.device, principal.person)
    assert after is not None
    tx.journal.state(AuditedEntity.JOB_HOLDER, job_id, _named(before.device, before.person), after)
    job = record_job_change(tx, job_id, policy)
    taken = before.holder()
    return {
        "job": job.model_dump(mode="json"),
        "taken_from": None if taken is None else taken.model_dump(mode="json"),
    }
