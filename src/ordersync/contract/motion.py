"""Stock in motion on the wire: suppliers, inbound deliveries and their receipt, transfers between
locations (requested, sent, received), the discrepancies they record and the incoming units a
position expects.

A delivery or transfer owns its lines and its discrepancies; only movements change stock. Units
announced by a delivery are *on order* at its destination; units of a sent transfer are *in
transit*, on neither shelf; both are *incoming* at the destination, with an arrival window.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from ordersync.contract.types import (
    MAX_BATCH_LINES,
    CountedQuantity,
    EventTime,
    LocationCode,
    Name,
    OpId,
    Quantity,
    Reply,
    Sku,
    Strict,
)
from ordersync.contract.vocabulary import (
    DeliveryState,
    DiscrepancyKind,
    DiscrepancyReason,
    Disposition,
    DocumentKind,
    InboundKind,
    SourceKind,
    TransferOrigin,
    TransferState,
)

DocumentReference = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
]
"""The number a buyer or an ERP gives a purchase order or a shipping notice."""
SupplierCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Z0-9][A-Z0-9_-]*$")
]

# --- Suppliers -------------------------------------------------------------------------------


class SupplierIn(Strict):
    name: Name


class Supplier(Reply):
    code: str
    name: str
    updated_at: datetime


# --- Deliveries ------------------------------------------------------------------------------


class DocumentLineIn(Strict):
    sku: Sku
    qty: Quantity


class InboundDeliveryCreate(Strict):
    """A purchase order or advance shipping notice: units on their way to ``destination``.

    ``op_id`` becomes the delivery's id; ``reference`` (the ERP's number) is unique per source.
    """

    op_id: OpId
    reference: DocumentReference
    kind: InboundKind = InboundKind.SHIPPING_NOTICE
    source_kind: SourceKind
    source: LocationCode
    """A supplier code, or the code of the warehouse or store that sends it."""
    destination: LocationCode
    expected_from: EventTime
    expected_until: EventTime
    lines: Annotated[list[DocumentLineIn], Field(min_length=1, max_length=MAX_BATCH_LINES)]

    @model_validator(mode="after")
    def _window_in_order(self) -> InboundDeliveryCreate:
        if self.expected_until < self.expected_from:
            raise ValueError("expected_until is before expected_from")
        if self.kind is InboundKind.UNANNOUNCED:
            raise ValueError("an announced delivery is a purchase_order or a shipping_notice")
        return self


class InboundDeliveryCancel(Strict):
    op_id: OpId
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ScannedLine(Strict):
    """Units of one SKU counted by scan; ``reason`` explains a difference from the document."""

    sku: Sku
    qty: CountedQuantity
    reason: DiscrepancyReason | None = None


class DeliveryReceipt(Strict):
    """What a store counted when it closed the receipt of a delivery.

    With no ``delivery_id`` the delivery is received blind (nothing announced it): ``source``
    and ``reference`` say what the paperwork said, and the receipt is flagged.
    """

    op_id: OpId
    delivery_id: uuid.UUID | None = None
    location: LocationCode
    lines: Annotated[list[ScannedLine], Field(max_length=MAX_BATCH_LINES)]
    occurred_at: EventTime | None = None
    source_kind: SourceKind | None = None
    source: LocationCode | None = None
    reference: DocumentReference | None = None

    @model_validator(mode="after")
    def _blind_needs_units(self) -> DeliveryReceipt:
        if self.delivery_id is None and not any(line.qty for line in self.lines):
            raise ValueError("a delivery received blind needs at least one unit")
        return self


class Discrepancy(Reply):
    """What a document said against what moved, for one SKU."""

    document_kind: DocumentKind
    document_id: uuid.UUID
    location: str
    """Where it was found: the receiving location, or the source of a short send."""
    sku: str
    kind: DiscrepancyKind
    expected: int
    actual: int
    reason: DiscrepancyReason
    recorded_at: datetime
    person: str | None = None


class InboundDeliveryLine(Reply):
    line_no: int
    sku: str
    expected_qty: int
    received_qty: int | None
    """None until the delivery is received."""


class InboundDelivery(Reply):
    id: uuid.UUID
    reference: str
    kind: InboundKind
    source_kind: SourceKind
    source: str
    destination: str
    expected_from: datetime
    expected_until: datetime
    state: DeliveryState
    lines: list[InboundDeliveryLine]
    created_at: datetime
    updated_at: datetime
    received_at: datetime | None = None
    discrepancies: list[Discrepancy] = []


class InboundDeliveryList(Reply):
    deliveries: list[InboundDelivery]


# --- Transfers -------------------------------------------------------------------------------


class TransferRequest(Strict):
    """Ask for units to move from one location to another; ``op_id`` becomes the transfer's id."""

    op_id: OpId
    from_location: LocationCode
    to_location: LocationCode
    lines: Annotated[list[DocumentLineIn], Field(min_length=1, max_length=MAX_BATCH_LINES)]
    origin: TransferOrigin = TransferOrigin.MANUAL
    note: Annotated[str, StringConstraints(max_length=200)] | None = None
    disposition: Disposition = Disposition.SELLABLE
    """Which units travel: on sale, or units set aside (damaged ones returned to the warehouse);
    they leave that disposition at the source and arrive in it at the destination."""

    @model_validator(mode="after")
    def _two_places(self) -> TransferRequest:
        if self.from_location == self.to_location:
            raise ValueError("a transfer goes from one location to another")
        return self


class TransferShipment(Strict):
    """What the source picked by scan and sent: the units leave its shelf and are in transit."""

    op_id: OpId
    lines: Annotated[list[ScannedLine], Field(max_length=MAX_BATCH_LINES)]
    occurred_at: EventTime | None = None


class TransferArrival(Strict):
    """What the destination counted by scan on arrival."""

    op_id: OpId
    lines: Annotated[list[ScannedLine], Field(max_length=MAX_BATCH_LINES)]
    occurred_at: EventTime | None = None


class TransferCancel(Strict):
    op_id: OpId
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TransferLineView(Reply):
    line_no: int
    sku: str
    requested_qty: int
    sent_qty: int | None
    received_qty: int | None


class Transfer(Reply):
    id: uuid.UUID
    from_location: str
    to_location: str
    state: TransferState
    origin: TransferOrigin
    note: str | None = None
    lines: list[TransferLineView]
    requested_at: datetime
    sent_at: datetime | None = None
    expected_at: datetime | None = None
    """When the units should arrive: set when they are sent."""
    received_at: datetime | None = None
    updated_at: datetime
    cancel_reason: str | None = None
    """Why it was called off, when it was."""
    discrepancies: list[Discrepancy] = []
    disposition: Disposition = Disposition.SELLABLE
    """Which units travel: on sale, or units set aside (damaged ones back to the warehouse)."""


class TransferList(Reply):
    transfers: list[Transfer]


# --- Incoming units --------------------------------------------------------------------------


class Arrival(Reply):
    """Units of one SKU expected at one location from one document, with their window."""

    location: str
    sku: str
    qty: int
    document_kind: DocumentKind
    document_id: uuid.UUID
    in_transit: bool
    """Sent by a transfer (on neither shelf); False: announced by a delivery (on order)."""
    source: str
    expected_from: datetime
    expected_until: datetime


class Incoming(Reply):
    """A position's units on their way: on order, in transit, and how many are already promised
    to orders (future stock); the window of the next arrival."""

    sku: str
    location: str
    on_order: int
    in_transit: int
    promised: int
    next_expected_from: datetime | None = None
    next_expected_until: datetime | None = None
    seq: int

    @property
    def incoming(self) -> int:
        return self.on_order + self.in_transit
