"""Touchpoint reports: where and how the network's customers were served, store and web.

A touchpoint is the way a unit reached its customer. Each unit is counted once, on the day it
reached the customer (sold at the counter, shipped to the customer, or handed over at a store),
and at the store the customer dealt with: the counter's store, the store that placed an order in
store, the collection store of a click & collect, or the location that shipped a web parcel home.

Reserve & collect is not a touchpoint of its own: the ledger records a web order to collect the
same way whether the customer paid online or pays at the counter (nothing in an order says
which), so both are ``click_and_collect``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from ordersync.contract.types import Reply
from ordersync.contract.vocabulary import LocationKind


class Touchpoint(StrEnum):
    COUNTER_SALE = "counter_sale"
    """Sold at a store's counter, voided sales taken off."""
    ORDER_IN_STORE = "order_in_store"
    """Ordered by a store for its customer (endless aisle), delivered home or collected."""
    WEB_FROM_WAREHOUSE = "web_from_warehouse"
    """A web order shipped home from a warehouse."""
    WEB_FROM_STORE = "web_from_store"
    """A web order shipped home from a store (ship from store)."""
    WEB_DROP_SHIP = "web_drop_ship"
    """A web order shipped home by a supplier from its own stock."""
    CLICK_AND_COLLECT = "click_and_collect"
    """A web order handed over at a store, from its own shelf or from a parcel sent to it
    (reserve & collect included)."""


class SalesPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"
    """An ISO week, Monday to Sunday, named like ``2026-W07``."""


class ServiceStage(StrEnum):
    """Where the time to customer stops: the parcel left for the customer, or the customer
    took the units at the store."""

    SHIPPED = "shipped"
    COLLECTED = "collected"


class CancellationSource(StrEnum):
    """What ended without reaching the customer: a whole job, a short-picked job line, or an
    order line nothing served."""

    JOB = "job"
    JOB_LINE = "job_line"
    ORDER_LINE = "order_line"


class TouchpointSalesRow(Reply):
    """Units and value served through one touchpoint at one location in one period."""

    period: str
    """The day (``2026-02-10``) or ISO week (``2026-W07``)."""
    start: date
    """The period's first day (a Monday for a week)."""
    location: str
    touchpoint: Touchpoint
    units: int
    value_minor: int


class TouchpointTotal(Reply):
    touchpoint: Touchpoint
    units: int
    value_minor: int
    unit_share: float | None
    """Share of the report's units; None when nothing was served."""


class TouchpointSales(Reply):
    location: str | None
    """The location reported on; None for the whole network."""
    by: SalesPeriod
    start: date
    end: date
    currency: str
    """Values are of the lines priced in this currency (the catalogue's most common one)."""
    totals: list[TouchpointTotal]
    """Every touchpoint, in the order of ``Touchpoint``, over the whole window."""
    rows: list[TouchpointSalesRow]
    """By period, location and touchpoint; only the ones that served something."""


class StoreContributionRow(Reply):
    """What one location did for web orders from its own stock, and the parcels it handed over."""

    location: str
    kind: LocationKind
    shipped_units: int
    """Units shipped for web orders: to the customer, or to a collection store."""
    shipped_value_minor: int
    collected_units: int
    """Units of web orders handed over from the location's own shelf."""
    collected_value_minor: int
    parcel_units: int
    """Units of web orders handed over from parcels other locations sent."""
    web_share: float | None
    """Share of every web unit the network served from stock that came from this location."""


class StoreContribution(Reply):
    location: str | None
    start: date
    end: date
    currency: str
    web_units: int
    """Web units the network served from stock (shipped or handed over from a shelf)."""
    store_units: int
    """Of those, the units that came from stores."""
    store_share: float | None
    rows: list[StoreContributionRow]
    """Stores and other locations that served web units, most units first."""


class SplitRateRow(Reply):
    location: str
    orders: int
    """Orders the location served from its stock."""
    split_orders: int
    """Of those, the orders other locations served too."""
    split_rate: float | None


class SplitRate(Reply):
    location: str | None
    start: date
    end: date
    orders: int
    """Orders placed in the window that something was served for."""
    split_orders: int
    """Of those, the orders served from the stock of more than one location."""
    split_rate: float | None
    rows: list[SplitRateRow]


class TimeToCustomerRow(Reply):
    touchpoint: Touchpoint
    location: str
    stage: ServiceStage
    count: int
    """Jobs that reached this stage in the window."""
    median_hours: float
    p90_hours: float
    """Nine jobs in ten reached the customer within this many hours of the order."""


class TimeToCustomer(Reply):
    location: str | None
    start: date
    end: date
    rows: list[TimeToCustomerRow]


class CancellationRow(Reply):
    location: str | None
    """The job's location; for an order line, the store the customer dealt with (the store
    that placed it, or the collection store), None for a web order delivered home."""
    source: CancellationSource
    reason: str
    """A ``CancelReason`` (``RejectReason`` for a job line); ``unknown`` from older records."""
    count: int
    units: int


class Cancellations(Reply):
    location: str | None
    start: date
    end: date
    rows: list[CancellationRow]
    """Most units first."""


class OfferOutcomeRow(Reply):
    """How the offers made to one store in the window ended for it."""

    location: str
    received: int
    claimed: int
    """Offers this store claimed (won)."""
    lost: int
    """Offers another store claimed first."""
    expired: int
    """Offers nobody claimed in time."""
    open: int
    """Offers still waiting for an answer."""
    median_minutes_to_claim: float | None
    """From the offer to this store's claim, over the offers it won."""


class OfferOutcomes(Reply):
    location: str | None
    start: date
    end: date
    rows: list[OfferOutcomeRow]
