"""Every word the ledger and the stores share, defined once: roles, kinds, states and reasons, and
the job state machine as data with the pure rules read from it.

The ledger's domain and the store terminal both use these definitions: the store checks a job's
step against the same table before it queues the step, and the ledger checks it again when it
applies it. A word stored in a database or sent on the wire is one of these values, never a
string spelled again elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    ASSOCIATE = "associate"
    MANAGER = "manager"
    ADMIN = "admin"
    WEB = "web"
    """The e-commerce platform: reads availability, places web orders and follows them."""
    ERP = "erp"
    """The retailer's ERP or warehouse system: announces deliveries and keeps the suppliers."""
    SUPPLIER = "supplier"
    """A drop-ship supplier's system: its own jobs (acknowledge, ship, reject) and its stock."""


class LocationKind(StrEnum):
    STORE = "store"
    WAREHOUSE = "warehouse"
    SUPPLIER = "supplier"
    """A drop-ship supplier: ships lines to customers from its own stock, after its lead time;
    never a counter or a store terminal, and asked only by rules that name its kind."""


class MovementKind(StrEnum):
    RECEIPT = "receipt"
    SALE = "sale"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    COUNT = "count"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    SHIPMENT = "shipment"
    RECONCILIATION = "reconciliation"
    """The difference between the ledger and an ERP stock file: neither a sale nor a receipt."""
    DISPOSITION = "disposition"
    """Units moved between dispositions of one position (set aside as damaged, put back on
    sale): posted in pairs that leave on-hand unchanged."""
    WRITE_OFF = "write_off"
    """Unsellable units leaving the record for good (thrown away, destroyed), with a reason."""
    VOID = "void"
    """A counter sale taken back as if it never happened, dated when the sale happened."""


class Disposition(StrEnum):
    """Which part of a position's on-hand units are in: on sale, or set aside and unavailable.

    Unavailable units are never reserved, routed or promised; they leave by a write-off or a
    transfer back to the warehouse, or are put back on sale."""

    SELLABLE = "sellable"
    DAMAGED = "damaged"
    DISPLAY = "display"
    """On display (a mannequin, a window): on the shop floor but not to be sold."""
    QUARANTINE = "quarantine"
    """Held until a check (a suspected defect, a product recall)."""


UNAVAILABLE_DISPOSITIONS = frozenset(
    {Disposition.DAMAGED, Disposition.DISPLAY, Disposition.QUARANTINE}
)
RETURN_DISPOSITIONS = frozenset({Disposition.SELLABLE, Disposition.DAMAGED})
"""Where a customer's returned unit may go: back on sale, or set aside as damaged."""


class ReservationState(StrEnum):
    PENDING = "pending"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


# --- Orders ----------------------------------------------------------------------------------


class Channel(StrEnum):
    WEB = "web"
    STORE = "store"


class DeliveryKind(StrEnum):
    HOME = "home"
    COLLECT = "collect"


class OrderState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    """Every line reached an end and none was left unserved."""
    FOLLOW_UP = "follow_up"
    """Every line reached an end, and some could not be served: someone must tell the customer."""


class OrderLineState(StrEnum):
    ROUTED = "routed"
    IN_TRANSIT = "in_transit"
    """Shipped to the collection store, not yet handed over."""
    UNFULFILLABLE = "unfulfillable"
    SHIPPED = "shipped"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    AWAITING_STOCK = "awaiting_stock"
    """Promised against incoming stock (future stock): it becomes ``routed`` when the delivery
    or transfer it waits for is received, or is routed again if that comes short."""
    OFFERED = "offered"
    """Offered to several stores at once (competitive allocation): it becomes ``routed`` when one
    of them claims it, or is routed again when nobody claims it in time."""


ORDER_LINES_FULFILLED = frozenset({OrderLineState.SHIPPED, OrderLineState.COLLECTED})
ORDER_LINES_LOST = frozenset({OrderLineState.CANCELLED, OrderLineState.UNFULFILLABLE})
"""Lines that ended without reaching the customer: they saved no sale."""
ORDER_LINES_ENDED = ORDER_LINES_FULFILLED | ORDER_LINES_LOST


class RoutingReason(StrEnum):
    """Why a location lost a routing decision (or, for ``tie`` and ``partial``, how it won)."""

    NOT_FULFILLING = "not_fulfilling"
    NO_CAPACITY = "no_capacity"
    TOO_FAR = "too_far"
    EXCLUDED = "excluded"
    NO_STOCK = "no_stock"
    SAFETY_STOCK = "safety_stock"
    PARTIAL = "partial"
    FARTHER = "farther"
    SHALLOWER = "shallower_stock"
    BUSIER = "busier"
    TIE = "tie"
    FUTURE_STOCK = "future_stock"
    """Won with units not yet on the shelf: a delivery or transfer expected within the horizon."""
    SUSPECT_RECORD = "suspect_record"
    """Its record of the SKU is suspect (a short pick, a sale below zero) until counted."""
    NOT_IN_GROUP = "not_in_group"
    """The rule asks only locations of some groups, and this one belongs to none of them."""
    BELOW_MIN_UNITS = "below_min_units"
    """Serving the line would leave fewer units than the rule's ``min_units_left``."""
    LESS_COVER = "less_cover"
    """Would keep fewer days of cover (units left over recent daily sales) than the winner."""
    COSTLIER = "costlier"
    """Costs more to ship from (``ship_cost_minor``) than the winner."""
    SPLIT_REFUSED = "split_refused"
    """Could serve part of the order, but the rule does not split orders."""
    PROMISE_TOO_LATE = "promise_too_late"
    """Its rule's plan would be promised later than the rule's promise tolerance allows."""
    RULE_PASSED = "rule_passed"
    """A rule of the rule set could not serve the order (or not in time) and passed it on."""
    NOT_CLAIMED = "not_claimed"
    """Was offered the line (competitive allocation) and did not claim it in time."""
    CLAIMED_FIRST = "claimed_first"
    """Won an offer (competitive allocation) by claiming it before the others."""
    CLAIMED_ELSEWHERE = "claimed_elsewhere"
    """Was offered the line, and another location claimed it first."""


class OfferState(StrEnum):
    """Where an offer (lines offered to several stores at once) stands."""

    OPEN = "open"
    """Waiting for one of its stores to claim it, until it expires."""
    CLAIMED = "claimed"
    """A store claimed it first: the lines became that store's job."""
    EXPIRED = "expired"
    """Nobody claimed it in time: its lines were routed again."""


class OfferAnswer(StrEnum):
    """How an offer ended for one of the stores it was made to."""

    OPEN = "open"
    WON = "won"
    """This store claimed it first."""
    LOST = "lost"
    """Another store claimed it first."""
    EXPIRED = "expired"


class SuspectRouting(StrEnum):
    """What routing does with a position whose record is suspect, until it is counted."""

    EXCLUDE = "exclude"
    LAST = "last"
    """Still a candidate, ranked after every location whose record is trusted."""


# --- Jobs ------------------------------------------------------------------------------------


class JobKind(StrEnum):
    SHIP = "ship"
    """Picked, packed and shipped to the customer (or to the collection store)."""
    COLLECT = "collect"
    """Picked and made ready at the collection store, then handed over to the customer."""
    DROP_SHIP = "dropship"
    """Sent to a supplier, which acknowledges it and ships the parcel itself."""


class JobStateName(StrEnum):
    ASSIGNED = "assigned"
    PICKING = "picking"
    ACKNOWLEDGED = "acknowledged"
    """A supplier has taken the drop-ship job on."""
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    READY = "ready"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class JobLineState(StrEnum):
    OPEN = "open"
    REJECTED = "rejected"
    SHIPPED = "shipped"
    COLLECTED = "collected"
    CANCELLED = "cancelled"


class AuditedEntity(StrEnum):
    """What an audit row's state change is about; an order line or job line is named by its
    order or job and its line number."""

    ORDER = "order"
    ORDER_LINE = "order_line"
    JOB = "job"
    JOB_LINE = "job_line"
    RESERVATION = "reservation"
    DELIVERY = "delivery"
    TRANSFER = "transfer"
    RETURN = "return"
    SALE = "sale"
    """A counter sale, named by its operation id (the receipt reference): voided."""
    JOB_HOLDER = "job_holder"
    """Who holds a job being picked, as ``device`` or ``device/person``: a manager took it over."""


class CancelReason(StrEnum):
    """Why a job, an order line or a job line ended without reaching the customer: one list for
    jobs, routing and reports. A store gives one of the ``RejectReason`` subset when it rejects
    a line; the ledger gives the others."""

    NOT_FOUND = "not_found"
    """Not in stock: the units were not where the record said (the word stores always sent)."""
    DAMAGED = "damaged"
    MISMATCH = "mismatch"
    """The unit on the shelf is not the one ordered (another size or colour under the label)."""
    NOT_CLAIMED_IN_TIME = "not_claimed_in_time"
    """Offered to stores, and none claimed it before its timer ran out."""
    NOT_PREPARED_IN_TIME = "not_prepared_in_time"
    """Its hold ran out before the job was prepared, and its units had gone to other orders."""
    NO_SHOW = "no_show"
    """Ready for collection, and the customer did not come by the collection deadline."""
    CUSTOMER_CANCELLED = "customer_cancelled"
    UNFULFILLABLE = "unfulfillable"
    """No location, shelf or incoming document, could serve it."""
    OTHER = "other"


class RejectReason(StrEnum):
    """The reasons a store may give when it rejects (short picks) a line: a subset of
    ``CancelReason``, with the same words."""

    NOT_FOUND = CancelReason.NOT_FOUND.value
    DAMAGED = CancelReason.DAMAGED.value
    MISMATCH = CancelReason.MISMATCH.value
    OTHER = CancelReason.OTHER.value


STORE_CANCEL_REASONS: tuple[CancelReason, ...] = (
    CancelReason.CUSTOMER_CANCELLED,
    CancelReason.DAMAGED,
    CancelReason.NOT_FOUND,
    CancelReason.MISMATCH,
    CancelReason.OTHER,
)
"""The reasons a store gives when it cancels a job (in the order its terminal offers them); the
ledger gives the others (no show, not claimed or prepared in time, unfulfillable)."""


_S = JobStateName

FINAL_JOB_STATES = frozenset({_S.SHIPPED, _S.COLLECTED, _S.CANCELLED, _S.REJECTED})
"""States a job never leaves: it is out of its store's queue."""

NEXT_JOB_STATES: Mapping[JobKind, Mapping[JobStateName, frozenset[JobStateName]]] = {
    JobKind.SHIP: {
        _S.ASSIGNED: frozenset({_S.PICKING}),
        _S.PICKING: frozenset({_S.PICKED}),
        _S.PICKED: frozenset({_S.PACKED, _S.CANCELLED}),
        _S.PACKED: frozenset({_S.SHIPPED}),
    },
    JobKind.COLLECT: {
        _S.ASSIGNED: frozenset({_S.PICKING}),
        _S.PICKING: frozenset({_S.PICKED}),
        _S.PICKED: frozenset({_S.READY, _S.CANCELLED}),
        _S.READY: frozenset({_S.COLLECTED, _S.CANCELLED}),
    },
    JobKind.DROP_SHIP: {
        _S.ASSIGNED: frozenset({_S.ACKNOWLEDGED, _S.CANCELLED}),
        _S.ACKNOWLEDGED: frozenset({_S.SHIPPED, _S.CANCELLED}),
    },
}
"""The steps a job may take, per kind; ``rejected`` is reached by rejecting lines, not a step."""

STORE_JOB_STATES = FINAL_JOB_STATES | frozenset(
    state
    for kind in (JobKind.SHIP, JobKind.COLLECT)
    for current, following in NEXT_JOB_STATES[kind].items()
    for state in (current, *following)
)
"""The states a store's own jobs (shipped or collected there) go through: what its queue counts."""

LINE_REJECTABLE_STATES = frozenset({_S.ASSIGNED, _S.PICKING, _S.ACKNOWLEDGED})
"""Lines are rejected (short pick) while the job is being picked, before it is picked; a
supplier rejects a drop-ship line any time before it ships."""

HELD_JOB_STATES = frozenset({_S.PICKING})
"""A job in these states belongs to the device that started picking it (or to the manager who
took it over): another device's steps on it are refused until it is picked."""

LINE_END_STATES: Mapping[JobStateName, JobLineState] = {
    _S.SHIPPED: JobLineState.SHIPPED,
    _S.COLLECTED: JobLineState.COLLECTED,
    _S.CANCELLED: JobLineState.CANCELLED,
}
"""What the open lines of a job become when the job reaches one of these states."""


def allowed_next(kind: str, state: str) -> frozenset[JobStateName]:
    """The states a job of ``kind`` in ``state`` may move to: none from a final state, and none
    for a kind or state this table does not know (a newer ledger's word)."""
    try:
        return NEXT_JOB_STATES[JobKind(kind)].get(JobStateName(state), frozenset())
    except ValueError:
        return frozenset()


def can_reject_lines(state: str) -> bool:
    return state in LINE_REJECTABLE_STATES


def is_late(state: str, due_at: datetime, now: datetime, *, reported_late: bool = False) -> bool:
    """Still open past the time its current step was due: ``due_at`` is when the job entered
    its state plus that state's target in the policy (to start, to pick, to pack, to ship, to
    hand over), as the ledger worked it out.

    ``reported_late`` is the ledger's own last word: a store whose clock runs behind the
    ledger's still shows a job late once the ledger has said so.
    """
    return state not in FINAL_JOB_STATES and (now > due_at or reported_late)


# --- Counts and stock suggestions ------------------------------------------------------------


class CountTaskReason(StrEnum):
    """Why a position is to be counted; a count answering no open task is ``unplanned``."""

    SHORT_PICK = "short_pick"
    BELOW_ZERO = "below_zero"
    """A counter sale took the record below zero: the record was wrong."""
    CYCLE = "cycle"
    """Opened by the cycle-count schedule."""
    UNPLANNED = "unplanned"
    SENT_WITHOUT_STOCK = "sent_without_stock"
    """A transfer was sent with units the record did not hold free: the record was wrong."""


TransferReason = Literal["sleeping_stock", "broken_size_run"]
"""Why rebalancing suggests a transfer: units asleep where they do not sell, or a size run with
holes where it does."""


# --- Stock in motion -------------------------------------------------------------------------


class DocumentKind(StrEnum):
    """A document that brings units to a location: what discrepancies and promises refer to."""

    DELIVERY = "delivery"
    TRANSFER = "transfer"


class InboundKind(StrEnum):
    """What announced a delivery to a location."""

    PURCHASE_ORDER = "purchase_order"
    SHIPPING_NOTICE = "shipping_notice"
    """An advance shipping notice: the supplier or warehouse says what it has sent."""
    UNANNOUNCED = "unannounced"
    """Received blind: nothing announced it, the store recorded what arrived (flagged)."""


class SourceKind(StrEnum):
    SUPPLIER = "supplier"
    LOCATION = "location"
    """A warehouse or a store of the network."""


class DeliveryState(StrEnum):
    EXPECTED = "expected"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class TransferState(StrEnum):
    REQUESTED = "requested"
    """Asked for; nothing has moved yet."""
    SENT = "sent"
    """Left the source's shelf: the units are in transit, incoming at the destination."""
    RECEIVED = "received"
    CANCELLED = "cancelled"
    """Called off before it was sent."""


class TransferOrigin(StrEnum):
    """Who asked for a transfer: a manager, or a line of a report turned into a request."""

    MANUAL = "manual"
    REBALANCING = "rebalancing"
    REPLENISHMENT = "replenishment"


class DiscrepancyKind(StrEnum):
    """How what moved differed from what the document said."""

    UNDER_RECEIVED = "under_received"
    OVER_RECEIVED = "over_received"
    UNEXPECTED = "unexpected"
    """An item that is not on the document at all."""
    UNDER_SHIPPED = "under_shipped"
    """A transfer sent with fewer units than requested."""
    OVER_SHIPPED = "over_shipped"
    UNANNOUNCED = "unannounced"
    """A whole delivery received blind."""
    SENT_WITHOUT_STOCK = "sent_without_stock"
    """Sent from a location whose record did not hold the units: recorded, the position flagged."""


class DiscrepancyReason(StrEnum):
    """Why, as the person receiving or sending says it."""

    MISSING = "missing"
    DAMAGED = "damaged"
    EXTRA = "extra"
    WRONG_ITEM = "wrong_item"
    NOT_IN_STOCK = "not_in_stock"
    OTHER = "other"


DEFAULT_DISCREPANCY_REASON: Mapping[DiscrepancyKind, DiscrepancyReason] = {
    DiscrepancyKind.UNDER_RECEIVED: DiscrepancyReason.MISSING,
    DiscrepancyKind.OVER_RECEIVED: DiscrepancyReason.EXTRA,
    DiscrepancyKind.UNEXPECTED: DiscrepancyReason.WRONG_ITEM,
    DiscrepancyKind.UNDER_SHIPPED: DiscrepancyReason.NOT_IN_STOCK,
    DiscrepancyKind.OVER_SHIPPED: DiscrepancyReason.EXTRA,
    DiscrepancyKind.UNANNOUNCED: DiscrepancyReason.OTHER,
    DiscrepancyKind.SENT_WITHOUT_STOCK: DiscrepancyReason.NOT_IN_STOCK,
}
"""The reason recorded when the person gave none."""


class HoldState(StrEnum):
    """A promise of incoming units to an order line (future stock)."""

    OPEN = "open"
    CONVERTED = "converted"
    """The document arrived: the units are on the shelf, held for the order's job."""
    REROUTED = "rerouted"
    """The document came short (or was cancelled): the line was routed again."""


# --- The counter's other half: returns, voids, write-offs ------------------------------------


DEFAULT_RETURN_REASONS: tuple[str, ...] = (
    "wrong_size",
    "changed_mind",
    "faulty",
    "not_as_described",
    "arrived_late",
    "other",
)
"""The reasons a customer's return may give when the policy file lists none of its own."""


class ReturnFlag(StrEnum):
    """What a recorded return did not match: the unit came back all the same (it is in the
    store), so the return is kept and flagged for head office to look at."""

    UNKNOWN_ORDER = "unknown_order"
    """The order named is not one of this network's."""
    NOT_ON_ORDER = "not_on_order"
    """The order has no line of this SKU (or not the line named)."""
    MORE_THAN_SOLD = "more_than_sold"
    """More units than the order line (or the sale) took, counting earlier returns."""
    UNKNOWN_SALE = "unknown_sale"
    """The receipt reference names no counter sale of this network."""
