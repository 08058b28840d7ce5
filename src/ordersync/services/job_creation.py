"""Jobs made from a routing decision: one per location, each line held by its own reservation,
and the decision recorded as people read it.

Job ids are derived from the order, the location and the attempt, so a replayed decision
creates the same jobs, never twice.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from ordersync.contract import (
    AuditedEntity,
    JobStateName,
    ReservationCreate,
    ReservationLineIn,
    Role,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal
from ordersync.domain.routing import RoutingDecision
from ordersync.services.drop_ship import job_kind_at
from ordersync.services.order_views import record_job_change
from ordersync.services.reservations import create_reservation
from ordersync.services.routing_policy import PolicyDocument

ROUTER = Principal(token_id=0, location="", role=Role.ADMIN, device="router")
"""Who holds the units routing reserves: the ledger itself, on the location's behalf."""


def job_id_for(order_id: str, location: str, attempt: str) -> str:
    """Deterministic, so a replayed decision creates the same jobs (never twice)."""
    return str(uuid.uuid5(uuid.UUID(order_id), f"job:{location}:{attempt}"))


def create_jobs(
    tx: LedgerTx,
    order_id: str,
    decision: RoutingDecision,
    policy: PolicyDocument,
    collect_at: str | None,
    customer_name: str,
    attempt: str = "first",
) -> list[str]:
    """One job per location of the decision, each line held by its own reservation."""
    created = []
    due = tx.now + timedelta(minutes=policy.service_level.to_start_minutes)
    for assignment in decision.assignments:
        job_id = job_id_for(order_id, assignment.location, attempt)
        at_counter = collect_at == assignment.location
        kind = job_kind_at(tx, assignment.location, at_counter=at_counter)
        tx.sql.execute(
            "INSERT INTO jobs (id, order_id, location, kind, state, destination, created_at, "
            "due_at, updated_at, updated_by) VALUES (:id, :order_id, :location, :kind, "
            ":state, :destination, :now, :due, :now, 0)",
            {
                "id": job_id,
                "order_id": order_id,
                "location": assignment.location,
                "kind": kind.value,
                "state": JobStateName.ASSIGNED.value,
                "destination": None if at_counter else collect_at,
                "now": tx.sql.time(tx.now),
                "due": tx.sql.time(due),
            },
        )
        tx.journal.state(AuditedEntity.JOB, job_id, None, JobStateName.ASSIGNED.value)
        rows = []
        for number, line in enumerate(assignment.lines, start=1):
            reservation_id = uuid.uuid5(uuid.UUID(job_id), f"line:{number}")
            create_reservation(
                tx,
                ROUTER,
                ReservationCreate(
                    op_id=reservation_id,
                    lines=[
                        ReservationLineIn(sku=line.sku, location=assignment.location, qty=line.qty)
                    ],
                    ttl_seconds=policy.routing.hold_hours * 3600,
                    order_ref=order_id,
                ),
                policy.routing.hold_hours * 3600,
            )
            rows.append(
                {
                    "job_id": job_id,
                    "line_no": number,
                    "order_line_no": line.line_no,
                    "sku": line.sku,
                    "qty": line.qty,
                    "reservation_id": str(reservation_id),
                }
            )
        tx.sql.executemany(
            "INSERT INTO job_lines (job_id, line_no, order_line_no, sku, qty, reservation_id, "
            "state) VALUES (:job_id, :line_no, :order_line_no, :sku, :qty, :reservation_id, "
            "'open')",
            rows,
        )
        record_job_change(tx, job_id, policy, customer_name)
        created.append(job_id)
    return created


def record_decision(tx: LedgerTx, order_id: str, trigger: str, decision: RoutingDecision) -> None:
    tx.sql.execute(
        "INSERT INTO routing_decisions (order_id, trigger, created_at, explanation) "
        "VALUES (:order_id, :trigger, :now, :explanation)",
        {
            "order_id": order_id,
            "trigger": trigger,
            "now": tx.sql.time(tx.now),
            "explanation": json.dumps(decision.explanation()),
        },
    )
