"""No-shows: a ready collection whose customer did not come by its collection deadline ends.

The sweep (run by the ledger's housekeeping loop next to the expiry of reservations) cancels
every ready collection whose ``collect_by`` has passed by the injected clock, oldest deadline
first, at most ``limit`` per run. It takes the very step a store takes to cancel a job, with the
reason ``no_show``: the units go back to stock (the job's reservations are released; a parcel
received for collection is returned into the store's stock), its order lines are cancelled with
that reason, the order follows (closed, or to follow up when a line could not be served), and
the change feed carries the job so the store's queue drops it. Each no-show has its own audit row.

Idempotent: a job the sweep ended is no longer ready, so a second run finds nothing to do, and
each no-show's operation id is derived from the job, so it cannot be recorded twice. A ready
collection from before deadlines were recorded is given one (``collection_days`` from the first
sweep after the upgrade: its customer was never told an earlier one).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from ordersync.contract import CancelReason, JobKind, JobStateName, JobTransition, Role
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal
from ordersync.services.jobs import transition_job
from ordersync.services.reservations import SYSTEM_ACTOR
from ordersync.services.routing_policy import PolicyDocument

SWEEPER = Principal(token_id=SYSTEM_ACTOR, location="", role=Role.ADMIN, device="ledger")
"""Who ends a no-show: the ledger itself."""
DEFAULT_LIMIT = 100


def sweep_no_shows(tx: LedgerTx, policy: PolicyDocument, *, limit: int = DEFAULT_LIMIT) -> int:
    """End the ready collections past their deadline; answers how many ended."""
    _give_deadlines(tx, policy)
    due = tx.sql.all(
        "SELECT id, location FROM jobs WHERE state = :ready AND kind = :collect "
        "AND collect_by IS NOT NULL AND collect_by <= :now ORDER BY collect_by, id LIMIT :limit",
        {
            "ready": JobStateName.READY.value,
            "collect": JobKind.COLLECT.value,
            "now": tx.sql.time(tx.now),
            "limit": limit,
        },
    )
    for job_id, location in due:
        # Its changes go to its own audit row, as an expired reservation's do.
        since = tx.journal.mark()
        transition_job(
            tx,
            SWEEPER,
            str(job_id),
            JobTransition(
                op_id=uuid.uuid5(uuid.UUID(str(job_id)), "no-show"),
                to=JobStateName.CANCELLED,
                from_state=JobStateName.READY,
                reason=CancelReason.NO_SHOW,
            ),
            policy,
        )
        tx.audit(
            op_id=None,
            operation="job.no_show",
            actor=SYSTEM_ACTOR,
            role="system",
            location=location,
            device="ledger",
            detail={"job_id": str(job_id), **tx.journal.take(since)},
        )
    return len(due)


def _give_deadlines(tx: LedgerTx, policy: PolicyDocument) -> None:
    tx.sql.execute(
        "UPDATE jobs SET collect_by = :deadline WHERE state = :ready AND kind = :collect "
        "AND collect_by IS NULL",
        {
            "deadline": tx.sql.time(tx.now + timedelta(days=policy.service_level.collection_days)),
            "ready": JobStateName.READY.value,
            "collect": JobKind.COLLECT.value,
        },
    )
