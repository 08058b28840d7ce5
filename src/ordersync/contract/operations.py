"""Operations a store pushes in bulk from its outbox: each is the body of a single-operation
endpoint with its ``op`` tag (and the id of what it acts on), answered one by one.

Each operation stands alone: a refusal does not stop the rest, and the answer of each is the
reply the single-operation endpoint would have given.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field

from ordersync.contract.counter import CustomerReturn, DispositionMove, SaleVoid, WriteOff
from ordersync.contract.motion import (
    DeliveryReceipt,
    TransferArrival,
    TransferCancel,
    TransferRequest,
    TransferShipment,
)
from ordersync.contract.offers import OfferClaim
from ordersync.contract.orders import JobTakeOver, JobTransition, LineRejection, OrderCreate
from ordersync.contract.staff import StaffCode
from ordersync.contract.stock import (
    CountIn,
    MovementBatch,
    ReservationCommit,
    ReservationCreate,
    ReservationRelease,
)
from ordersync.contract.types import Reply, Strict


class _Pushed(Strict):
    person: StaffCode | None = None
    """The staff code of the person signed in on the terminal when the operation was made (for
    a manager's action on another's terminal: the manager who entered their PIN)."""


class MovementsOp(MovementBatch, _Pushed):
    op: Literal["movements"]


class ReserveOp(ReservationCreate, _Pushed):
    op: Literal["reserve"]


class CommitOp(ReservationCommit, _Pushed):
    op: Literal["commit"]
    reservation_id: uuid.UUID


class ReleaseOp(ReservationRelease, _Pushed):
    op: Literal["release"]
    reservation_id: uuid.UUID


class CountOp(CountIn, _Pushed):
    op: Literal["count"]


class PlaceOrderOp(OrderCreate, _Pushed):
    op: Literal["order"]


class JobTransitionOp(JobTransition, _Pushed):
    op: Literal["job_transition"]
    job_id: uuid.UUID


class LineRejectionOp(LineRejection, _Pushed):
    op: Literal["reject_line"]
    job_id: uuid.UUID
    line_no: Annotated[int, Field(ge=1, le=1000)]


class TakeOverJobOp(JobTakeOver, _Pushed):
    op: Literal["take_over_job"]
    job_id: uuid.UUID


class ClaimOfferOp(OfferClaim, _Pushed):
    op: Literal["claim_offer"]
    offer_id: uuid.UUID


class ReceiveDeliveryOp(DeliveryReceipt, _Pushed):
    op: Literal["receive_delivery"]


class RequestTransferOp(TransferRequest, _Pushed):
    op: Literal["request_transfer"]


class SendTransferOp(TransferShipment, _Pushed):
    op: Literal["send_transfer"]
    transfer_id: uuid.UUID


class ReceiveTransferOp(TransferArrival, _Pushed):
    op: Literal["receive_transfer"]
    transfer_id: uuid.UUID


class CancelTransferOp(TransferCancel, _Pushed):
    op: Literal["cancel_transfer"]
    transfer_id: uuid.UUID


class CustomerReturnOp(CustomerReturn, _Pushed):
    op: Literal["customer_return"]


class VoidSaleOp(SaleVoid, _Pushed):
    op: Literal["void_sale"]


class MoveDispositionOp(DispositionMove, _Pushed):
    op: Literal["move_disposition"]


class WriteOffOp(WriteOff, _Pushed):
    op: Literal["write_off"]


Operation = Annotated[
    MovementsOp
    | ReserveOp
    | CommitOp
    | ReleaseOp
    | CountOp
    | PlaceOrderOp
    | JobTransitionOp
    | LineRejectionOp
    | TakeOverJobOp
    | ClaimOfferOp
    | ReceiveDeliveryOp
    | RequestTransferOp
    | SendTransferOp
    | ReceiveTransferOp
    | CancelTransferOp
    | CustomerReturnOp
    | VoidSaleOp
    | MoveDispositionOp
    | WriteOffOp,
    Field(discriminator="op"),
]


class OperationsPush(Strict):
    """A store's outbox, in order. Each operation stands alone: a refusal does not stop the rest."""

    ops: Annotated[list[Operation], Field(min_length=1, max_length=500)]


class OperationResult(Reply):
    op_id: uuid.UUID
    status: int
    replayed: bool
    body: dict[str, Any]
    """The reply the single-operation endpoint would give: its result, or a problem document."""


class OperationsResult(Reply):
    results: list[OperationResult]
