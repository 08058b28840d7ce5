"""Tables of the local cache: the ledger's view (catalog, positions, totals, staff) and the
outbox."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, col

# The cache keeps its own metadata: in one process (tests, the demo) the ledger's tables, some
# with the same names, are registered too.
CACHE_METADATA = MetaData()


class CacheModel(SQLModel, registry=registry(metadata=CACHE_METADATA)):
    """Base of the cache tables. Times are ISO 8601 text in UTC."""


class CacheItem(CacheModel, table=True):
    """A catalog variant as the feed delivered it; ``search_text`` is folded for name search."""

    __tablename__ = "items"
    sku: str = Field(primary_key=True)
    reference: str = Field(index=True)
    name: str
    size: str
    size_row: str | None = None
    size_column: str | None = None
    colour: str
    price_minor: int
    currency: str
    search_text: str
    """Searched with ``LIKE '%word%'``, which no index serves (an index on it only slowed the
    writes of a bootstrap: ``open_cache_engine`` drops the one earlier caches have)."""


# Lookups by SKU and by reference ignore case (``COLLATE NOCASE``, what staff type); the primary
# key and ``ix_items_reference`` compare bytes and cannot serve them, so without these two every
# lookup scanned the whole catalog. ``open_cache_engine`` adds them to caches made before them.
Index("ix_items_sku_nocase", col(CacheItem.sku).collate("NOCASE"))
Index("ix_items_reference_nocase", col(CacheItem.reference).collate("NOCASE"), col(CacheItem.sku))


class CacheBarcode(CacheModel, table=True):
    __tablename__ = "barcodes"
    gtin: str = Field(primary_key=True)
    sku: str = Field(index=True)


class CacheLocation(CacheModel, table=True):
    __tablename__ = "locations"
    code: str = Field(primary_key=True)
    kind: str
    name: str
    timezone: str
    latitude: float
    longitude: float
    fulfils_web_orders: bool


class CachePosition(CacheModel, table=True):
    """This store's own stock as the ledger last reported it (never including unsent sales)."""

    __tablename__ = "positions"
    sku: str = Field(primary_key=True)
    location: str = Field(primary_key=True)
    on_hand: int
    reserved: int
    safety_stock: int
    suspect: bool
    seq: int
    updated_at: str
    unavailable: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Units set aside (damaged, on display, in quarantine): on hand, not for sale."""
    dispositions: str = Field(default="{}", sa_column_kwargs={"server_default": "{}"})
    """Those units per disposition, as the ledger's JSON object."""


class CacheNetworkTotal(CacheModel, table=True):
    __tablename__ = "network_totals"
    sku: str = Field(primary_key=True)
    on_hand: int
    reserved: int
    available: int


class CacheRemotePosition(CacheModel, table=True):
    """Other locations' stock from the last live lookup, kept to answer offline with its age."""

    __tablename__ = "remote_positions"
    sku: str = Field(primary_key=True)
    location: str = Field(primary_key=True)
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    updated_at: str
    fetched_at: str


class OutboxEntry(CacheModel, table=True):
    """An operation not yet answered by the ledger, in the order it was made.

    ``state`` is ``pending`` until a definite answer: accepted entries are deleted, refused ones
    become ``attention`` and stay for staff to see, with the ledger's problem document.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_id", "state", "id"),)
    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    op_id: str = Field(unique=True)
    kind: str
    summary: str
    payload: str = Field(sa_column=Column(Text, nullable=False))
    state: str = "pending"
    created_at: str
    attempts: int = 0
    last_attempt_at: str | None = None
    last_error: str | None = None
    problem: str | None = Field(default=None, sa_column=Column(Text))
    resolved_at: str | None = None


class OutboxEffect(CacheModel, table=True):
    """The local effect of a pending entry on one position, added to the ledger's view on screen."""

    __tablename__ = "outbox_effects"
    outbox_id: int = Field(primary_key=True)
    sku: str = Field(primary_key=True)
    location: str = Field(primary_key=True)
    on_hand_delta: int
    unavailable_delta: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Units the entry sets aside (or puts back on sale, negative) at the position."""


class SyncState(CacheModel, table=True):
    """Key/value state of the sync: feed cursor, ledger id, last contact, last error."""

    __tablename__ = "sync_state"
    key: str = Field(primary_key=True)
    value: str


class CacheJob(CacheModel, table=True):
    """A fulfilment job of this store as the change feed last delivered it (the ledger's view).

    ``lines`` is the job's lines as the feed gave them (JSON). What this device did to the job
    and the ledger has not confirmed yet lives in ``job_actions``; scanned units in ``job_scans``.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_location_due", "location", "due_at"),)
    id: str = Field(primary_key=True)
    order_id: str = Field(index=True)
    location: str
    kind: str
    state: str
    destination: str | None = None
    created_at: str
    due_at: str
    late: bool
    parcels: int | None = None
    weight_grams: int | None = None
    tracking: str | None = None
    customer_name: str
    lines: str = Field(sa_column=Column(Text, nullable=False))
    seq: int
    received_at: str
    cancel_reason: str | None = None
    """A ``CancelReason`` value, once the ledger reports the job cancelled."""


class CacheJobAction(CacheModel, table=True):
    """A transition or short pick made on this device, kept until the feed shows its outcome.

    Its outbox entry has the same ``op_id``: while that entry waits (or after the ledger accepted
    it and before the feed brought the job back) the action is laid over the ledger's view of the
    job; once the ledger refused it, it is ignored and the feed's job stands.
    """

    __tablename__ = "job_actions"
    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    op_id: str = Field(unique=True)
    job_id: str = Field(index=True)
    action: str
    """``transition`` or ``reject``."""
    to_state: str | None = None
    line_no: int | None = None
    reason: str | None = None
    parcels: int | None = None
    weight_grams: int | None = None
    tracking: str | None = None
    created_at: str


class CacheJobScan(CacheModel, table=True):
    """Units of a pick list line confirmed by scanning on this device (local only, never sent)."""

    __tablename__ = "job_scans"
    job_id: str = Field(primary_key=True)
    line_no: int = Field(primary_key=True)
    scanned: int
    updated_at: str


class CacheStaff(CacheModel, table=True):
    """A person of this store (or an admin of the network) as the feed delivered them: enough
    to sign them in offline. ``pin_verifier`` is the ledger's Argon2id hash, never a PIN."""

    __tablename__ = "staff"
    code: str = Field(primary_key=True)
    name: str
    role: str
    location: str
    active: bool
    pin_verifier: str


class StaffSignInFailure(CacheModel, table=True):
    """Wrong PINs in a row for one person on this terminal, and until when they are locked out
    (local only: a lockout belongs to the terminal it happened on)."""

    __tablename__ = "staff_sign_in_failures"
    code: str = Field(primary_key=True)
    failures: int = 0
    locked_until: str | None = None
