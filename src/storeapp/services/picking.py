"""Pick & pack: the store's job queue, pick lists confirmed unit by unit with the scanner, short
picks, and the job's transitions (start, picked, packed, shipped, ready, handed over, cancelled),
each refused with a stable code before anything is written when the job does not allow it. What
a job looks like on this device is ``job_views``.

Jobs reach the cache through the change feed; staff never refresh by hand. Every action writes
its local effect (the job's state on this device, scanned units) and, when the ledger must hear
of it, its outbox entry in one transaction. Scanned units stay on this device: only the
transitions and short picks they lead to are sent. A transition the ledger refuses (another
device moved the job first) lands in "needs attention" with the job's ``current_state``, and
the job on screen is the feed's again.

One picker per job (``pick_holds``): a job another device is picking is neither started,
scanned, short picked nor marked picked here; a manager takes it over (``take_over``), which
makes this terminal its holder at once. A scan of a unit of an assigned job that nobody holds
starts picking it: the start is queued and the unit counted in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine

from ordersync.contract import (
    LINE_REJECTABLE_STATES,
    CancelReason,
    JobLineState,
    JobStateName,
    JobTransitionOp,
    LineRejectionOp,
    RejectReason,
    TakeOverJobOp,
    allowed_next,
    can_reject_lines,
    gtin_problem,
    uuid7,
)
from ordersync.contract.vocabulary import STORE_CANCEL_REASONS
from storeapp.cache import jobs as cached
from storeapp.cache import outbox
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.services.arrivals import is_arrival
from storeapp.services.catalog import by_gtin
from storeapp.services.job_attention import JobAttention, job_attention
from storeapp.services.job_views import (
    JobQueue,
    JobView,
    PickLine,
    cached_short_id,
    cached_short_ids,
    job_queue,
    job_view,
)
from storeapp.services.pick_holds import (
    may_take_over,
    refuse_if_held_elsewhere,
    refuse_unless_manager,
    refuse_unless_takeable,
)
from storeapp.services.pick_refusals import PickingRefused, PickRefusal

__all__ = [
    "MAX_NOTE",
    "MAX_PARCELS",
    "MAX_TRACKING",
    "MAX_WEIGHT_GRAMS",
    "ActionRecorded",
    "JobAttention",
    "PickRefusal",
    "PickingRefused",
    "PickingService",
    "ScanResult",
]

MAX_PARCELS = 100
MAX_WEIGHT_GRAMS = 1_000_000
MAX_TRACKING = 64
MAX_NOTE = 200


@dataclass(frozen=True, slots=True)
class ScanResult:
    job: JobView
    line: PickLine
    """The line the unit was counted on, after the scan."""
    complete: bool
    """Every open line of the job is now fully scanned: it can be marked picked."""
    started: bool = False
    """The scan started picking the job (it was assigned, and nobody held it)."""


@dataclass(frozen=True, slots=True)
class ActionRecorded:
    op_id: UUID
    outbox_id: int
    job: JobView
    """The job after the action, as this device now shows it."""


class PickingService:
    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        new_id: NewId = uuid7,
        *,
        person: PersonOf = nobody,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._new_id = new_id
        self._person = person

    @property
    def location(self) -> str:
        return self._location

    # --- Reading ---------------------------------------------------------------------------

    def queue(self, include_done: bool = False) -> JobQueue:
        """The store's jobs, oldest due first, late ones flagged, with counts by state."""
        now = self._now()
        with self._engine.connect() as connection:
            jobs = [
                job_view(connection, job, now)
                for job in cached.read_jobs(
                    connection, self._location, active_only=not include_done
                )
            ]
        if not include_done:
            jobs = [job for job in jobs if not job.done]
        return job_queue(jobs)

    def job(self, job_id: str) -> JobView | None:
        """One job with its pick list, or None when the cache does not hold it."""
        with self._engine.connect() as connection:
            job = cached.read_job(connection, job_id)
            if job is None or job.location != self._location:
                return None
            return job_view(connection, job, self._now())

    def short_job_ids(self) -> dict[str, str]:
        """Each cached job of this store and the start of its id that tells it apart."""
        with self._engine.connect() as connection:
            return cached_short_ids(connection, self._location)

    def arrival(self, job_id: str, code: str) -> JobView | None:
        """The job when ``code`` is a unit of it, or its parcel's tracking number, and it is a
        collection on its way here: the parcel has arrived (``mark_ready`` records it)."""
        with self._engine.connect() as connection:
            job = job_view(connection, self._load(connection, job_id), self._now())
            return job if is_arrival(connection, job, code) else None

    def resolve(self, reference: str) -> str:
        """A job id from its full id or the start of it (at least 4 characters, as printed)."""
        cleaned = reference.strip().lower()
        with self._engine.connect() as connection:
            found = cached.read_job(connection, cleaned)
            if found is not None and found.location == self._location:
                return found.id
            matches = cached.job_ids_starting_with(connection, cleaned) if len(cleaned) >= 4 else []
            matches = [
                job_id
                for job_id in matches
                if (job := cached.read_job(connection, job_id)) is not None
                and job.location == self._location
            ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise PickingRefused(
                PickRefusal.AMBIGUOUS_JOB,
                f"several jobs start with {reference}",
                job_id=reference,
                matches=matches,
            )
        raise PickingRefused(
            PickRefusal.UNKNOWN_JOB, f"no job {reference} at this store", job_id=reference
        )

    def attention(self) -> list[JobAttention]:
        """Job actions the ledger refused and nobody dismissed yet, oldest first."""
        return job_attention(self._engine)

    def dismiss(self, entry_id: int) -> bool:
        """Staff have dealt with a refusal: it leaves the list (and stays on record)."""
        return outbox.dismiss(self._engine, entry_id, self._now())

    # --- Scanning ---------------------------------------------------------------------------

    def scan(self, job_id: str, barcode: str) -> ScanResult:
        """Confirm one unit of the pick list by its barcode."""
        code = barcode.strip()
        problem = gtin_problem(code)
        if problem is not None:
            raise PickingRefused(
                PickRefusal.INVALID_BARCODE,
                f"{code} is not a valid barcode: {problem}",
                barcode=code,
                problem=problem,
            )
        now = self._now()
        with self._engine.begin() as connection:
            job = self._load(connection, job_id)
            refuse_if_held_elsewhere(job)
            starts = JobStateName.PICKING in allowed_next(job.kind, job.state)
            if job.state != JobStateName.PICKING and not starts:
                raise PickingRefused(
                    PickRefusal.NOT_PICKING,
                    f"units are scanned while the job is being picked (it is {job.state})",
                    state=job.state,
                )
            item = by_gtin(connection, code)
            if item is None:
                raise PickingRefused(
                    PickRefusal.UNKNOWN_BARCODE, f"no item has the barcode {code}", barcode=code
                )
            lines = [
                line
                for line in job.lines
                if line.sku == item.sku and line.state == JobLineState.OPEN
            ]
            if not lines:
                raise PickingRefused(
                    PickRefusal.NOT_ON_PICK_LIST,
                    f"{item.sku} is not on this pick list",
                    barcode=code,
                    sku=item.sku,
                )
            line = next((line for line in lines if line.scanned < line.qty), None)
            if line is None:
                raise PickingRefused(
                    PickRefusal.TOO_MANY,
                    f"all {sum(ln.qty for ln in lines)} unit(s) of {item.sku} are already scanned",
                    barcode=code,
                    sku=item.sku,
                    qty=sum(ln.qty for ln in lines),
                )
            if starts:
                # The first unit in hand is as good as pressing start.
                self._queue_transition(connection, job, JobStateName.PICKING, now)
            cached.set_scanned(connection, job.id, line.line_no, line.scanned + 1, now)
            after = job_view(connection, self._load(connection, job.id), now)
        counted = next(ln for ln in after.lines if ln.line_no == line.line_no)
        return ScanResult(job=after, line=counted, complete=after.fully_scanned, started=starts)

    def unscan(self, job_id: str, line_no: int) -> PickLine:
        """Take back one scanned unit of a line (scanned by mistake, put back on the shelf)."""
        now = self._now()
        with self._engine.begin() as connection:
            job = self._load(connection, job_id)
            line = self._line(job, line_no)
            refuse_if_held_elsewhere(job)
            if job.state != JobStateName.PICKING:
                raise PickingRefused(
                    PickRefusal.NOT_PICKING,
                    f"scans change while the job is being picked (it is {job.state})",
                    state=job.state,
                )
            if line.scanned <= 0:
                raise PickingRefused(
                    PickRefusal.NOTHING_SCANNED,
                    f"no unit of line {line_no} is scanned",
                    line_no=line_no,
                )
            cached.set_scanned(connection, job.id, line_no, line.scanned - 1, now)
            after = job_view(connection, self._load(connection, job.id), now)
        return next(ln for ln in after.lines if ln.line_no == line_no)

    # --- Transitions and short picks ---------------------------------------------------------

    def start(self, job_id: str) -> ActionRecorded:
        """assigned → picking."""
        return self._transition(job_id, JobStateName.PICKING)

    def mark_picked(self, job_id: str) -> ActionRecorded:
        """picking → picked, once every open line is fully scanned."""
        return self._transition(job_id, JobStateName.PICKED)

    def pack(self, job_id: str, parcels: int, weight_grams: int) -> ActionRecorded:
        """picked → packed (ship jobs), with the number of parcels and their total weight."""
        if not 1 <= parcels <= MAX_PARCELS:
            raise PickingRefused(
                PickRefusal.BAD_PARCELS,
                f"parcels must be between 1 and {MAX_PARCELS}",
                parcels=parcels,
            )
        if not 1 <= weight_grams <= MAX_WEIGHT_GRAMS:
            raise PickingRefused(
                PickRefusal.BAD_WEIGHT,
                f"the weight must be between 1 and {MAX_WEIGHT_GRAMS} grams",
                weight_grams=weight_grams,
            )
        return self._transition(
            job_id, JobStateName.PACKED, parcels=parcels, weight_grams=weight_grams
        )

    def ship(self, job_id: str, tracking: str) -> ActionRecorded:
        """packed → shipped, with the carrier's tracking reference."""
        reference = tracking.strip()
        if not 1 <= len(reference) <= MAX_TRACKING or "\x00" in reference:
            raise PickingRefused(
                PickRefusal.BAD_TRACKING,
                f"the tracking reference has 1 to {MAX_TRACKING} characters",
                tracking=tracking,
            )
        return self._transition(job_id, JobStateName.SHIPPED, tracking=reference)

    def mark_ready(self, job_id: str) -> ActionRecorded:
        """picked → ready (collect jobs): waiting at the counter for the customer."""
        return self._transition(job_id, JobStateName.READY)

    def hand_over(self, job_id: str) -> ActionRecorded:
        """ready → collected: the customer has it (the ledger records the sale)."""
        return self._transition(job_id, JobStateName.COLLECTED)

    def cancel(self, job_id: str, reason: CancelReason | None = None) -> ActionRecorded:
        """picked or ready → cancelled: the units go back to the shelf. ``reason`` is one of
        ``STORE_CANCEL_REASONS`` (the ledger records ``other`` when none is given)."""
        if reason is not None and reason not in STORE_CANCEL_REASONS:
            raise PickingRefused(
                PickRefusal.BAD_REASON,
                f"a store cancels a job for one of {', '.join(STORE_CANCEL_REASONS)}",
                reason=reason.value,
            )
        return self._transition(job_id, JobStateName.CANCELLED, reason=reason)

    def short_pick(
        self, job_id: str, line_no: int, reason: RejectReason, note: str | None = None
    ) -> ActionRecorded:
        """The line cannot be served from here (not found, damaged, other): the ledger gives
        its units back, flags the shelf for a count and routes the line elsewhere."""
        if note is not None and (len(note) > MAX_NOTE or "\x00" in note):
            raise PickingRefused(
                PickRefusal.BAD_NOTE, f"a note has at most {MAX_NOTE} characters", note=note
            )
        now = self._now()
        with self._engine.begin() as connection:
            job = self._load(connection, job_id)
            line = self._line(job, line_no)
            refuse_if_held_elsewhere(job)
            if not can_reject_lines(job.state):
                raise PickingRefused(
                    PickRefusal.WRONG_STATE,
                    f"lines are short picked while the job is assigned or picking, not {job.state}",
                    state=job.state,
                    allowed=sorted(LINE_REJECTABLE_STATES),
                )
            if line.state != JobLineState.OPEN:
                raise PickingRefused(
                    PickRefusal.LINE_NOT_OPEN,
                    f"line {line_no} is already {line.state}",
                    line_no=line_no,
                    state=line.state,
                )
            operation = LineRejectionOp(
                op="reject_line",
                op_id=self._new_id(),
                job_id=uuid.UUID(job.id),
                line_no=line_no,
                reason=reason,
                note=note or None,
            )
            entry_id = outbox.enqueue(
                connection,
                operation,
                summary=(
                    f"short pick job {cached_short_id(connection, job)} line {line_no} "
                    f"({line.qty} x {line.sku}): {reason.value}"
                ),
                effects=[],
                now=now,
                person=self._person(),
            )
            cached.record_action(
                connection,
                op_id=str(operation.op_id),
                job_id=job.id,
                action=cached.REJECT,
                line_no=line_no,
                reason=reason.value,
                now=now,
            )
            # The scanned units of that line go back to the shelf with it.
            cached.set_scanned(connection, job.id, line_no, 0, now)
            after = job_view(connection, self._load(connection, job.id), now)
        return ActionRecorded(operation.op_id, entry_id, after)

    def _transition(
        self,
        job_id: str,
        to: JobStateName,
        *,
        parcels: int | None = None,
        weight_grams: int | None = None,
        tracking: str | None = None,
        reason: CancelReason | None = None,
    ) -> ActionRecorded:
        now = self._now()
        with self._engine.begin() as connection:
            job = self._load(connection, job_id)
            refuse_if_held_elsewhere(job)
            allowed = allowed_next(job.kind, job.state)
            if to.value not in allowed:
                raise PickingRefused(
                    PickRefusal.WRONG_STATE,
                    f"a {job.kind} job that is {job.state} cannot become {to.value}",
                    state=job.state,
                    target=to.value,
                    allowed=sorted(allowed),
                )
            if to is JobStateName.PICKED:
                missing = {
                    line.line_no: line.qty - line.scanned
                    for line in job.lines
                    if line.state == JobLineState.OPEN and line.scanned < line.qty
                }
                if missing:
                    raise PickingRefused(
                        PickRefusal.NOT_ALL_SCANNED,
                        "scan every unit (or short pick the line) before marking it picked",
                        missing=missing,
                    )
            op_id, entry_id = self._queue_transition(
                connection,
                job,
                to,
                now,
                parcels=parcels,
                weight_grams=weight_grams,
                tracking=tracking,
                reason=reason,
            )
            after = job_view(connection, self._load(connection, job.id), now)
        return ActionRecorded(op_id, entry_id, after)

    def may_take_over(self) -> bool:
        """Whether a takeover made here now has a manager behind it (see ``pick_holds``)."""
        return may_take_over(self._engine, self._person())

    def take_over(self, job_id: str) -> ActionRecorded:
        """A manager takes over a job another device is picking: this terminal holds it at once
        (the ledger moves the hold when the takeover reaches it)."""
        refuse_unless_manager(self._engine, self._person())
        now = self._now()
        with self._engine.begin() as connection:
            job = self._load(connection, job_id)
            if job.state != JobStateName.PICKING:
                raise PickingRefused(
                    PickRefusal.WRONG_STATE,
                    f"only a job being picked is taken over (it is {job.state})",
                    state=job.state,
                    allowed=[JobStateName.PICKING.value],
                )
            refuse_unless_takeable(job)
            operation = TakeOverJobOp(
                op="take_over_job", op_id=self._new_id(), job_id=uuid.UUID(job.id)
            )
            holder = "" if job.held_by is None else f" from {job.held_by.device}"
            entry_id = self._queue(
                connection,
                operation,
                job,
                f"take over job {cached_short_id(connection, job)}{holder}",
                now,
                action=cached.TAKEOVER,
            )
            after = job_view(connection, self._load(connection, job.id), now)
        return ActionRecorded(operation.op_id, entry_id, after)

    def _queue_transition(
        self,
        connection: Connection,
        job: cached.CachedJob,
        to: JobStateName,
        now: datetime,
        *,
        parcels: int | None = None,
        weight_grams: int | None = None,
        tracking: str | None = None,
        reason: CancelReason | None = None,
    ) -> tuple[UUID, int]:
        """Put the transition in the outbox and lay it over the cached job (in the caller's
        transaction); answers its operation id and outbox entry."""
        operation = JobTransitionOp(
            op="job_transition",
            op_id=self._new_id(),
            job_id=uuid.UUID(job.id),
            to=to,
            from_state=JobStateName(job.state),
            parcels=parcels,
            weight_grams=weight_grams,
            tracking=tracking,
            reason=reason,
        )
        because = "" if reason is None else f" ({reason.value})"
        entry_id = self._queue(
            connection,
            operation,
            job,
            f"job {cached_short_id(connection, job)} {job.state} → {to.value}{because}",
            now,
            action=cached.TRANSITION,
            to_state=to.value,
            parcels=parcels,
            weight_grams=weight_grams,
            tracking=tracking,
            reason=None if reason is None else reason.value,
        )
        return operation.op_id, entry_id

    def _queue(
        self,
        connection: Connection,
        operation: JobTransitionOp | TakeOverJobOp,
        job: cached.CachedJob,
        summary: str,
        now: datetime,
        **recorded: Any,
    ) -> int:
        """Put a job operation in the outbox and record it as this terminal's action on the
        cached job, in the caller's transaction; answers the outbox entry."""
        entry_id = outbox.enqueue(
            connection, operation, summary=summary, effects=[], now=now, person=self._person()
        )
        cached.record_action(
            connection, op_id=str(operation.op_id), job_id=job.id, now=now, **recorded
        )
        return entry_id

    # --- Helpers ----------------------------------------------------------------------------

    def _load(self, connection: Connection, job_id: str) -> cached.CachedJob:
        job = cached.read_job(connection, job_id)
        if job is None:
            raise PickingRefused(
                PickRefusal.UNKNOWN_JOB, f"no job {job_id} at this store", job_id=job_id
            )
        if job.location != self._location:
            raise PickingRefused(
                PickRefusal.OTHER_STORE,
                f"job {job_id} belongs to {job.location}",
                job_id=job_id,
                location=job.location,
            )
        return job

    @staticmethod
    def _line(job: cached.CachedJob, line_no: int) -> cached.CachedLine:
        for line in job.lines:
            if line.line_no == line_no:
                return line
        raise PickingRefused(
            PickRefusal.UNKNOWN_LINE, f"job {job.id} has no line {line_no}", line_no=line_no
        )
