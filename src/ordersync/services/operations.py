"""Every ledger mutation as a unit of work for the writer, wrapped in exactly-once handling.

The single-operation endpoints and a store's bulk push both come through here, so an operation
gets the same answer and the same stored outcome whichever way it arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ordersync.contract import (
    CommitOp,
    CountIn,
    CountOp,
    JobTransition,
    JobTransitionOp,
    LineRejection,
    LineRejectionOp,
    MovementBatch,
    MovementsOp,
    Operation,
    OrderCreate,
    PlaceOrderOp,
    ReleaseOp,
    ReservationCommit,
    ReservationCreate,
    ReservationRelease,
    ReserveOp,
    SafetyStockSet,
    TransferLine,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Action, Principal
from ordersync.services.counts import record_count
from ordersync.services.idempotency import (
    Outcome,
    forget_old_outcomes,
    request_fingerprint,
    run_idempotent,
)
from ordersync.services.jobs import reject_line, transition_job
from ordersync.services.movements import apply_movements
from ordersync.services.orders import place_order
from ordersync.services.reservations import (
    commit_reservation,
    create_reservation,
    expire_due,
    release_reservation,
)
from ordersync.services.routing_policy import PolicySource
from ordersync.services.stock_checks import KnownEntities

OutcomeWork = Callable[[LedgerTx], Outcome]


def _acted_at(principal: Principal, locations: set[str]) -> str:
    """The location an operation is audited under: the one it acted on, when there is one."""
    return next(iter(locations)) if len(locations) == 1 else principal.location


def _owner(reservation: dict[str, Any]) -> str:
    return str(reservation["owner_location"])


def movements_work(principal: Principal, command: MovementBatch) -> OutcomeWork:
    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation="movements",
            fingerprint=request_fingerprint("movements", "", command, principal.location),
            apply=partial(apply_movements, tx, principal, command),
            success_status=201,
            audit_location=_acted_at(
                principal,
                {
                    line.from_location if isinstance(line, TransferLine) else line.location
                    for line in command.lines
                },
            ),
        )

    return work


def reserve_work(principal: Principal, command: ReservationCreate, default_ttl: int) -> OutcomeWork:
    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation="reservation.create",
            fingerprint=request_fingerprint("reserve", "", command, principal.location),
            apply=partial(create_reservation, tx, principal, command, default_ttl),
            success_status=201,
            audit_location=_acted_at(principal, {line.location for line in command.lines}),
        )

    return work


def commit_work(
    principal: Principal, reservation_id: str, command: ReservationCommit
) -> OutcomeWork:
    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation="reservation.commit",
            fingerprint=request_fingerprint("commit", reservation_id, command, principal.location),
            apply=partial(commit_reservation, tx, principal, reservation_id, command),
            audit_location=_owner,
        )

    return work


def release_work(
    principal: Principal, reservation_id: str, command: ReservationRelease
) -> OutcomeWork:
    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation="reservation.release",
            fingerprint=request_fingerprint("release", reservation_id, command, principal.location),
            apply=partial(release_reservation, tx, principal, reservation_id, str(command.op_id)),
            audit_location=_owner,
        )

    return work


def count_work(principal: Principal, command: CountIn) -> OutcomeWork:
    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation="count",
            fingerprint=request_fingerprint("count", "", command, principal.location),
            apply=partial(record_count, tx, principal, command),
            success_status=201,
            audit_location=command.location,
        )

    return work


def safety_stock_work(
    principal: Principal, sku: str, location: str, command: SafetyStockSet
) -> OutcomeWork:
    def apply(tx: LedgerTx) -> dict[str, object]:
        principal.require(Action.SET_SAFETY_STOCK, location)
        known = KnownEntities(tx)
        default = known.location(location).default_safety_stock
        known.sku(sku)
        tx.ensure_position(sku, location, default)
        after = tx.set_position_flags(sku, location, safety_stock=command.safety_stock)
        return after.to_contract().model_dump(mode="json")

    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation="safety_stock.set",
            fingerprint=request_fingerprint(
                "safety_stock", f"{location}|{sku}", command, principal.location
            ),
            apply=partial(apply, tx),
            audit_location=location,
        )

    return work


def order_work(principal: Principal, command: OrderCreate, policy: PolicySource) -> OutcomeWork:
    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation="order.place",
            fingerprint=request_fingerprint("order", "", command, principal.location),
            apply=lambda: place_order(tx, principal, command, policy.current()),
            success_status=201,
        )

    return work


def _job_location(body: dict[str, Any]) -> str:
    job = body.get("job", body)
    return str(job["location"])


def job_transition_work(
    principal: Principal, job_id: str, command: JobTransition, policy: PolicySource
) -> OutcomeWork:
    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation=f"job.{command.to.value}",
            fingerprint=request_fingerprint("job_transition", job_id, command, principal.location),
            apply=lambda: transition_job(tx, principal, job_id, command, policy.current()),
            audit_location=_job_location,
        )

    return work


def reject_line_work(
    principal: Principal, job_id: str, line_no: int, command: LineRejection, policy: PolicySource
) -> OutcomeWork:
    def work(tx: LedgerTx) -> Outcome:
        return run_idempotent(
            tx,
            principal=principal,
            op_id=str(command.op_id),
            operation="job.reject_line",
            fingerprint=request_fingerprint(
                "reject_line", f"{job_id}|{line_no}", command, principal.location
            ),
            apply=lambda: reject_line(tx, principal, job_id, line_no, command, policy.current()),
            audit_location=_job_location,
        )

    return work


def operation_work(
    principal: Principal, op: Operation, default_ttl: int, policy: PolicySource
) -> OutcomeWork:
    """The unit of work for one entry of a store's bulk push."""
    if isinstance(op, MovementsOp):
        return movements_work(principal, op)
    if isinstance(op, ReserveOp):
        return reserve_work(principal, op, default_ttl)
    if isinstance(op, CommitOp):
        return commit_work(principal, str(op.reservation_id), op)
    if isinstance(op, ReleaseOp):
        return release_work(principal, str(op.reservation_id), op)
    if isinstance(op, CountOp):
        return count_work(principal, op)
    if isinstance(op, PlaceOrderOp):
        return order_work(principal, op, policy)
    if isinstance(op, JobTransitionOp):
        return job_transition_work(principal, str(op.job_id), op, policy)
    if isinstance(op, LineRejectionOp):
        return reject_line_work(principal, str(op.job_id), op.line_no, op, policy)
    raise AssertionError(f"unhandled operation {op!r}")


def expiry_work(limit: int = 500) -> Callable[[LedgerTx], int]:
    def work(tx: LedgerTx) -> int:
        return expire_due(tx, limit=limit)

    return work


def retention_work(retention_days: int) -> Callable[[LedgerTx], int]:
    def work(tx: LedgerTx) -> int:
        return forget_old_outcomes(tx, retention_days)

    return work
