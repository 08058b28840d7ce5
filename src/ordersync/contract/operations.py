"""Operations a store pushes in bulk from its outbox: each is the body of a single-operation
endpoint with its ``op`` tag (and the id of what it acts on), answered one by one.

Each operation stands alone: a refusal does not stop the rest, and the answer of each is the
reply the single-operation endpoint would have given.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field

from ordersync.contract.orders import JobTransition, LineRejection, OrderCreate
from ordersync.contract.stock import (
    CountIn,
    MovementBatch,
    ReservationCommit,
    ReservationCreate,
    ReservationRelease,
)
from ordersync.contract.types import Reply, Strict


class MovementsOp(MovementBatch):
    op: Literal["movements"]


class ReserveOp(ReservationCreate):
    op: Literal["reserve"]


class CommitOp(ReservationCommit):
    op: Literal["commit"]
    reservation_id: uuid.UUID


class ReleaseOp(ReservationRelease):
    op: Literal["release"]
    reservation_id: uuid.UUID


class CountOp(CountIn):
    op: Literal["count"]


class PlaceOrderOp(OrderCreate):
    op: Literal["order"]


class JobTransitionOp(JobTransition):
    op: Literal["job_transition"]
    job_id: uuid.UUID


class LineRejectionOp(LineRejection):
    op: Literal["reject_line"]
    job_id: uuid.UUID
    line_no: Annotated[int, Field(ge=1, le=1000)]


Operation = Annotated[
    MovementsOp
    | ReserveOp
    | CommitOp
    | ReleaseOp
    | CountOp
    | PlaceOrderOp
    | JobTransitionOp
    | LineRejectionOp,
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
