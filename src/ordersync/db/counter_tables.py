"""The tables of the counter's other half: the unavailable units of each position by disposition,
customer returns with their lines, and voided counter sales.

Movements remain the only thing that changes stock: a movement's ``disposition`` says which part
of the position it moved, and ``position_dispositions`` is kept in the same transaction (``ordersync
check`` rebuilds it from the movements). A return and a void own their rows; each sale is voided
at most once (``sale_voids`` is keyed by the sale).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ordersync.db.types import UtcDateTime


class PositionDispositionRow(SQLModel, table=True):
    """Units of a position set aside in one disposition (damaged, display, quarantine)."""

    __tablename__ = "position_dispositions"
    sku: str = Field(primary_key=True, max_length=64)
    location: str = Field(primary_key=True, max_length=32)
    disposition: str = Field(primary_key=True, max_length=16)
    units: int = Field(sa_type=BigInteger)


class CustomerReturnRow(SQLModel, table=True):
    """Units a customer brought back to a store; its id is the operation's."""

    __tablename__ = "customer_returns"
    __table_args__ = (
        Index("ix_customer_returns_location_occurred", "location", "occurred_at"),
        Index("ix_customer_returns_order", "order_id"),
        Index("ix_customer_returns_sale", "sale_op_id"),
    )
    id: str = Field(primary_key=True, max_length=36)
    location: str = Field(max_length=32)
    order_id: str | None = Field(default=None, max_length=36)
    sale_op_id: str | None = Field(default=None, max_length=36)
    flags: str = Field(default="", max_length=200)
    """Comma-separated ``ReturnFlag`` values of the whole return (empty: it matched)."""
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    recorded_at: datetime = Field(sa_type=UtcDateTime)
    actor: int
    device: str = Field(max_length=64)
    person: str | None = Field(default=None, max_length=32)


class CustomerReturnLineRow(SQLModel, table=True):
    __tablename__ = "customer_return_lines"
    __table_args__ = (Index("ix_customer_return_lines_sku", "sku"),)
    return_id: str = Field(primary_key=True, max_length=36)
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=64)
    qty: int
    reason: str = Field(max_length=32)
    disposition: str = Field(max_length=16)
    order_line_no: int | None = None
    flags: str = Field(default="", max_length=200)


class SaleVoidRow(SQLModel, table=True):
    """A counter sale taken back; one row per sale, so a second void is found, not posted."""

    __tablename__ = "sale_voids"
    __table_args__ = (UniqueConstraint("void_op_id", name="uq_sale_voids_void_op"),)
    sale_op_id: str = Field(primary_key=True, max_length=36)
    void_op_id: str = Field(max_length=36)
    location: str = Field(max_length=32)
    sold_at: datetime = Field(sa_type=UtcDateTime)
    voided_at: datetime = Field(sa_type=UtcDateTime)
    actor: int
    device: str = Field(max_length=64)
    person: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=200)
