"""A job's units stay held for as long as the job is open, and each step says when the next is due.

Before a job takes a step (``prepare_step``), the holds of its open lines are renewed, so a
step is never refused because a hold ran out while the job waited. A hold that already expired
under an open job (the ledger expired job holds on a timer before it renewed them) is held again
when its units are still free; when they have gone to other orders since, the record is kept
true rather than the hold forced: the line leaves the job (cancelled) and is handed back to the
caller to be routed again. The step then goes on for the lines still held.

After the step (``enter_state``) the job records when it entered its state and when that state's
target runs out; a collection made ready records when, and its collection deadline, and its
units are held until that deadline, where the no-show sweep ends it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ordersync.contract import (
    FINAL_JOB_STATES,
    AuditedEntity,
    JobKind,
    JobLineState,
    JobStateName,
    ReservationCreate,
    ReservationLineIn,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import InsufficientStock
from ordersync.domain.reservations import job_hold_until
from ordersync.domain.service_levels import step_due
from ordersync.services.drop_ship import lead_time_of_job
from ordersync.services.job_creation import ROUTER
from ordersync.services.reservations import create_reservation
from ordersync.services.routing_policy import PolicyDocument


@dataclass(frozen=True, slots=True)
class LostLine:
    """A job line whose expired hold could not be held again: its units went elsewhere."""

    line_no: int
    order_line_no: int
    sku: str
    qty: int
    order_line_state: str | None


def hold_length(policy: PolicyDocument) -> timedelta:
    return timedelta(hours=policy.routing.hold_hours)


def renew_holds(tx: LedgerTx, job_id: str, until: datetime) -> None:
    """Hold the units of the job's open lines until ``until``."""
    tx.sql.execute(
        "UPDATE reservations SET expires_at = :until WHERE state = 'pending' AND id IN "
        "(SELECT reservation_id FROM job_lines WHERE job_id = :id AND state = 'open')",
        {"until": tx.sql.time(until), "id": job_id},
    )


def prepare_step(tx: LedgerTx, job_id: str, policy: PolicyDocument) -> list[LostLine]:
    """Renew the job's holds before a step; answers the lines whose units are gone."""
    row = tx.sql.first(
        "SELECT order_id, location, collect_by FROM jobs WHERE id = :id", {"id": job_id}
    )
    assert row is not None
    order_id, location, collect_by = row
    lost = _hold_expired_again(tx, job_id, order_id, location, policy)
    deadline = None if collect_by is None else tx.sql.read_time(collect_by)
    renew_holds(tx, job_id, job_hold_until(tx.now, hold_length(policy), deadline))
    return lost


def _hold_expired_again(
    tx: LedgerTx, job_id: str, order_id: str, location: str, policy: PolicyDocument
) -> list[LostLine]:
    lost: list[LostLine] = []
    seconds = int(hold_length(policy).total_seconds())
    for line_no, order_line_no, sku, qty, expired_id, order_line_state in tx.sql.all(
        "SELECT l.line_no, l.order_line_no, l.sku, l.qty, l.reservation_id, o.state "
        "FROM job_lines l JOIN reservations r ON r.id = l.reservation_id "
        "LEFT JOIN order_lines o ON o.order_id = :order AND o.line_no = l.order_line_no "
        "WHERE l.job_id = :id AND l.state = 'open' AND r.state = 'expired' ORDER BY l.line_no",
        {"id": job_id, "order": order_id},
    ):
        # Named by the hold it replaces: a replayed step holds the same units once.
        held_again = uuid.uuid5(uuid.UUID(job_id), f"line:{line_no}:again:{expired_id}")
        try:
            create_reservation(
                tx,
                ROUTER,
                ReservationCreate(
                    op_id=held_again,
                    lines=[ReservationLineIn(sku=sku, location=location, qty=int(qty))],
                    ttl_seconds=seconds,
                    order_ref=order_id,
                ),
                seconds,
            )
        except InsufficientStock:
            _take_out(tx, job_id, int(line_no))
            lost.append(LostLine(int(line_no), int(order_line_no), sku, int(qty), order_line_state))
            continue
        tx.sql.execute(
            "UPDATE job_lines SET reservation_id = :held WHERE job_id = :id AND line_no = :n",
            {"held": str(held_again), "id": job_id, "n": line_no},
        )
    return lost


def _take_out(tx: LedgerTx, job_id: str, line_no: int) -> None:
    tx.sql.execute(
        "UPDATE job_lines SET state = :state WHERE job_id = :id AND line_no = :n",
        {"state": JobLineState.CANCELLED.value, "id": job_id, "n": line_no},
    )
    tx.journal.state(
        AuditedEntity.JOB_LINE,
        job_id,
        JobLineState.OPEN.value,
        JobLineState.CANCELLED.value,
        line_no=line_no,
    )


def enter_state(
    tx: LedgerTx, job_id: str, kind: JobKind, state: JobStateName, policy: PolicyDocument
) -> None:
    """Record that the job entered ``state`` now, and when its next step is due."""
    levels = policy.service_level
    ready = kind is JobKind.COLLECT and state is JobStateName.READY
    collect_by = levels.collect_by(tx.now) if ready else None
    lead_time = lead_time_of_job(tx, job_id) if kind is JobKind.DROP_SHIP else timedelta(0)
    due = step_due(levels, kind, state, tx.now, collect_by=collect_by, lead_time=lead_time)
    params: dict[str, Any] = {"id": job_id, "now": tx.sql.time(tx.now)}
    sets = ["state_since = :now"]
    if due is not None:
        sets.append("due_at = :due")
        params["due"] = tx.sql.time(due)
    if collect_by is not None:
        sets += ["ready_at = :now", "collect_by = :collect_by"]
        params["collect_by"] = tx.sql.time(collect_by)
    tx.sql.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = :id", params)
    if state not in FINAL_JOB_STATES:
        renew_holds(tx, job_id, job_hold_until(tx.now, hold_length(policy), collect_by))
