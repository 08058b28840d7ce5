"""The tables of competitive allocation: offers (order lines offered to several stores at once)
and the stores each offer was made to, with how it ended for each.

An offer's lines are kept with it (``lines``, JSON ``[{"line_no", "sku", "qty"}]``) because they
hold no units while open: units are reserved only for the store that claims it, as its job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from ordersync.db.types import UtcDateTime


class OfferRow(SQLModel, table=True):
    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_state_expires", "state", "expires_at"),
        Index("ix_offers_created", "created_at"),
    )
    id: str = Field(primary_key=True, max_length=36)
    order_id: str = Field(index=True, max_length=36)
    round: int
    state: str = Field(max_length=16)
    """An ``OfferState`` value."""
    lines: str = Field(sa_column=Column(Text, nullable=False))
    collect_at: str | None = Field(default=None, max_length=32)
    """Where the customer collects, when the claiming store ships to a collection store."""
    rule_set: str | None = Field(default=None, max_length=64)
    rule: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claimed_by: str | None = Field(default=None, max_length=32)
    job_id: str | None = Field(default=None, max_length=36)


class OfferLocationRow(SQLModel, table=True):
    __tablename__ = "offer_locations"
    __table_args__ = (Index("ix_offer_locations_location_state", "location", "state"),)
    offer_id: str = Field(primary_key=True, max_length=36)
    location: str = Field(primary_key=True, max_length=32)
    rank: int
    """Where routing ranked the location among those offered (1: best placed)."""
    state: str = Field(max_length=16)
    """An ``OfferAnswer`` value."""
    answered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
