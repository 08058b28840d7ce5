"""Orders, their routing and the jobs that fulfil them: what a web site or a store sends to
place an order, what the ledger answers, and what a store sends to move a job along.

A job is a location's part of an order; its state follows the job state machine of
``vocabulary``. A transition names the state the device saw, so a job that has moved on since
is not moved again by a stale screen.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from ordersync.contract.types import LocationCode, Name, OpId, Reply, Sku, Strict
from ordersync.contract.vocabulary import (
    Channel,
    DeliveryKind,
    DocumentKind,
    HoldState,
    JobStateName,
    RejectReason,
)


class OrderLineIn(Strict):
    sku: Sku
    qty: Annotated[int, Field(ge=1, le=100)]


class Customer(Strict):
    """Just enough to reach the customer about the order."""

    name: Name
    email: (
        Annotated[str, StringConstraints(max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")] | None
    ) = None
    phone: (
        Annotated[str, StringConstraints(max_length=32, pattern=r"^[+0-9 ().-]{4,32}$")] | None
    ) = None


class Delivery(Strict):
    """Home delivery to an address with coordinates, or collection at a store."""

    kind: DeliveryKind
    address: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    collect_at: LocationCode | None = None

    @model_validator(mode="after")
    def _complete(self) -> Delivery:
        if self.kind is DeliveryKind.HOME and (
            self.address is None or self.latitude is None or self.longitude is None
        ):
            raise ValueError("home delivery needs an address with latitude and longitude")
        if self.kind is DeliveryKind.COLLECT and self.collect_at is None:
            raise ValueError("collection needs the store it is collected at (collect_at)")
        return self


class OrderCreate(Strict):
    """An order from the web site or placed in a store; its id is ``op_id``."""

    op_id: OpId
    channel: Channel
    external_ref: Annotated[str, StringConstraints(max_length=64)] | None = None
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=50)]
    customer: Customer
    delivery: Delivery


class JobLine(Reply):
    line_no: int
    order_line_no: int
    sku: str
    qty: int
    state: str
    """A ``JobLineState`` value."""
    reject_reason: str | None
    """A ``RejectReason`` value, once the line is rejected."""


class Job(Reply):
    """A location's part of an order."""

    id: uuid.UUID
    order_id: uuid.UUID
    location: str
    kind: str
    """A ``JobKind`` value."""
    state: JobStateName
    destination: str | None
    lines: list[JobLine]
    created_at: datetime
    due_at: datetime
    late: bool
    parcels: int | None
    weight_grams: int | None
    tracking: str | None
    customer_name: str


class OrderLine(Reply):
    line_no: int
    sku: str
    qty: int
    state: str
    """An ``OrderLineState`` value."""
    returned: int = 0
    """Units of the line the customer brought back (at any store)."""


class FutureHold(Reply):
    """Units of a delivery or transfer promised to an order line before they arrive (future
    stock), and what became of the promise."""

    order_line_no: int
    sku: str
    qty: int
    location: str
    """Where the units arrive."""
    document_kind: DocumentKind
    document_id: uuid.UUID
    expected_at: datetime
    state: HoldState
    created_at: datetime
    ended_at: datetime | None = None
    outcome: str | None = None
    """What happened when it ended, as a person reads it (the job created, or why re-routed)."""


class RoutingRecord(Reply):
    """A routing decision as a person can read it: the winner and why each candidate lost."""

    id: int
    trigger: str
    created_at: datetime
    explanation: dict[str, Any]


class Order(Reply):
    id: uuid.UUID
    channel: Channel
    state: str
    """An ``OrderState`` value."""
    external_ref: str | None
    placed_by: str
    customer: dict[str, Any]
    delivery: dict[str, Any]
    lines: list[OrderLine]
    jobs: list[Job]
    routing: list[RoutingRecord]
    created_at: datetime
    promised_by: datetime | None
    holds: list[FutureHold] = []
    """Its promises of incoming units, oldest first: an open one says when its line, awaiting
    stock, is expected; an ended one how it ended."""


class JobTransition(Strict):
    op_id: OpId
    to: JobStateName
    from_state: JobStateName | None = None
    """The state the device saw; if the job has moved on since, the transition is refused."""
    parcels: Annotated[int, Field(ge=1, le=100)] | None = None
    weight_grams: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    tracking: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class LineRejection(Strict):
    """Short pick: the unit is not found, is damaged, or cannot be sent for another reason."""

    op_id: OpId
    reason: RejectReason
    note: Annotated[str, StringConstraints(max_length=200)] | None = None
