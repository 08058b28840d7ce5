"""The ledger's tables. Movements and the audit log are append-only (triggers enforce it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ordersync.db.name_list import NameList
from ordersync.db.types import UtcDateTime

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
_ROW_ID = BigInteger().with_variant(Integer, "sqlite")


class LedgerMeta(SQLModel, table=True):
    """Key/value facts about this ledger database (its id, the feed counter)."""

    __tablename__ = "ledger_meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class FeedCounter(SQLModel, table=True):
    """One row; taken last in every write transaction so feed positions follow commit order."""

    __tablename__ = "feed_counter"
    id: int = Field(primary_key=True)
    last_seq: int = Field(sa_column=Column(BigInteger, nullable=False))


class LocationRow(SQLModel, table=True):
    """A store, a warehouse or a drop-ship supplier."""

    __tablename__ = "locations"
    code: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64)
    latitude: float
    longitude: float
    fulfils_web_orders: bool
    daily_job_capacity: int
    default_safety_stock: int
    updated_at: datetime = Field(sa_type=UtcDateTime)
    groups: list[str] = Field(default_factory=list, sa_column=Column(NameList, nullable=True))
    """The location groups routing rules may ask for (stored comma-separated)."""
    ship_cost_minor: int = Field(
        default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"}
    )
    lead_time_days: int | None = None
    """A drop-ship supplier's days before it ships (None: not a supplier, or ships at once)."""


class ItemRow(SQLModel, table=True):
    """A sellable variant (SKU) of a reference."""

    __tablename__ = "items"
    sku: str = Field(primary_key=True, max_length=64)
    reference: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    size: str = Field(max_length=32)
    size_row: str | None = Field(default=None, max_length=16)
    size_column: str | None = Field(default=None, max_length=16)
    colour: str = Field(max_length=64)
    price_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class BarcodeRow(SQLModel, table=True):
    """A GTIN printed on a SKU's label; one SKU may have several."""

    __tablename__ = "item_barcodes"
    gtin: str = Field(primary_key=True, max_length=14)
    sku: str = Field(index=True, max_length=64)


class PositionRow(SQLModel, table=True):
    """Materialised stock of (sku, location), kept in the same transaction as its movements."""

    __tablename__ = "positions"
    __table_args__ = (
        Index("ix_positions_location_sku", "location", "sku"),
        Index(
            "ix_positions_suspect_location",
            "location",
            sqlite_where=text("suspect"),
            postgresql_where=text("suspect"),
        ),
    )
    sku: str = Field(primary_key=True, max_length=64)
    location: str = Field(primary_key=True, max_length=32)
    on_hand: int = Field(sa_type=BigInteger)
    reserved: int = Field(sa_type=BigInteger)
    safety_stock: int = Field(sa_type=BigInteger)
    suspect: bool
    seq: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    unavailable: int = Field(
        default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"}
    )
    """Units set aside (damaged, display, quarantine): on hand, never available."""


class SkuTotalRow(SQLModel, table=True):
    """Network totals of one SKU; ``available`` sums only positive per-location availability."""

    __tablename__ = "sku_totals"
    sku: str = Field(primary_key=True, max_length=64)
    on_hand: int = Field(sa_type=BigInteger)
    reserved: int = Field(sa_type=BigInteger)
    available: int = Field(sa_type=BigInteger)
    seq: int = Field(sa_type=BigInteger)


class MovementRow(SQLModel, table=True):
    """An immutable ledger entry. ``qty`` is the signed change to on-hand."""

    __tablename__ = "movements"
    __table_args__ = (Index("ix_movements_position_seq", "sku", "location", "seq"),)
    id: int | None = Field(
        default=None, sa_column=Column(_ROW_ID, primary_key=True, autoincrement=True)
    )
    seq: int = Field(sa_type=BigInteger, unique=True)
    op_id: str = Field(index=True, max_length=36)
    kind: str = Field(max_length=16)
    sku: str = Field(max_length=64)
    location: str = Field(max_length=32)
    qty: int = Field(sa_type=BigInteger)
    reason: str | None = Field(default=None, max_length=200)
    reservation_id: str | None = Field(default=None, max_length=36)
    actor: int
    device: str = Field(max_length=64)
    person: str | None = Field(default=None, max_length=32)
    """The staff code of who did it, when a person was signed in on the device."""
    disposition: str | None = Field(default=None, max_length=16)
    """The unavailable disposition whose units it moved; None: units on sale."""
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    recorded_at: datetime = Field(sa_type=UtcDateTime)


class ReservationRow(SQLModel, table=True):
    """A hold on units; ends exactly once (committed, released or expired)."""

    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservations_state_expires", "state", "expires_at"),)
    id: str = Field(primary_key=True, max_length=36)
    owner_location: str = Field(max_length=32)
    state: str = Field(max_length=16)
    order_ref: str | None = Field(default=None, max_length=64)
    actor: int
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ended_by_op: str | None = Field(default=None, max_length=36)


class ReservationLineRow(SQLModel, table=True):
    __tablename__ = "reservation_lines"
    __table_args__ = (Index("ix_reservation_lines_position", "sku", "location"),)
    reservation_id: str = Field(primary_key=True, max_length=36)
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=64)
    location: str = Field(max_length=32)
    qty: int = Field(sa_type=BigInteger)
    committed_qty: int = Field(sa_type=BigInteger)


class IdempotencyRow(SQLModel, table=True):
    """The first outcome of an operation id, replayed for every later copy of the same request."""

    __tablename__ = "idempotency"
    op_id: str = Field(primary_key=True, max_length=36)
    request_hash: str = Field(max_length=64)
    token_id: int
    status_code: int
    response: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UtcDateTime, index=True)


class ChangeRow(SQLModel, table=True):
    """The compacted change feed: one row per key, moved to a new ``seq`` at each change."""

    __tablename__ = "changes"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_changes_kind_key"),
        Index("ix_changes_scope_seq", "scope", "seq"),
    )
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=16)
    key: str = Field(max_length=128)
    scope: str = Field(max_length=32)
    """Empty for changes every store needs; a location code for that location's own rows."""
    payload: str = Field(sa_column=Column(Text, nullable=False))


class TokenRow(SQLModel, table=True):
    """A device token, stored as its SHA-256 hash."""

    __tablename__ = "device_tokens"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    location: str = Field(max_length=32)
    role: str = Field(max_length=16)
    device: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """When the token last authenticated a request, to the minute (see ``TokenCache``)."""


class AuditRow(SQLModel, table=True):
    """One row per applied change: who, from where, under which operation id, at what time."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_location_id", "location", "id"),
        Index("ix_audit_person_id", "person", "id"),
    )
    id: int | None = Field(
        default=None, sa_column=Column(_ROW_ID, primary_key=True, autoincrement=True)
    )
    op_id: str | None = Field(default=None, index=True, max_length=36)
    operation: str = Field(max_length=32)
    actor: int
    role: str = Field(max_length=16)
    location: str = Field(max_length=32)
    device: str = Field(max_length=64)
    person: str | None = Field(default=None, max_length=32)
    """The staff code of who did it, when a person was signed in on the device."""
    recorded_at: datetime = Field(sa_type=UtcDateTime)
    detail: str = Field(sa_column=Column(Text, nullable=False))


class OrderRow(SQLModel, table=True):
    """An order from the web site or a store; its id is the operation id that placed it."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_placed_by_created", "placed_by", "created_at"),)
    id: str = Field(primary_key=True, max_length=36)
    channel: str = Field(max_length=8)
    placed_by: str = Field(max_length=32)
    external_ref: str | None = Field(default=None, max_length=64)
    customer: str = Field(sa_column=Column(Text, nullable=False))
    delivery: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    promised_by: datetime | None = Field(default=None, sa_type=UtcDateTime)


class OrderLineRow(SQLModel, table=True):
    """routed, unfulfillable, shipped, collected or cancelled: a line is never simply lost."""

    __tablename__ = "order_lines"
    __table_args__ = (Index("ix_order_lines_state", "state"),)
    order_id: str = Field(primary_key=True, max_length=36)
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=64)
    qty: int
    state: str = Field(max_length=16)
    returned_qty: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Units of the line the customer brought back, at any store."""
    cancel_reason: str | None = Field(default=None, max_length=32)
    """Why the line was cancelled (a ``CancelReason``); None while it is not, or from before
    reasons were recorded."""


class JobRow(SQLModel, table=True):
    """A location's part of an order."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_location_state", "location", "state"),
        Index("ix_jobs_location_created", "location", "created_at"),
        Index("ix_jobs_location_updated", "location", "updated_at"),
        Index("ix_jobs_state_collect_by", "state", "collect_by"),
    )
    id: str = Field(primary_key=True, max_length=36)
    order_id: str = Field(index=True, max_length=36)
    location: str = Field(max_length=32)
    kind: str = Field(max_length=8)
    state: str = Field(max_length=16)
    destination: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: int
    parcels: int | None = None
    weight_grams: int | None = None
    tracking: str | None = Field(default=None, max_length=64)
    held_by_device: str | None = Field(default=None, max_length=64)
    """The device picking the job (the first to start it, or a manager who took it over)."""
    held_by_person: str | None = Field(default=None, max_length=32)
    held_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    state_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """When the job entered its current state (None: read ``updated_at``)."""
    ready_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    collect_by: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """A ready collection's deadline: past it, the job ends as a no-show."""
    cancel_reason: str | None = Field(default=None, max_length=32)


class JobLineRow(SQLModel, table=True):
    """One order line's units at the job's location, held by their own reservation."""

    __tablename__ = "job_lines"
    job_id: str = Field(primary_key=True, max_length=36)
    line_no: int = Field(primary_key=True)
    order_line_no: int
    sku: str = Field(max_length=64)
    qty: int
    reservation_id: str = Field(max_length=36)
    state: str = Field(max_length=16)
    reject_reason: str | None = Field(default=None, max_length=16)
    rejected_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """When the line was short-picked; its job's ``updated_at`` moves with it."""


class RoutingDecisionRow(SQLModel, table=True):
    """Why an order (or a re-routed line) went where it went, as shown to people."""

    __tablename__ = "routing_decisions"
    id: int | None = Field(
        default=None, sa_column=Column(_ROW_ID, primary_key=True, autoincrement=True)
    )
    order_id: str = Field(index=True, max_length=36)
    trigger: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UtcDateTime)
    explanation: str = Field(sa_column=Column(Text, nullable=False))


class CountTaskRow(SQLModel, table=True):
    """A request to count a position: after a short pick, a sale below zero, or on schedule."""

    __tablename__ = "count_tasks"
    __table_args__ = (Index("ix_count_tasks_location_open", "location", "closed_at"),)
    id: int | None = Field(
        default=None, sa_column=Column(_ROW_ID, primary_key=True, autoincrement=True)
    )
    sku: str = Field(max_length=64)
    location: str = Field(max_length=32)
    reason: str = Field(max_length=32)
    opened_at: datetime = Field(sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class PositionDayRow(SQLModel, table=True):
    """One position's day, in its location's time zone: units sold, returned, received, sent, and
    the stock it closed on. Kept in the movement's transaction so reports never scan movements."""

    __tablename__ = "position_days"
    __table_args__ = (Index("ix_position_days_location_day", "location", "day"),)
    sku: str = Field(primary_key=True, max_length=64)
    location: str = Field(primary_key=True, max_length=32)
    day: str = Field(primary_key=True, max_length=10)
    """The location-local calendar date, ISO 8601 (YYYY-MM-DD): sorts and compares as text."""
    sold_units: int = Field(sa_type=BigInteger)
    """Units that left to customers: counter sales and shipped or collected orders."""
    returned_units: int = Field(sa_type=BigInteger)
    received_units: int = Field(sa_type=BigInteger)
    """Receipts and transfers in."""
    sent_units: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    """Transfers out: units sent to other locations (a warehouse's demand includes them)."""
    closing_on_hand: int = Field(sa_type=BigInteger)
    min_on_hand: int = Field(sa_type=BigInteger)
    last_occurred_at: datetime = Field(sa_type=UtcDateTime)


class CountResultRow(SQLModel, table=True):
    """What a count found against what the ledger expected at that moment (the variance)."""

    __tablename__ = "count_results"
    __table_args__ = (
        Index("ix_count_results_location_counted", "location", "counted_at"),
        Index("ix_count_results_position", "sku", "location"),
    )
    id: int | None = Field(
        default=None, sa_column=Column(_ROW_ID, primary_key=True, autoincrement=True)
    )
    op_id: str = Field(max_length=36)
    sku: str = Field(max_length=64)
    location: str = Field(max_length=32)
    counted_at: datetime = Field(sa_type=UtcDateTime)
    as_of_seq: int = Field(sa_type=BigInteger)
    expected: int = Field(sa_type=BigInteger)
    counted: int = Field(sa_type=BigInteger)
    delta: int = Field(sa_type=BigInteger)
    unit_price_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    reason: str = Field(max_length=32)
    """The count task it answered (short_pick, below_zero, cycle), or ``unplanned``."""


class DeviceStatusRow(SQLModel, table=True):
    """A store device's last report of itself: when it was last seen and what waits on it."""

    __tablename__ = "device_status"
    __table_args__ = (Index("ix_device_status_location", "location"),)
    token_id: int = Field(primary_key=True)
    location: str = Field(max_length=32)
    device: str = Field(max_length=64)
    role: str = Field(max_length=16)
    last_seen_at: datetime = Field(sa_type=UtcDateTime)
    pending_ops: int
    needs_attention: int
    oldest_pending_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    app_version: str = Field(max_length=32)


class StaffRow(SQLModel, table=True):
    """A person who works at a location: their role, and a verifier of their PIN (never the PIN)."""

    __tablename__ = "staff"
    __table_args__ = (Index("ix_staff_location", "location"),)
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    location: str = Field(max_length=32)
    pin_verifier: str = Field(max_length=200)
    active: bool
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class StaffSignInFailureRow(SQLModel, table=True):
    """Wrong PINs in a row for one person on one device, and until when they are locked out."""

    __tablename__ = "staff_sign_in_failures"
    code: str = Field(primary_key=True, max_length=32)
    token_id: int = Field(primary_key=True)
    failures: int
    last_failure_at: datetime = Field(sa_type=UtcDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
