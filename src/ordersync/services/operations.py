"""Every ledger mutation as one row of a table, and the unit of work the writer runs for it.

``OPERATIONS`` maps an operation type to its ``OperationSpec``: the name the audit log gives it,
the path parameters that name its target, its success status, where its change is audited, and
the service that checks the caller's permission and applies it. ``operation_work`` turns a spec,
the caller and the command into the writer's unit of work, wrapped in exactly-once handling; the
single-operation endpoints and a store's bulk push (``pushed_work``, by the ``op`` of each entry)
both come through it, so an operation gets the same answer and the same stored outcome whichever
way it arrives.

A request's fingerprint hashes its operation type, its target (the path parameters joined by
``|``), the asking location and its body. An outcome stored under an operation id is replayed only
to a request with the same fingerprint, so the type and the path of an operation that stores
already send must never change.

The person behind an operation (a pushed operation's ``person``, a request's person header) is
looked up in the same transaction: a member of the device's location's staff (or an admin) acts
with both their role and the device's; anyone else only records what already happened on the
shop floor (sales, receipts, returns, counts), flagged unverified in the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache, partial
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from ordersync.config import LedgerSettings
from ordersync.contract import (
    CountIn,
    CustomerReturn,
    DeliveryReceipt,
    DispositionMove,
    InboundDeliveryCancel,
    InboundDeliveryCreate,
    JobTakeOver,
    JobTransition,
    LineRejection,
    MovementBatch,
    MovementKind,
    OfferClaim,
    Operation,
    OrderCreate,
    ReplenishmentTransfer,
    ReservationCommit,
    ReservationCreate,
    ReservationRelease,
    SafetyStockSet,
    SaleVoid,
    SupplierStock,
    TransferArrival,
    TransferCancel,
    TransferLine,
    TransferRequest,
    TransferShipment,
    WriteOff,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal
from ordersync.services.counts import record_count
from ordersync.services.deliveries import announce_delivery, cancel_delivery, receive_delivery
from ordersync.services.dispositions import move_disposition, write_off
from ordersync.services.idempotency import (
    Outcome,
    forget_old_outcomes,
    request_fingerprint,
    run_idempotent,
)
from ordersync.services.job_holders import take_over_job
from ordersync.services.jobs import reject_line, transition_job
from ordersync.services.movements import apply_movements
from ordersync.services.no_shows import sweep_no_shows
from ordersync.services.offer_rounds import sweep_offers
from ordersync.services.offers import claim_offer
from ordersync.services.orders import place_order
from ordersync.services.positions import set_safety_stock
from ordersync.services.replenishment_documents import replenishment_transfer
from ordersync.services.reservations import (
    DEFAULT_JOB_HOLD,
    commit_reservation,
    create_reservation,
    expire_due,
    release_reservation,
)
from ordersync.services.returns import record_return
from ordersync.services.routing_policy import PolicyDocument, PolicySource
from ordersync.services.staff import refuse_unverified_person, with_person_checked
from ordersync.services.supplier_stock import state_supplier_stock
from ordersync.services.transfers import (
    cancel_transfer,
    receive_transfer,
    request_transfer,
    send_transfer,
)
from ordersync.services.voids import void_sale

C = TypeVar("C", bound=BaseModel)
OutcomeWork = Callable[[LedgerTx], Outcome]
PathKey = str | int | uuid.UUID
"""A path parameter naming what an operation acts on: a reservation, a job, a line, a position."""

DEFAULT_TTL_SECONDS: int = LedgerSettings.model_fields["reservation_ttl_seconds"].default


@cache
def packaged_policy() -> PolicySource:
    """The routing policy shipped with the ledger, read once."""
    return PolicySource(None)


@dataclass(frozen=True, slots=True)
class OperationContext:
    """What the ledger process adds to a request: how long a reservation that names no time
    limit holds, and the routing policy in force (by default those of default settings)."""

    default_ttl: int = DEFAULT_TTL_SECONDS
    policy: PolicySource = field(default_factory=packaged_policy)


@dataclass(frozen=True, slots=True)
class OperationCall(Generic[C]):
    """One operation being applied: its transaction, caller, command, path keys and context."""

    tx: LedgerTx
    principal: Principal
    command: C
    keys: Mapping[str, PathKey]
    context: OperationContext

    def key(self, name: str) -> str:
        return str(self.keys[name])

    def routing(self) -> PolicyDocument:
        return self.context.policy.current()


AuditRule = Callable[[OperationCall[C], dict[str, Any]], str]
"""Where a successful operation is audited, given the call and its reply body."""


@dataclass(frozen=True, slots=True)
class OperationSpec(Generic[C]):
    """One ledger operation: everything the generic unit of work needs to know about it."""

    op: str
    """The ``op`` of its bulk push entries, and the operation its request fingerprint names."""
    command: type[C]
    """The body of its single endpoint; its bulk form subclasses it and carries the path keys."""
    name: str | Callable[[C], str]
    """What the audit log calls it (a function of the command when that decides it)."""
    apply: Callable[[OperationCall[C]], dict[str, Any]]
    """The service that checks the caller's permission and applies it; returns the reply body."""
    path: tuple[str, ...] = ()
    """The path parameters that name its target, in the order the fingerprint joins them."""
    success_status: int = 200
    audit_location: AuditRule[C] | None = None
    """Where a success is audited; None: the caller's own location."""
    records_fact: Callable[[C], bool] | None = None
    """True for a command that records what already happened on the shop floor (a sale, a
    receipt, a count): applied even when the ledger does not know the person who sends it."""

    def audit_name(self, command: C) -> str:
        return self.name if isinstance(self.name, str) else self.name(command)


def _acted_at(principal: Principal, locations: set[str]) -> str:
    """The location an operation is audited under: the one it acted on, when there is one."""
    return next(iter(locations)) if len(locations) == 1 else principal.location


_FACT_LINES = frozenset({MovementKind.SALE, MovementKind.RECEIPT, MovementKind.RETURN})


def _only_facts(batch: MovementBatch) -> bool:
    return all(line.kind in _FACT_LINES for line in batch.lines)


def _movement_location(call: OperationCall[MovementBatch], _body: dict[str, Any]) -> str:
    lines = call.command.lines
    return _acted_at(
        call.principal,
        {line.from_location if isinstance(line, TransferLine) else line.location for line in lines},
    )


def _held_location(call: OperationCall[ReservationCreate], _body: dict[str, Any]) -> str:
    return _acted_at(call.principal, {line.location for line in call.command.lines})


def _reservation_owner(_call: OperationCall[Any], body: dict[str, Any]) -> str:
    return str(body["owner_location"])


def _commanded_location(call: OperationCall[Any], _body: dict[str, Any]) -> str:
    """Audited at the location the command names (a count's, a return's, a write-off's)."""
    return str(call.command.location)


def _position_location(call: OperationCall[SafetyStockSet], _body: dict[str, Any]) -> str:
    return call.key("location")


def _job_location(_call: OperationCall[Any], body: dict[str, Any]) -> str:
    job = body.get("job", body)
    return str(job["location"])


def _offer_location(_call: OperationCall[Any], body: dict[str, Any]) -> str:
    return str(body["offer"]["location"])


def _body_field(name: str) -> AuditRule[Any]:
    """Audited at the location the reply names in ``name`` (a delivery's destination, the end
    of a transfer that acted)."""
    return lambda _call, body: str(body[name])


def _always(_command: Any) -> bool:
    return True


OPERATIONS: dict[str, OperationSpec[Any]] = {
    spec.op: spec
    for spec in (
        OperationSpec(
            op="movements",
            command=MovementBatch,
            name="movements",
            apply=lambda call: apply_movements(
                call.tx, call.principal, call.command, call.routing().counter
            ),
            success_status=201,
            audit_location=_movement_location,
            records_fact=_only_facts,
        ),
        OperationSpec(
            op="reserve",
            command=ReservationCreate,
            name="reservation.create",
            apply=lambda call: create_reservation(
                call.tx, call.principal, call.command, call.context.default_ttl
            ),
            success_status=201,
            audit_location=_held_location,
        ),
        OperationSpec(
            op="commit",
            command=ReservationCommit,
            name="reservation.commit",
            path=("reservation_id",),
            apply=lambda call: commit_reservation(
                call.tx, call.principal, call.key("reservation_id"), call.command
            ),
            audit_location=_reservation_owner,
        ),
        OperationSpec(
            op="release",
            command=ReservationRelease,
            name="reservation.release",
            path=("reservation_id",),
            apply=lambda call: release_reservation(
                call.tx, call.principal, call.key("reservation_id"), str(call.command.op_id)
            ),
            audit_location=_reservation_owner,
        ),
        OperationSpec(
            op="count",
            command=CountIn,
            name="count",
            apply=lambda call: record_count(call.tx, call.principal, call.command),
            success_status=201,
            audit_location=_commanded_location,
            records_fact=_always,
        ),
        OperationSpec(
            op="safety_stock",
            command=SafetyStockSet,
            name="safety_stock.set",
            path=("location", "sku"),
            apply=lambda call: set_safety_stock(
                call.tx, call.principal, call.key("sku"), call.key("location"), call.command
            ),
            audit_location=_position_location,
        ),
        OperationSpec(
            op="order",
            command=OrderCreate,
            name="order.place",
            apply=lambda call: place_order(call.tx, call.principal, call.command, call.routing()),
            success_status=201,
        ),
        OperationSpec(
            op="job_transition",
            command=JobTransition,
            name=lambda command: f"job.{command.to.value}",
            path=("job_id",),
            apply=lambda call: transition_job(
                call.tx, call.principal, call.key("job_id"), call.command, call.routing()
            ),
            audit_location=_job_location,
        ),
        OperationSpec(
            op="reject_line",
            command=LineRejection,
            name="job.reject_line",
            path=("job_id", "line_no"),
            apply=lambda call: reject_line(
                call.tx,
                call.principal,
                call.key("job_id"),
                int(call.key("line_no")),
                call.command,
                call.routing(),
            ),
            audit_location=_job_location,
        ),
        OperationSpec(
            op="take_over_job",
            command=JobTakeOver,
            name="job.take_over",
            path=("job_id",),
            apply=lambda call: take_over_job(
                call.tx, call.principal, call.key("job_id"), call.command, call.routing()
            ),
            audit_location=_job_location,
        ),
        OperationSpec(
            op="claim_offer",
            command=OfferClaim,
            name="offer.claim",
            path=("offer_id",),
            apply=lambda call: claim_offer(
                call.tx, call.principal, call.key("offer_id"), call.command, call.routing()
            ),
            audit_location=_offer_location,
        ),
        OperationSpec(
            op="announce_delivery",
            command=InboundDeliveryCreate,
            name="delivery.announce",
            apply=lambda call: announce_delivery(call.tx, call.principal, call.command),
            success_status=201,
            audit_location=_body_field("destination"),
        ),
        OperationSpec(
            op="cancel_delivery",
            command=InboundDeliveryCancel,
            name="delivery.cancel",
            path=("delivery_id",),
            apply=lambda call: cancel_delivery(
                call.tx, call.principal, call.key("delivery_id"), call.command, call.routing()
            ),
            audit_location=_body_field("destination"),
        ),
        OperationSpec(
            op="receive_delivery",
            command=DeliveryReceipt,
            name="delivery.receive",
            apply=lambda call: receive_delivery(
                call.tx, call.principal, call.command, call.routing()
            ),
            audit_location=_body_field("destination"),
            records_fact=_always,
        ),
        OperationSpec(
            op="request_transfer",
            command=TransferRequest,
            name="transfer.request",
            apply=lambda call: request_transfer(
                call.tx, call.principal, call.command, call.routing()
            ),
            success_status=201,
            audit_location=_body_field("to_location"),
        ),
        OperationSpec(
            op="send_transfer",
            command=TransferShipment,
            name="transfer.send",
            path=("transfer_id",),
            apply=lambda call: send_transfer(
                call.tx, call.principal, call.key("transfer_id"), call.command, call.routing()
            ),
            audit_location=_body_field("from_location"),
            records_fact=_always,
        ),
        OperationSpec(
            op="receive_transfer",
            command=TransferArrival,
            name="transfer.receive",
            path=("transfer_id",),
            apply=lambda call: receive_transfer(
                call.tx, call.principal, call.key("transfer_id"), call.command, call.routing()
            ),
            audit_location=_body_field("to_location"),
            records_fact=_always,
        ),
        OperationSpec(
            op="replenishment_transfer",
            command=ReplenishmentTransfer,
            name="transfer.request",
            path=("location",),
            apply=lambda call: replenishment_transfer(
                call.tx, call.principal, call.key("location"), call.command, call.routing()
            ),
            success_status=201,
            audit_location=_body_field("to_location"),
        ),
        OperationSpec(
            op="cancel_transfer",
            command=TransferCancel,
            name="transfer.cancel",
            path=("transfer_id",),
            apply=lambda call: cancel_transfer(
                call.tx, call.principal, call.key("transfer_id"), call.command, call.routing()
            ),
        ),
        OperationSpec(
            op="customer_return",
            command=CustomerReturn,
            name="return.record",
            apply=lambda call: record_return(call.tx, call.principal, call.command, call.routing()),
            success_status=201,
            audit_location=_commanded_location,
            records_fact=_always,
        ),
        OperationSpec(
            op="void_sale",
            command=SaleVoid,
            name="sale.void",
            apply=lambda call: void_sale(call.tx, call.principal, call.command),
            success_status=201,
            audit_location=_body_field("location"),
        ),
        OperationSpec(
            op="move_disposition",
            command=DispositionMove,
            name="stock.set_aside",
            apply=lambda call: move_disposition(call.tx, call.principal, call.command),
            success_status=201,
            audit_location=_commanded_location,
        ),
        OperationSpec(
            op="supplier_stock",
            command=SupplierStock,
            name="supplier.stock",
            path=("code",),
            apply=lambda call: state_supplier_stock(
                call.tx, call.principal, call.key("code"), call.command
            ),
            audit_location=lambda call, _body: call.key("code"),
        ),
        OperationSpec(
            op="write_off",
            command=WriteOff,
            name="stock.write_off",
            apply=lambda call: write_off(call.tx, call.principal, call.command),
            success_status=201,
            audit_location=_commanded_location,
        ),
    )
}


def operation_work(
    op_type: str,
    principal: Principal,
    command: BaseModel,
    context: OperationContext | None = None,
    **keys: PathKey,
) -> OutcomeWork:
    """The writer's unit of work for one operation of type ``op_type``, applied exactly once.

    ``keys`` are its path parameters (``reservation_id=...``), exactly those its spec names.
    """
    spec = OPERATIONS[op_type]
    if not isinstance(command, spec.command):
        raise TypeError(f"a {op_type} operation takes a {spec.command.__name__}")
    if set(keys) != set(spec.path):
        raise TypeError(f"a {op_type} operation is named by {spec.path}, not {tuple(keys)}")
    target = "|".join(str(keys[name]) for name in spec.path)
    fingerprint = request_fingerprint(op_type, target, command, principal.location)
    chosen = context or OperationContext()

    def work(tx: LedgerTx) -> Outcome:
        acting = with_person_checked(tx.connection, principal)
        call = OperationCall(tx, acting, command, keys, chosen)
        rule = spec.audit_location
        return run_idempotent(
            tx,
            principal=acting,
            op_id=str(getattr(command, "op_id")),  # noqa: B009 - every command carries one
            operation=spec.audit_name(command),
            fingerprint=fingerprint,
            apply=partial(_apply_as, spec, call),
            success_status=spec.success_status,
            audit_location=None if rule is None else partial(rule, call),
        )

    return work


def _apply_as(spec: OperationSpec[C], call: OperationCall[C]) -> dict[str, Any]:
    """Apply, unless the person behind it is unknown to the ledger here and the operation is
    more than a record of what already happened (a sale is never refused for who made it)."""
    if call.principal.person_unverified and not (
        spec.records_fact is not None and spec.records_fact(call.command)
    ):
        raise refuse_unverified_person(call.principal)
    return spec.apply(call)


def pushed_work(
    principal: Principal, op: Operation, context: OperationContext | None = None
) -> OutcomeWork:
    """The unit of work for one entry of a store's bulk push, found by its ``op``; made by the
    person it names (else by whoever the request named)."""
    spec = OPERATIONS[op.op]
    acting = principal if op.person is None else replace(principal, person=op.person)
    return operation_work(
        op.op, acting, op, context, **{name: getattr(op, name) for name in spec.path}
    )


def expiry_work(
    limit: int = 500, policy: PolicyDocument | None = None
) -> Callable[[LedgerTx], int]:
    """Expire the reservations whose time is up; those open jobs hold are renewed for the
    policy's ``hold_hours``."""
    job_hold = DEFAULT_JOB_HOLD if policy is None else timedelta(hours=policy.routing.hold_hours)

    def work(tx: LedgerTx) -> int:
        return expire_due(tx, limit=limit, job_hold=job_hold)

    return work


def no_show_work(policy: PolicyDocument, limit: int = 100) -> Callable[[LedgerTx], int]:
    """End the ready collections past their collection deadline (``services.no_shows``)."""

    def work(tx: LedgerTx) -> int:
        return sweep_no_shows(tx, policy, limit=limit)

    return work


def offer_work(policy: PolicyDocument, limit: int = 100) -> Callable[[LedgerTx], int]:
    """Send the offers nobody claimed in time to the next stores (``services.offer_rounds``)."""

    def work(tx: LedgerTx) -> int:
        return sweep_offers(tx, policy, limit=limit)

    return work


def retention_work(retention_days: int) -> Callable[[LedgerTx], int]:
    def work(tx: LedgerTx) -> int:
        return forget_old_outcomes(tx, retention_days)

    return work
