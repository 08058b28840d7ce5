"""Reports for managers and head office: count variance (inventory accuracy), sales trends, days
of cover, stock-outs, replenishment and rebalancing suggestions, and the network's fulfilment
figures.

Every report is a read: it changes nothing, and its days are store-local calendar days. Two
kinds of suggestion become documents: a rebalancing line is one transfer request
(``TransferSuggestion.transfer_request``), and a location's replenishment lines become one
transfer request from a warehouse (``ReplenishmentTransfer``) or a purchase order draft.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from ordersync.contract.motion import DocumentLineIn, TransferRequest
from ordersync.contract.types import MAX_BATCH_LINES, LocationCode, OpId, Reply, Sku, Strict
from ordersync.contract.vocabulary import TransferOrigin, TransferReason


class CountRecord(Reply):
    """One count: what the ledger expected at that moment and what was found."""

    op_id: uuid.UUID
    sku: str
    name: str
    counted_at: datetime
    reason: str
    """The ``CountTaskReason`` of the task the count answered."""
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
    colour: str = ""
    """The SKU's colour: one size of a reference comes in several (empty from older ledgers)."""
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
    overdrawn: bool = False
    """The record gives less than nothing to sell (more reserved or kept back than on hand: a
    missed receipt, a count due); ``available`` then shows 0."""
    value_at_risk_minor: int = 0
    """What the risk costs: rate x price x days without stock before the next replenishment."""
    currency: str = "EUR"


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
    """Order up to a level that covers the lead time and review period plus safety stock, less
    what is already on its way: ``suggested_qty = order_up_to - (on_hand - reserved + on_order +
    in_transit + requested)``, never below zero."""

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
    on_order: int = 0
    """Announced by deliveries (purchase orders, shipping notices) not yet received."""
    in_transit: int = 0
    """Sent by transfers from other locations, not yet received."""
    requested: int = 0
    """Asked for by transfer requests not yet sent."""


class ReplenishmentReport(Reply):
    location: str
    as_of: date
    rows: list[ReplenishmentRow]
    demand_includes_shipments: bool = False
    """True at a warehouse: its sales rate counts the units it sent to other locations."""


class ReplenishmentTransfer(Strict):
    """Turn a location's replenishment suggestions into one transfer request (origin
    ``replenishment``) to it; ``op_id`` becomes the transfer's id."""

    op_id: OpId
    from_location: LocationCode | None = None
    """Where the units come from; the nearest warehouse when left out."""
    skus: Annotated[list[Sku], Field(min_length=1, max_length=MAX_BATCH_LINES)] | None = None
    """Only the suggested lines of these SKUs; every suggested line when left out."""


class TransferSuggestion(Reply):
    """Move units from where a size sleeps to where it sells, or complete a broken size run."""

    sku: str
    reference: str
    name: str
    size: str
    from_location: str
    to_location: str
    qty: int
    reason: TransferReason
    from_days_of_cover: float | None
    to_days_of_cover: float | None

    def transfer_request(self, op_id: uuid.UUID) -> TransferRequest:
        """This line as the transfer request that carries it out (origin ``rebalancing``)."""
        return TransferRequest(
            op_id=op_id,
            from_location=self.from_location,
            to_location=self.to_location,
            lines=[DocumentLineIn(sku=self.sku, qty=self.qty)],
            origin=TransferOrigin.REBALANCING,
        )


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
