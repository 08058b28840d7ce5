"""The wire contract of the ledger API: every request and reply body, and the GTIN type.

This is the one module of ``ordersync`` that ``storeapp`` may import. It depends on nothing else in
the package, so a store terminal can speak to the ledger without loading the server.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

API_PREFIX = "/v1"
PROBLEM_MEDIA_TYPE = "application/problem+json"
MAX_QUANTITY = 1_000_000
MAX_BATCH_LINES = 5_000
MAX_SEQ = 2**62


# --- GTIN barcodes ---------------------------------------------------------------------------


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits of a GTIN without its last digit."""
    total = 0
    for position, char in enumerate(reversed(body)):
        weight = 3 if position % 2 == 0 else 1
        total += int(char) * weight
    return (10 - total % 10) % 10


def gtin_problem(code: str) -> str | None:
    """Why ``code`` is not a valid GTIN-8 or GTIN-13, or None when it is."""
    if not code.isascii() or not code.isdigit():
        return "a GTIN has digits only"
    if len(code) not in (8, 13):
        return f"a GTIN has 8 or 13 digits, not {len(code)}"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"check digit should be {expected}, not {code[-1]}"
    return None


def is_valid_gtin(code: str) -> bool:
    return gtin_problem(code) is None


def with_check_digit(body: str) -> str:
    """Complete a 7- or 12-digit body into a GTIN-8 or GTIN-13."""
    if not (body.isascii() and body.isdigit() and len(body) in (7, 12)):
        raise ValueError("a GTIN body has 7 or 12 digits")
    return body + str(gtin_check_digit(body))


def _validate_gtin(code: str) -> str:
    problem = gtin_problem(code)
    if problem is not None:
        raise ValueError(problem)
    return code


def _validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA time zone {name!r}") from error
    return name


_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _refuse_numbers(value: object) -> object:
    # A number would be read as a Unix timestamp: a device must say what time zone it means.
    if isinstance(value, int | float):
        raise ValueError("give the time as an RFC 3339 string with its offset")
    return value


def _validate_plausible_time(value: datetime) -> datetime:
    try:
        moment = value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("time is out of range") from error
    if not _EARLIEST <= moment < _LATEST:
        raise ValueError("time must be between 2000 and 2100")
    return moment


def _validate_not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be zero")
    return value


Gtin = Annotated[str, AfterValidator(_validate_gtin)]
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]*$"
Sku = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SKU_PATTERN)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SKU_PATTERN)]
LocationCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=CODE_PATTERN)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
CountedQuantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
SignedQuantity = Annotated[
    int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY), AfterValidator(_validate_not_zero)
]
FeedPosition = Annotated[int, Field(ge=0, le=MAX_SEQ)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
TimeZoneName = Annotated[str, AfterValidator(_validate_timezone)]
OpId = uuid.UUID
EventTime = Annotated[
    AwareDatetime, BeforeValidator(_refuse_numbers), AfterValidator(_validate_plausible_time)
]
"""A time told by a device: with its zone, as an RFC 3339 string, between 2000 and 2100."""


def uuid7(unix_ms: int | None = None, random_bytes: bytes | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so operation ids sort by creation time."""
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    rand = os.urandom(10) if random_bytes is None else random_bytes
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (int.from_bytes(rand[:2], "big") & 0x0FFF) << 64
    value |= 0b10 << 62
    value |= int.from_bytes(rand[2:10], "big") & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def _without_nul(value: object) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
    elif isinstance(value, dict):
        for key, member in value.items():
            _without_nul(key)
            _without_nul(member)
    elif isinstance(value, list | tuple):
        for member in value:
            _without_nul(member)


def _admits_bool(annotation: Any) -> bool:
    return annotation is bool or annotation is Any or any(map(_admits_bool, get_args(annotation)))


class Strict(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        # No database stores NUL in text; refuse it here rather than fail deep in a query.
        _without_nul(data)
        return data

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        # Lax validation would take true for 1 (a quantity) and false for 0.0 (a longitude).
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                value = data.get(field.alias or name)
                values = value if isinstance(value, list) else [value]
                if any(isinstance(v, bool) for v in values) and not _admits_bool(field.annotation):
                    raise ValueError(f"{name} must not be true or false")
        return data


class Reply(BaseModel):
    """Base of every reply body."""

    model_config = ConfigDict(frozen=True)


# --- Enumerations ----------------------------------------------------------------------------


class Role(StrEnum):
    ASSOCIATE = "associate"
    MANAGER = "manager"
    ADMIN = "admin"


class LocationKind(StrEnum):
    STORE = "store"
    WAREHOUSE = "warehouse"


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    SALE = "sale"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    COUNT = "count"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    SHIPMENT = "shipment"


class ReservationState(StrEnum):
    PENDING = "pending"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


# --- Catalog and network ---------------------------------------------------------------------


class ItemIn(Strict):
    """A size/colour variant of a reference, as the catalog feeds it to the ledger."""

    sku: Sku
    reference: Reference
    name: Name
    size: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    size_row: Annotated[str, StringConstraints(max_length=16)] | None = None
    """First axis of the size grid (for lingerie: the band, e.g. ``85``)."""
    size_column: Annotated[str, StringConstraints(max_length=16)] | None = None
    """Second axis of the size grid (for lingerie: the cup, e.g. ``B``)."""
    colour: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    gtins: Annotated[list[Gtin], Field(min_length=1, max_length=20)]
    price_minor: Annotated[int, Field(ge=0, le=10**12)]
    """Price in minor units of ``currency`` (cents for EUR)."""
    currency: Currency = "EUR"


class Item(ItemIn):
    """A catalog item as the ledger returns it."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class ItemsUpsert(Strict):
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=MAX_BATCH_LINES)]


class LocationIn(Strict):
    """A store or warehouse of the network."""

    code: LocationCode
    kind: LocationKind
    name: Name
    timezone: TimeZoneName
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    fulfils_web_orders: bool = True
    daily_job_capacity: Annotated[int, Field(ge=0, le=100_000)] = 50
    default_safety_stock: Annotated[int, Field(ge=0, le=MAX_QUANTITY)] = 0


class Location(LocationIn):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LocationsUpsert(Strict):
    locations: Annotated[list[LocationIn], Field(min_length=1, max_length=MAX_BATCH_LINES)]


class CountAck(Reply):
    """How many records a catalog upsert wrote."""

    written: int


# --- Positions and availability --------------------------------------------------------------


class Position(Reply):
    """Stock of one SKU at one location. ``available = on_hand - reserved - safety_stock``."""

    sku: str
    location: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    suspect: bool
    seq: int
    updated_at: datetime


class NetworkTotal(Reply):
    """Network-wide stock of one SKU; ``available`` adds only locations with units to offer."""

    sku: str
    on_hand: int
    reserved: int
    available: int


class SkuAvailability(Reply):
    sku: str
    total: NetworkTotal
    locations: list[Position]


class ReferenceAvailability(Reply):
    reference: str
    total: NetworkTotal
    skus: list[SkuAvailability]


class SafetyStockSet(Strict):
    op_id: OpId
    safety_stock: Annotated[int, Field(ge=0, le=MAX_QUANTITY)]


# --- Movements -------------------------------------------------------------------------------


class _LineBase(Strict):
    sku: Sku
    location: LocationCode


class ReceiptLine(_LineBase):
    kind: Literal["receipt"]
    qty: Quantity


class SaleLine(_LineBase):
    """A counter sale: never refused, because the unit is in the associate's hand."""

    kind: Literal["sale"]
    qty: Quantity


class ReturnLine(_LineBase):
    kind: Literal["return"]
    qty: Quantity


class AdjustmentLine(_LineBase):
    kind: Literal["adjustment"]
    delta: SignedQuantity
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TransferLine(Strict):
    """Units leaving ``from_location`` and arriving at ``to_location`` as one atomic pair."""

    kind: Literal["transfer"]
    sku: Sku
    from_location: LocationCode
    to_location: LocationCode
    qty: Quantity

    @model_validator(mode="after")
    def _distinct_ends(self) -> TransferLine:
        if self.from_location == self.to_location:
            raise ValueError("a transfer needs two different locations")
        return self


MovementLine = Annotated[
    ReceiptLine | SaleLine | ReturnLine | AdjustmentLine | TransferLine,
    Field(discriminator="kind"),
]


class MovementBatch(Strict):
    """Movements applied all together or not at all, under one operation id."""

    op_id: OpId
    lines: Annotated[list[MovementLine], Field(min_length=1, max_length=MAX_BATCH_LINES)]
    occurred_at: EventTime | None = None
    """When it happened at the store (the store's clock); the ledger keeps its own time too."""


class MovementBatchResult(Reply):
    op_id: uuid.UUID
    seq: int
    movements: int
    positions: list[Position]
    suspect: list[Position]
    """Positions this batch drove below zero: the record was wrong and needs a count."""


# --- Reservations ----------------------------------------------------------------------------


class ReservationLineIn(Strict):
    sku: Sku
    location: LocationCode
    qty: Quantity


class ReservationCreate(Strict):
    """Hold units, all lines or none. The reservation's id is ``op_id``."""

    op_id: OpId
    lines: Annotated[list[ReservationLineIn], Field(min_length=1, max_length=200)]
    ttl_seconds: Annotated[int, Field(ge=1, le=30 * 24 * 3600)] | None = None
    order_ref: Annotated[str, StringConstraints(max_length=64)] | None = None


class ReservationLine(Reply):
    sku: str
    location: str
    qty: int
    committed_qty: int


class Reservation(Reply):
    id: uuid.UUID
    state: ReservationState
    owner_location: str
    order_ref: str | None
    lines: list[ReservationLine]
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None


class CommitLine(Strict):
    sku: Sku
    location: LocationCode
    qty: CountedQuantity


class ReservationCommit(Strict):
    """Turn held units into sale or shipment movements; whatever is not committed is released."""

    op_id: OpId
    lines: Annotated[list[CommitLine], Field(max_length=200)] | None = None
    """None commits every line in full."""
    movement: Literal["sale", "shipment"] = "sale"


class ReservationRelease(Strict):
    op_id: OpId


# --- Counts ----------------------------------------------------------------------------------


class CountIn(Strict):
    """ "Counted N of SKU at location as of feed position V"."""

    op_id: OpId
    sku: Sku
    location: LocationCode
    counted: CountedQuantity
    as_of_seq: FeedPosition


class CountResult(Reply):
    op_id: uuid.UUID
    sku: str
    location: str
    counted: int
    expected_at_count: int
    moved_since_count: int
    delta: int
    position: Position


# --- Orders, routing and jobs ----------------------------------------------------------------


class Channel(StrEnum):
    WEB = "web"
    STORE = "store"


class DeliveryKind(StrEnum):
    HOME = "home"
    COLLECT = "collect"


class JobStateName(StrEnum):
    ASSIGNED = "assigned"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    READY = "ready"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class RejectReason(StrEnum):
    NOT_FOUND = "not_found"
    DAMAGED = "damaged"
    OTHER = "other"


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
    reject_reason: str | None


class Job(Reply):
    """A location's part of an order."""

    id: uuid.UUID
    order_id: uuid.UUID
    location: str
    kind: str
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
    """routed, unfulfillable, shipped, collected or cancelled."""


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
    external_ref: str | None
    placed_by: str
    customer: dict[str, Any]
    delivery: dict[str, Any]
    lines: list[OrderLine]
    jobs: list[Job]
    routing: list[RoutingRecord]
    created_at: datetime
    promised_by: datetime | None


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


# --- Operations pushed in bulk by a store ----------------------------------------------------


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


# --- Change feed -----------------------------------------------------------------------------


class _ChangeBase(Reply):
    seq: int


class ItemChange(_ChangeBase):
    kind: Literal["item"]
    item: Item
    barcodes_removed: list[str] = []


class LocationChange(_ChangeBase):
    kind: Literal["location"]
    location: Location


class PositionChange(_ChangeBase):
    kind: Literal["position"]
    position: Position


class NetworkChange(_ChangeBase):
    kind: Literal["network"]
    total: NetworkTotal


class JobChange(_ChangeBase):
    kind: Literal["job"]
    job: Job


Change = Annotated[
    ItemChange | LocationChange | PositionChange | NetworkChange | JobChange,
    Field(discriminator="kind"),
]


class ChangePage(Reply):
    """A page of the change feed: ask again with ``since=next_since`` while ``has_more``."""

    ledger_id: str
    """Identifies the ledger's database; a store seeing it change must bootstrap again."""
    location: str
    changes: list[Change]
    next_since: int
    has_more: bool
    head: int
    reset: bool = False
    """True when ``since`` is ahead of the ledger: the caller must drop its cache and start at 0."""


# --- Devices, tokens, audit ------------------------------------------------------------------


class TokenCreate(Strict):
    location: LocationCode
    role: Role
    device: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "terminal"


class TokenCreated(Reply):
    token_id: int
    location: str
    role: Role
    device: str
    token: str
    """Shown once; the ledger keeps only its hash."""


class Whoami(Reply):
    token_id: int
    location: str
    role: Role
    device: str
    ledger_id: str
    server_time: datetime


class AuditEntry(Reply):
    id: int
    op_id: uuid.UUID | None
    operation: str
    actor: int
    role: str
    location: str
    device: str
    recorded_at: datetime


class CountTask(Reply):
    """A position to count: opened by a short pick or a sale below zero; closed by a count."""

    id: int
    sku: str
    location: str
    reason: str
    opened_at: datetime


class Health(Reply):
    status: Literal["ok"]
    ledger_id: str
    head: int
    database: str


# --- The manager's day -----------------------------------------------------------------------


class DeviceHeartbeat(Strict):
    """A store device telling the ledger it is alive and what waits on it."""

    pending_ops: Annotated[int, Field(ge=0, le=10_000_000)]
    """Operations in its outbox not yet acknowledged by the ledger."""
    needs_attention: Annotated[int, Field(ge=0, le=10_000_000)]
    """Operations the ledger refused that a person must look at."""
    oldest_pending_at: EventTime | None = None
    app_version: Annotated[str, StringConstraints(max_length=32)] = ""


class DeviceHealth(Reply):
    device: str
    role: str
    last_seen_at: datetime
    minutes_since_seen: int
    pending_ops: int
    needs_attention: int
    oldest_pending_at: datetime | None


class QueueJob(Reply):
    """An open job as the day's queue shows it: its age against the service level."""

    id: uuid.UUID
    order_id: uuid.UUID
    kind: str
    state: JobStateName
    customer_name: str
    lines: int
    units: int
    created_at: datetime
    due_at: datetime
    age_minutes: int
    minutes_to_due: int
    """Negative once the job is late."""
    late: bool


class QueueRejection(Reply):
    """A line this store could not send today, and why."""

    job_id: uuid.UUID
    order_id: uuid.UUID
    sku: str
    name: str
    qty: int
    reason: str
    rejected_at: datetime


class StoreOrderSaved(Reply):
    """An order placed in this store today: a sale saved although the shelf was empty."""

    order_id: uuid.UUID
    created_at: datetime
    state: str
    units: int
    value_minor: int
    currency: str


class DayQueue(Reply):
    """What a store's day holds, in the store's own calendar day."""

    location: str
    timezone: str
    day: date
    generated_at: datetime
    jobs_by_state: dict[str, int]
    open_jobs: list[QueueJob]
    """Jobs still to work on, late ones first, then by how soon they are due."""
    late_jobs: int
    rejections: list[QueueRejection]
    collections_waiting: list[QueueJob]
    """Parcels and orders ready for customers to collect here."""
    store_orders: list[StoreOrderSaved]
    store_orders_value_minor: int
    currency: str
    devices: list[DeviceHealth]
    open_count_tasks: int
    suspect_positions: int


# --- Inventory accuracy ----------------------------------------------------------------------


class CountSchedule(Strict):
    """Open cycle-count tasks at a location, fast movers first."""

    location: LocationCode
    limit: Annotated[int, Field(ge=1, le=500)] = 20


class CountScheduled(Reply):
    location: str
    opened: list[CountTask]


class CountRecord(Reply):
    """One count: what the ledger expected at that moment and what was found."""

    op_id: uuid.UUID
    sku: str
    name: str
    counted_at: datetime
    reason: str
    expected: int
    counted: int
    delta: int
    value_delta_minor: int


class VariancePeriod(Reply):
    """Counts of one period (a store-local day or ISO week) summed."""

    period: str
    counts: int
    units_expected: int
    units_counted: int
    units_delta: int
    value_delta_minor: int
    abs_value_delta_minor: int
    accuracy: float | None
    """Share of counted positions whose record was exactly right; None without counts."""


class VarianceReport(Reply):
    location: str
    start: date
    end: date
    currency: str
    periods: list[VariancePeriod]
    counts: list[CountRecord]


# --- Sales intelligence ----------------------------------------------------------------------


class TrendRow(Reply):
    """One SKU at one location: units sold per store-local day from ``start``."""

    sku: str
    size: str
    location: str
    series: list[int]
    total: int
    recent_units: int
    """Units sold in the last ``recent_days`` days."""
    previous_units: int
    """Units sold in the ``recent_days`` days before those."""
    change_pct: float | None
    """Recent against previous, in percent; None when nothing sold before."""


class SalesTrend(Reply):
    reference: str
    name: str
    start: date
    end: date
    recent_days: int
    series: list[int]
    """The whole reference, all sizes and locations, per day."""
    rows: list[TrendRow]


class CoverRow(Reply):
    """How long one position's stock lasts at its recent sales rate."""

    sku: str
    reference: str
    name: str
    size: str
    location: str
    on_hand: int
    available: int
    daily_rate: float
    days_of_cover: float | None
    """None when the SKU does not sell here (no demand, no cover to speak of)."""
    next_replenishment: date
    stockout_by: date | None
    """The day stock runs out at this rate, when that comes before the next replenishment."""
    at_risk: bool


class CoverReport(Reply):
    location: str
    as_of: date
    rate_days: int
    rows: list[CoverRow]


class StockoutRow(Reply):
    """A position that ran out: for how long, and the sales that were probably lost."""

    sku: str
    name: str
    location: str
    days_out: int
    first_day: date
    last_day: date
    ongoing: bool
    daily_rate: float
    """Units a day on the days it was in stock."""
    lost_units: float
    lost_value_minor: int


class StockoutReport(Reply):
    location: str | None
    start: date
    end: date
    currency: str
    lost_value_minor: int
    rows: list[StockoutRow]


class ReplenishmentRow(Reply):
    """Order up to a level that covers the lead time and review period plus safety stock."""

    sku: str
    name: str
    location: str
    daily_rate: float
    lead_time_days: int
    review_days: int
    safety_units: int
    order_up_to: int
    on_hand: int
    reserved: int
    suggested_qty: int


class ReplenishmentReport(Reply):
    location: str
    as_of: date
    rows: list[ReplenishmentRow]


class TransferSuggestion(Reply):
    """Move units from where a size sleeps to where it sells, or complete a broken size run."""

    sku: str
    reference: str
    name: str
    size: str
    from_location: str
    to_location: str
    qty: int
    reason: Literal["sleeping_stock", "broken_size_run"]
    from_days_of_cover: float | None
    to_days_of_cover: float | None


class RebalancingReport(Reply):
    as_of: date
    rows: list[TransferSuggestion]


class LocationKpi(Reply):
    location: str
    jobs: int
    job_lines: int
    lines_rejected: int
    rejection_rate: float | None
    avg_assign_to_ship_hours: float | None


class NetworkKpis(Reply):
    start: date
    end: date
    order_lines: int
    lines_fulfilled: int
    fill_rate: float | None
    """Lines shipped or collected over lines that reached an end."""
    store_orders: int
    store_orders_value_minor: int
    currency: str
    avg_assign_to_ship_hours: float | None
    locations: list[LocationKpi]


# --- Problems (RFC 9457) ---------------------------------------------------------------------


class Problem(BaseModel):
    """An RFC 9457 problem document; extra members carry the specifics (sku, requested, ...)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


PROBLEM_TYPE_PREFIX = "urn:ordersync:problem:"
