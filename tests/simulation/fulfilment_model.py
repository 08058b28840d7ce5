"""The oracle of fulfilment: who holds each job being picked, a manager's takeover, and the
no-shows the ledger's sweep makes, as the ledger must hold them, rebuilt from what it applied,
in its order (the rules of ``oracle`` for everything else).

It shares the jobs, orders and stock of ``LedgerModel`` and keeps what fulfilment adds: the
device holding each job (the one that started it, or the manager's that took it over), each
ready collection's deadline, and every no-show. A terminal's device is named by its token
(``till-<terminal>``). Its rules:

* starting a job (assigned -> picking) makes the acting device its holder; while the job is
  being picked, every step of it from another device (a transition, a second start, a short
  pick) is refused with ``job-held`` (409), before anything else is looked at;
* a takeover (``take_over_job``) is refused (409 invalid-state) unless the job is being picked;
  otherwise the hold moves to the manager's device, and the answer names whom it was taken
  from; the former holder's later steps are refused;
* a collection made ready answers its deadline: ready_at + ``collection_days``;
* the sweep at time T ends every ready collection whose deadline is T or earlier, and nothing
  else: each as the store's cancel would (its units back, its order lines cancelled, the order
  following), under the operation id the ledger derives from the job; a second sweep at the
  same time ends nothing; a hand-over after a no-show is refused (the job is no longer ready).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.simulation.oracle import LedgerModel, ModelJob

FULFILMENT_OPS = frozenset({"take_over_job"})
HELD_STEPS = frozenset({"job_transition", "reject_line"})
"""Operations refused with ``job-held`` when another device holds the job."""
JOB_HELD = "urn:ordersync:problem:job-held"
INVALID_STATE = "urn:ordersync:problem:invalid-state"
TAKEN_OVER = 200


class FulfilmentMismatch(AssertionError):
    """The ledger did something fulfilment's rules do not allow."""


def device_of(owner: str) -> str:
    """The device a terminal's token names (``harness`` issues one token per terminal)."""
    return f"till-{owner}"


def no_show_op_id(job_id: str) -> str:
    """The operation id under which the ledger's sweep ends a job (``services.no_shows``)."""
    return str(uuid.uuid5(uuid.UUID(job_id), "no-show"))


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


@dataclass
class FulfilmentModel:
    stock: LedgerModel
    collection_days: int = 7
    holders: dict[str, str] = field(default_factory=dict)
    """Job id -> the device that holds it (the record stays once the job is picked)."""
    collect_by: dict[str, datetime] = field(default_factory=dict)
    """Ready collection's job id -> its deadline, as the ledger answered it."""
    no_shows: dict[str, str] = field(default_factory=dict)
    """Job id -> the operation id of its no-show."""
    figures: Counter[str] = field(default_factory=Counter)
    """What the ledger applied (takeovers, refusals, sweeps, no-shows)."""

    # --- steps on a job -----------------------------------------------------------------------

    def refuses(self, op: dict[str, Any], status: int, body: dict[str, Any], owner: str) -> bool:
        """Whether ``op``, a step on a job, must be refused as held by another device (and
        was); raises when the ledger answered otherwise."""
        job = self.stock.jobs.get(str(op["job_id"]))
        if job is None or job.state != "picking":
            return False
        holder = self.holders.get(job.id)
        if holder is None or holder == device_of(owner):
            return False
        if status != 409 or body.get("type") != JOB_HELD:
            raise FulfilmentMismatch(
                f"{op['op']} {op['op_id']} by {device_of(owner)} on job {job.id}, held by "
                f"{holder}: the ledger answered {status} {body}, not job-held"
            )
        held_by = body.get("held_by") or {}
        if held_by.get("device") != holder:
            raise FulfilmentMismatch(
                f"{op['op_id']}: refused as held by {held_by.get('device')}, the model says "
                f"{holder}"
            )
        self.figures["steps refused (job-held)"] += 1
        return True

    def stepped(self, op: dict[str, Any], status: int, body: dict[str, Any], owner: str) -> None:
        """After a transition the oracle accepted or refused: record a start's holder and a
        ready collection's deadline."""
        if status >= 400:
            return
        job_id, target = str(op["job_id"]), str(op["to"])
        if target == "picking":
            self.holders[job_id] = device_of(owner)
            self.figures["jobs started"] += 1
        elif target == "ready":
            ready_at, deadline = body.get("ready_at"), body.get("collect_by")
            if ready_at is None or deadline is None:
                raise FulfilmentMismatch(f"{op['op_id']}: job {job_id} ready without a deadline")
            if _time(deadline) != _time(ready_at) + timedelta(days=self.collection_days):
                raise FulfilmentMismatch(
                    f"{op['op_id']}: job {job_id} ready at {ready_at} must be collected by "
                    f"{self.collection_days} days later, the ledger says {deadline}"
                )
            self.collect_by[job_id] = _time(deadline)
        elif target == "collected" and job_id in self.no_shows:
            raise FulfilmentMismatch(f"{op['op_id']}: job {job_id} collected after its no-show")

    # --- takeovers ----------------------------------------------------------------------------

    def apply(self, op: dict[str, Any], status: int, body: dict[str, Any], owner: str) -> None:
        op_id, job_id = str(op["op_id"]), str(op["job_id"])
        job = self.stock.jobs.get(job_id)
        if job is None:
            raise FulfilmentMismatch(f"takeover {op_id} names job {job_id} never created")
        if job.state != "picking":
            if status != 409 or body.get("type") != INVALID_STATE:
                raise FulfilmentMismatch(
                    f"takeover {op_id} of job {job_id}, {job.state}: the ledger answered "
                    f"{status} {body}, not invalid-state"
                )
            self.figures["takeovers refused (not being picked)"] += 1
            return
        if status != TAKEN_OVER:
            raise FulfilmentMismatch(
                f"takeover {op_id} of job {job_id} being picked: the ledger answered {status} "
                f"{body}"
            )
        before = self.holders.get(job_id)
        taken_from = (body.get("taken_from") or {}).get("device")
        held_now = ((body.get("job") or {}).get("held_by") or {}).get("device")
        if taken_from != before or held_now != device_of(owner):
            raise FulfilmentMismatch(
                f"takeover {op_id} of job {job_id}: the ledger took it from {taken_from} for "
                f"{held_now}; the model says from {before} for {device_of(owner)}"
            )
        self.holders[job_id] = device_of(owner)
        self.figures["takeovers"] += 1

    # --- the no-show sweep --------------------------------------------------------------------

    def due(self, at: datetime) -> list[ModelJob]:
        """The ready collections the sweep at ``at`` must end, in the sweep's order."""
        ready = [
            job
            for job in self.stock.jobs.values()
            if job.kind == "collect" and job.state == "ready" and job.id in self.collect_by
        ]
        due = [job for job in ready if self.collect_by[job.id] <= at]
        return sorted(due, key=lambda job: (self.collect_by[job.id], job.id))

    def swept(self, at: datetime, ended: int) -> list[str]:
        """The ledger's sweep at ``at`` answered that it ended ``ended`` collections: check and
        apply; answers the jobs it ended."""
        due = self.due(at)
        if ended != len(due):
            raise FulfilmentMismatch(
                f"the no-show sweep at {at.isoformat()} ended {ended} collections; the model "
                f"expects {len(due)}: {[job.id for job in due]}"
            )
        for job in due:
            op_id = no_show_op_id(job.id)
            job.state = "cancelled"
            self.stock.final_transitions[job.id] += 1
            self.stock.settle(job, "cancelled", op_id)
            self.no_shows[job.id] = op_id
            self.figures["no-shows"] += 1
        self.figures["sweeps"] += 1
        return [job.id for job in due]
