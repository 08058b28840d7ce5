"""The tables of stock in motion: suppliers, inbound deliveries, transfers between locations, the
discrepancies their receipts record, the incoming units of each position, and the promises of
incoming units to order lines (future stock).

Documents own their lines; movements remain the only thing that changes on hand. ``incoming``
is kept in the same transaction as the documents, and ``ordersync check`` rebuilds it from them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ordersync.db.types import UtcDateTime

_ROW_ID = BigInteger().with_variant(Integer, "sqlite")


class SupplierRow(SQLModel, table=True):
    """A supplier deliveries may come from."""

    __tablename__ = "suppliers"
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class DeliveryRow(SQLModel, table=True):
    """A purchase order or shipping notice to one location (or a delivery received blind)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("source", "reference", name="uq_deliveries_source_reference"),
        Index("ix_deliveries_destination_state", "destination", "state"),
    )
    id: str = Field(primary_key=True, max_length=36)
    reference: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    source_kind: str = Field(max_length=16)
    source: str = Field(max_length=32)
    destination: str = Field(max_length=32)
    expected_from: datetime = Field(sa_type=UtcDateTime)
    expected_until: datetime = Field(sa_type=UtcDateTime)
    state: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    received_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    received_by_op: str | None = Field(default=None, max_length=36)
    """The operation id of the receipt that closed it: a second receipt is told it came late."""
    import_run: int | None = None
    """The CSV import run that announced it, if any."""


class DeliveryLineRow(SQLModel, table=True):
    __tablename__ = "delivery_lines"
    __table_args__ = (Index("ix_delivery_lines_sku", "sku"),)
    delivery_id: str = Field(primary_key=True, max_length=36)
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=64)
    expected_qty: int = Field(sa_type=BigInteger)
    received_qty: int | None = Field(default=None, sa_type=BigInteger)


class TransferRow(SQLModel, table=True):
    """Units moving from one location to another: requested, sent (in transit), received."""

    __tablename__ = "transfers"
    __table_args__ = (
        Index("ix_transfers_from_state", "from_location", "state"),
        Index("ix_transfers_to_state", "to_location", "state"),
    )
    id: str = Field(primary_key=True, max_length=36)
    from_location: str = Field(max_length=32)
    to_location: str = Field(max_length=32)
    state: str = Field(max_length=16)
    origin: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=200)
    requested_at: datetime = Field(sa_type=UtcDateTime)
    requested_by: str | None = Field(default=None, max_length=32)
    """The staff code of who asked for it, when known."""
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    expected_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    received_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    sent_by_op: str | None = Field(default=None, max_length=36)
    """The operation id of the send: a second send is told which one went first."""
    received_by_op: str | None = Field(default=None, max_length=36)
    cancel_reason: str | None = Field(default=None, max_length=200)
    disposition: str | None = Field(default=None, max_length=16)
    """Units set aside that travel (damaged ones back to the warehouse); None: units on sale."""


class TransferLineRow(SQLModel, table=True):
    __tablename__ = "transfer_lines"
    __table_args__ = (Index("ix_transfer_lines_sku", "sku"),)
    transfer_id: str = Field(primary_key=True, max_length=36)
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=64)
    requested_qty: int = Field(sa_type=BigInteger)
    sent_qty: int | None = Field(default=None, sa_type=BigInteger)
    received_qty: int | None = Field(default=None, sa_type=BigInteger)


class DiscrepancyRow(SQLModel, table=True):
    """What a document said against what moved, for one SKU, with the reason given."""

    __tablename__ = "discrepancies"
    __table_args__ = (
        Index("ix_discrepancies_document", "document_kind", "document_id"),
        Index("ix_discrepancies_location_recorded", "location", "recorded_at"),
    )
    id: int | None = Field(
        default=None, sa_column=Column(_ROW_ID, primary_key=True, autoincrement=True)
    )
    document_kind: str = Field(max_length=16)
    document_id: str = Field(max_length=36)
    op_id: str = Field(max_length=36)
    location: str = Field(max_length=32)
    sku: str = Field(max_length=64)
    kind: str = Field(max_length=24)
    expected: int = Field(sa_type=BigInteger)
    actual: int = Field(sa_type=BigInteger)
    reason: str = Field(max_length=16)
    person: str | None = Field(default=None, max_length=32)
    recorded_at: datetime = Field(sa_type=UtcDateTime)


class IncomingRow(SQLModel, table=True):
    """A position's units on their way, kept with the documents: on order (deliveries not yet
    received), in transit (transfers sent, not yet received), and promised to order lines."""

    __tablename__ = "incoming"
    __table_args__ = (Index("ix_incoming_location_sku", "location", "sku"),)
    sku: str = Field(primary_key=True, max_length=64)
    location: str = Field(primary_key=True, max_length=32)
    on_order: int = Field(sa_type=BigInteger)
    in_transit: int = Field(sa_type=BigInteger)
    promised: int = Field(sa_type=BigInteger)
    next_expected_from: datetime | None = Field(default=None, sa_type=UtcDateTime)
    next_expected_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    seq: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class FutureHoldRow(SQLModel, table=True):
    """Units of a delivery or transfer promised to an order line before they arrive."""

    __tablename__ = "future_holds"
    __table_args__ = (
        Index("ix_future_holds_document", "document_kind", "document_id", "state"),
        Index("ix_future_holds_order", "order_id"),
    )
    id: int | None = Field(
        default=None, sa_column=Column(_ROW_ID, primary_key=True, autoincrement=True)
    )
    order_id: str = Field(max_length=36)
    order_line_no: int
    sku: str = Field(max_length=64)
    location: str = Field(max_length=32)
    qty: int = Field(sa_type=BigInteger)
    document_kind: str = Field(max_length=16)
    document_id: str = Field(max_length=36)
    expected_at: datetime = Field(sa_type=UtcDateTime)
    state: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    outcome: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """What happened when it ended, as a person reads it (the job created, or why re-routed)."""
