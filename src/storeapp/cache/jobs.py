"""The store's fulfilment jobs in the cache: the ledger's view from the change feed, with this
device's own work laid over it (transitions and short picks not yet seen back, scanned units).

The same rule as for stock: the ledger's answer replaces the local effect, never adds to it. An
action counts while its outbox entry waits, and after the ledger accepted it until the feed
brings the job back; a refused action is ignored at once, so the feed's job stands. A start or
a takeover made here makes this terminal the job's holder until the feed says who holds it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from ordersync.contract import (
    FINAL_JOB_STATES,
    HELD_JOB_STATES,
    LINE_END_STATES,
    Job,
    JobLineState,
    JobStateName,
)
from storeapp.cache.job_holders import Holder, read_holders, this_device, upsert_holders
from storeapp.cache.ship_to import upsert_ship_to

TRANSITION = "transition"
REJECT = "reject"
TAKEOVER = "takeover"
"""The kinds of local action on a job: a transition to a state, a short pick of a line, or a
manager's takeover of a job another device is picking."""


@dataclass(frozen=True, slots=True)
class CachedLine:
    line_no: int
    order_line_no: int
    sku: str
    qty: int
    state: str
    """A ``JobLineState`` value, with this device's unconfirmed work laid over it."""
    reject_reason: str | None
    scanned: int
    """Units confirmed by scanning on this device."""
    unconfirmed: bool = False
    """A short pick of this line made here and not yet seen back from the ledger."""
    in_transit: bool = False
    """Its units are in a parcel on its way to this store (a collection), not here yet."""


@dataclass(frozen=True, slots=True)
class CachedJob:
    id: str
    order_id: str
    location: str
    kind: str
    state: str
    """The state with this device's unconfirmed actions applied."""
    ledger_state: str
    """The state the feed last reported."""
    destination: str | None
    created_at: datetime
    due_at: datetime
    ledger_late: bool
    parcels: int | None
    weight_grams: int | None
    tracking: str | None
    customer_name: str
    seq: int
    lines: list[CachedLine]
    unconfirmed: int
    """Actions made here that the ledger has not confirmed through the feed yet."""
    held_by: Holder | None = None
    """Who is picking it (only while it is being picked), with this device's work laid over."""
    cancel_reason: str | None = None
    """Why it was cancelled (a ``CancelReason`` value): the ledger's, or the one given here."""


def _job_row(change_seq: int, job: Job, now: datetime) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "order_id": str(job.order_id),
        "location": job.location,
        "kind": job.kind,
        "state": job.state.value,
        "destination": job.destination,
        "created_at": job.created_at.isoformat(),
        "due_at": job.due_at.isoformat(),
        "late": job.late,
        "parcels": job.parcels,
        "weight_grams": job.weight_grams,
        "tracking": job.tracking,
        "customer_name": job.customer_name,
        "cancel_reason": job.cancel_reason,
        "lines": json.dumps([line.model_dump(mode="json") for line in job.lines]),
        "seq": change_seq,
        "received_at": now.isoformat(),
    }


def upsert_jobs(connection: Connection, jobs: Sequence[tuple[int, Job]], now: datetime) -> None:
    """Keep the newest report of each job, and forget the actions the feed has now answered.

    An action whose outbox entry still waits stays: the job row may come from another change
    (another device, a re-route) made before the ledger has even seen this one.
    """
    if not jobs:
        return
    connection.execute(
        text(
            "INSERT INTO jobs (id, order_id, location, kind, state, destination, created_at, "
            "due_at, late, parcels, weight_grams, tracking, customer_name, cancel_reason, lines, "
            "seq, received_at) VALUES (:id, :order_id, :location, :kind, :state, :destination, "
            ":created_at, :due_at, :late, :parcels, :weight_grams, :tracking, :customer_name, "
            ":cancel_reason, :lines, :seq, :received_at) ON CONFLICT (id) DO UPDATE SET "
            "state = excluded.state, destination = excluded.destination, "
            "due_at = excluded.due_at, late = excluded.late, parcels = excluded.parcels, "
            "weight_grams = excluded.weight_grams, tracking = excluded.tracking, "
            "customer_name = excluded.customer_name, cancel_reason = excluded.cancel_reason, "
            "lines = excluded.lines, "
            "seq = excluded.seq, received_at = excluded.received_at "
            "WHERE excluded.seq >= jobs.seq"
        ),
        [_job_row(seq, job, now) for seq, job in jobs],
    )
    upsert_holders(connection, jobs)
    upsert_ship_to(connection, jobs)
    connection.execute(
        text(
            "DELETE FROM job_actions WHERE job_id = :job_id AND op_id NOT IN "
            "(SELECT op_id FROM outbox WHERE state = 'pending')"
        ),
        [{"job_id": str(job.id)} for _, job in jobs],
    )


def record_action(
    connection: Connection,
    *,
    op_id: str,
    job_id: str,
    action: str,
    now: datetime,
    to_state: str | None = None,
    line_no: int | None = None,
    reason: str | None = None,
    parcels: int | None = None,
    weight_grams: int | None = None,
    tracking: str | None = None,
) -> None:
    """Record a local action (in the transaction that puts its outbox entry)."""
    connection.execute(
        text(
            "INSERT INTO job_actions (op_id, job_id, action, to_state, line_no, reason, parcels, "
            "weight_grams, tracking, created_at) VALUES (:op_id, :job_id, :action, :to_state, "
            ":line_no, :reason, :parcels, :weight_grams, :tracking, :now)"
        ),
        {
            "op_id": op_id,
            "job_id": job_id,
            "action": action,
            "to_state": to_state,
            "line_no": line_no,
            "reason": reason,
            "parcels": parcels,
            "weight_grams": weight_grams,
            "tracking": tracking,
            "now": now.isoformat(),
        },
    )


def set_scanned(
    connection: Connection, job_id: str, line_no: int, scanned: int, now: datetime
) -> None:
    connection.execute(
        text(
            "INSERT INTO job_scans (job_id, line_no, scanned, updated_at) "
            "VALUES (:job_id, :line_no, :scanned, :now) ON CONFLICT (job_id, line_no) "
            "DO UPDATE SET scanned = excluded.scanned, updated_at = excluded.updated_at"
        ),
        {"job_id": job_id, "line_no": line_no, "scanned": scanned, "now": now.isoformat()},
    )


_JOB_COLUMNS = (
    "id, order_id, location, kind, state, destination, created_at, due_at, late, parcels, "
    "weight_grams, tracking, customer_name, cancel_reason, lines, seq"
)


def read_job(connection: Connection, job_id: str) -> CachedJob | None:
    row = connection.execute(
        text(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = :id"), {"id": job_id}
    ).first()
    if row is None:
        return None
    return _with_local_work(connection, [row])[0]


def read_jobs(connection: Connection, location: str, *, active_only: bool) -> list[CachedJob]:
    """The cached jobs of ``location``, oldest due first; with ``active_only``, those the ledger
    has not closed (a job it closed never opens again, whatever this device did to it)."""
    where = "location = :location"
    params: dict[str, Any] = {"location": location}
    if active_only:
        marks, finals = _marks("f", sorted(FINAL_JOB_STATES))
        where += f" AND state NOT IN ({marks})"
        params.update(finals)
    rows = connection.execute(
        text(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE {where} ORDER BY due_at, created_at, id"),
        params,
    ).all()
    return _with_local_work(connection, rows)


def job_ids_starting_with(connection: Connection, prefix: str, limit: int = 5) -> list[str]:
    rows = connection.execute(
        text("SELECT id FROM jobs WHERE id LIKE :prefix ORDER BY id LIMIT :limit"),
        {"prefix": prefix.replace("%", "").replace("_", "") + "%", "limit": limit},
    )
    return [str(row[0]) for row in rows]


def _marks(name: str, values: Iterable[str]) -> tuple[str, dict[str, str]]:
    params = {f"{name}{i}": value for i, value in enumerate(values)}
    return ",".join(f":{key}" for key in params), params


def _with_local_work(connection: Connection, rows: Sequence[Any]) -> list[CachedJob]:
    if not rows:
        return []
    marks, params = _marks("j", (str(row.id) for row in rows))
    actions: dict[str, list[Any]] = {}
    for action in connection.execute(
        text(
            "SELECT a.*, o.state AS outbox_state, "
            "json_extract(o.payload, '$.person') AS outbox_person, "
            "(SELECT name FROM staff WHERE code = json_extract(o.payload, '$.person')) "
            "AS outbox_person_name FROM job_actions a "
            f"LEFT JOIN outbox o ON o.op_id = a.op_id WHERE a.job_id IN ({marks}) ORDER BY a.id"
        ),
        params,
    ):
        # Refused by the ledger: the feed's job stands (the refusal is in "needs attention").
        if action.outbox_state in (None, "pending"):
            actions.setdefault(str(action.job_id), []).append(action)
    scans: dict[tuple[str, int], int] = {
        (str(job_id), int(line_no)): int(scanned)
        for job_id, line_no, scanned in connection.execute(
            text(f"SELECT job_id, line_no, scanned FROM job_scans WHERE job_id IN ({marks})"),
            params,
        )
    }
    holders = read_holders(connection, (str(row.id) for row in rows))
    device = this_device(connection)
    return [
        _overlay(row, actions.get(str(row.id), []), scans, holders.get(str(row.id)), device)
        for row in rows
    ]


def _overlay(
    row: Any,
    actions: list[Any],
    scans: dict[tuple[str, int], int],
    holder: Holder | None,
    device: str | None,
) -> CachedJob:
    job_id = str(row.id)
    lines = [
        CachedLine(
            line_no=int(raw["line_no"]),
            order_line_no=int(raw["order_line_no"]),
            sku=str(raw["sku"]),
            qty=int(raw["qty"]),
            state=str(raw["state"]),
            reject_reason=raw.get("reject_reason"),
            scanned=scans.get((job_id, int(raw["line_no"])), 0),
            in_transit=bool(raw.get("in_transit", False)),
        )
        for raw in json.loads(row.lines)
    ]
    job = CachedJob(
        id=job_id,
        order_id=str(row.order_id),
        location=str(row.location),
        kind=str(row.kind),
        state=str(row.state),
        ledger_state=str(row.state),
        destination=row.destination,
        created_at=datetime.fromisoformat(row.created_at),
        due_at=datetime.fromisoformat(row.due_at),
        ledger_late=bool(row.late),
        parcels=row.parcels,
        weight_grams=row.weight_grams,
        tracking=row.tracking,
        customer_name=str(row.customer_name),
        seq=int(row.seq),
        lines=lines,
        unconfirmed=len(actions),
        held_by=holder,
        cancel_reason=row.cancel_reason,
    )
    for action in actions:
        job = _apply(job, action)
        if action.action == TAKEOVER or action.to_state == JobStateName.PICKING:
            # Started or taken over here: this terminal holds it until the feed says otherwise.
            since = datetime.fromisoformat(action.created_at)
            mine = Holder(
                device or "",
                action.outbox_person,
                action.outbox_person_name,
                since,
                this_terminal=True,
            )
            job = replace(job, held_by=mine)
    if job.state not in HELD_JOB_STATES:
        job = replace(job, held_by=None)
    return job


def _apply(job: CachedJob, action: Any) -> CachedJob:
    """What the ledger will do with the action, as far as this store's screens show it."""
    if action.action == TAKEOVER:
        return job
    if action.action == REJECT:
        lines = [
            replace(
                line, state=JobLineState.REJECTED, reject_reason=action.reason, unconfirmed=True
            )
            if line.line_no == action.line_no and line.state == JobLineState.OPEN
            else line
            for line in job.lines
        ]
        state = job.state
        if not any(line.state == JobLineState.OPEN for line in lines):
            state = JobStateName.REJECTED
        return replace(job, lines=lines, state=state)
    target = str(action.to_state)
    lines = job.lines
    if target in LINE_END_STATES:
        lines = [
            replace(line, state=LINE_END_STATES[JobStateName(target)])
            if line.state == JobLineState.OPEN
            else line
            for line in lines
        ]
    return replace(
        job,
        state=target,
        lines=lines,
        parcels=action.parcels if action.parcels is not None else job.parcels,
        weight_grams=action.weight_grams if action.weight_grams is not None else job.weight_grams,
        tracking=action.tracking if action.tracking is not None else job.tracking,
        cancel_reason=action.reason if target == JobStateName.CANCELLED else job.cancel_reason,
    )
