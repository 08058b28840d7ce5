"""The stock half of the contract: the catalog and the network's locations, positions and
availability, movements, reservations, and counts with the tasks that ask for them.

A movement batch is applied all together or not at all; a counter sale is never refused; a
reservation holds every line or none; a count says what was found as of a feed position, so the
ledger can post the difference against what it expected then.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from ordersync.contract.motion import Arrival
from ordersync.contract.types import (
    MAX_BATCH_LINES,
    MAX_QUANTITY,
    CountedQuantity,
    Currency,
    EventTime,
    FeedPosition,
    Gtin,
    LocationCode,
    Name,
    OpId,
    Quantity,
    Reference,
    Reply,
    SignedQuantity,
    Sku,
    Strict,
    TimeZoneName,
)
from ordersync.contract.vocabulary import LocationKind, ReservationState

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


LOCATION_GROUP_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}"
"""A location group's name (routing rules may ask the locations of some groups only)."""
LocationGroup = Annotated[str, StringConstraints(pattern=f"^{LOCATION_GROUP_PATTERN}$")]


class LocationIn(Strict):
    """A store, a warehouse or a drop-ship supplier of the network."""

    code: LocationCode
    kind: LocationKind
    name: Name
    timezone: TimeZoneName
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    fulfils_web_orders: bool = True
    daily_job_capacity: Annotated[int, Field(ge=0, le=100_000)] = 50
    default_safety_stock: Annotated[int, Field(ge=0, le=MAX_QUANTITY)] = 0
    groups: Annotated[list[LocationGroup], Field(max_length=20)] = []
    """The groups it belongs to, for routing rules that ask some groups only."""
    ship_cost_minor: Annotated[int, Field(ge=0, le=1_000_000_000)] = 0
    """What a shipment from here costs, in minor units (routing rules may rank by it)."""
    lead_time_days: Annotated[int, Field(ge=0, le=365)] | None = None
    """A supplier's days before it ships a line routed to it (added to the customer's promise);
    only a location of kind ``supplier`` has one."""

    @model_validator(mode="after")
    def _lead_time_for_suppliers(self) -> LocationIn:
        if self.lead_time_days is not None and self.kind is not LocationKind.SUPPLIER:
            raise ValueError("only a supplier location has a lead_time_days")
        return self


class Location(LocationIn):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LocationsUpsert(Strict):
    locations: Annotated[list[LocationIn], Field(min_length=1, max_length=MAX_BATCH_LINES)]


class CountAck(Reply):
    """How many records a catalog upsert wrote."""

    written: int


# --- Positions and availability --------------------------------------------------------------


class Position(Reply):
    """Stock of one SKU at one location.

    ``available = on_hand - unavailable - reserved - safety_stock``: units set aside (damaged,
    on display, in quarantine) are on hand but never reserved, routed or promised."""

    sku: str
    location: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    suspect: bool
    seq: int
    updated_at: datetime
    unavailable: int = 0
    dispositions: dict[str, int] = {}
    """Unavailable units per ``Disposition`` (only those holding units)."""


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
    arrivals: list[Arrival] = []
    """Units on their way (on order or in transit) per location and document, soonest first."""


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
    """Units leaving ``from_location`` and arriving at ``to_location`` as one atomic pair.

    An admin's correction of the record only (units booked at the wrong location): goods that
    travel go by a transfer document (``POST /v1/transfers``, then send and receive), which
    keeps them in transit between the two shelves."""

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


class CountTask(Reply):
    """A position to count: opened by a short pick or a sale below zero; closed by a count."""

    id: int
    sku: str
    location: str
    reason: str
    """A ``CountTaskReason`` value."""
    opened_at: datetime


class CountSchedule(Strict):
    """Open cycle-count tasks at a location, fast movers first."""

    location: LocationCode
    limit: Annotated[int, Field(ge=1, le=500)] = 20


class CountScheduled(Reply):
    location: str
    opened: list[CountTask]


# --- Drop-ship suppliers' stock ---------------------------------------------------------------


class SupplierStockLine(Strict):
    """How many units of a SKU the supplier holds for drop-ship, as it counts them now."""

    sku: Sku
    on_hand: CountedQuantity


class SupplierStock(Strict):
    """A drop-ship supplier's statement of its stock: each SKU named goes to its count; with
    ``complete``, every SKU it held and does not name goes to zero (a full snapshot)."""

    op_id: OpId
    lines: Annotated[list[SupplierStockLine], Field(max_length=MAX_BATCH_LINES)]
    complete: bool = False

    @model_validator(mode="after")
    def _each_sku_once(self) -> SupplierStock:
        skus = [line.sku for line in self.lines]
        if len(set(skus)) != len(skus):
            raise ValueError("name each SKU once")
        if not skus and not self.complete:
            raise ValueError("name one or more SKUs, or send a complete snapshot")
        return self


class SupplierStockResult(Reply):
    """What a supplier's statement changed: one reconciliation movement per SKU whose count
    differed from the ledger's record."""

    location: str
    lines: int
    changed: int
