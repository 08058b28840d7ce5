"""Messages of the TUI: what workers (threads) and widgets tell the screens and the app.

Workers never touch widgets: they post one of these (``post_message`` is thread-safe) and the
handler, on the event loop, updates the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from textual.message import Message
from textual.notifications import SeverityLevel

from storeapp.cache.outbox import Entry
from storeapp.services.job_views import JobQueue, JobView
from storeapp.services.lookup import ItemView, LookupResult
from storeapp.services.offers import OfferView
from storeapp.services.orders import OrderInputError, OrderOutcome
from storeapp.services.picking import PickingRefused, ScanResult
from storeapp.services.status import StoreStatus
from storeapp.sync.engine import SyncReport


@dataclass
class StatusRead(Message):
    """The status line's facts, freshly read from the cache."""

    status: StoreStatus


@dataclass
class SyncReported(Message):
    """A sync round ended (the app's own worker or a "sync now")."""

    report: SyncReport
    at: datetime


@dataclass
class Notice(Message):
    """Something staff should read, from a worker: shown as a notification."""

    text: str
    severity: SeverityLevel = "information"


@dataclass
class LookupFinished(Message):
    """The answer to what was typed or scanned on the lookup screen."""

    result: LookupResult


@dataclass
class ScanFinished(Message):
    """The answer to a scan made away from the lookup screen."""

    result: LookupResult


@dataclass
class OpenItem(Message):
    """Show this SKU on the item screen."""

    sku: str


@dataclass
class ItemLoaded(Message):
    """Everything the item screen shows; ``live`` when the network was asked just now."""

    view: ItemView
    checked_live: bool


@dataclass
class ItemLoadFailed(Message):
    sku: str
    reason: str
    missing: bool = False


@dataclass
class SizeChosen(Message):
    """A size picked in the size grid."""

    sku: str


@dataclass
class SaleRecorded(Message):
    """A counter sale is in the cache and its outbox entry waits for the ledger."""

    sku: str
    qty: int


@dataclass
class OutboxLoaded(Message):
    """The outbox as the sync screen shows it."""

    pending: list[Entry]
    attention: list[Entry]
    job_ids: dict[str, str] = field(default_factory=dict)
    """The store's cached jobs and the start of each id that tells it apart."""


@dataclass
class EntryDismissed(Message):
    entry_id: int
    done: bool


@dataclass
class JobsLoaded(Message):
    """The store's queue of jobs, freshly read from the cache."""

    queue: JobQueue


@dataclass
class OffersLoaded(Message):
    """The store's offers (those that ended today too), freshly read from the cache."""

    offers: list[OfferView]


@dataclass
class OfferClaimed(Message):
    """A claim of an offer is written; its outbox entry waits for the ledger."""

    offer: OfferView


@dataclass
class JobLoaded(Message):
    """One job with its pick list; None when the cache does not hold it (any more)."""

    job_id: str
    job: JobView | None


@dataclass
class JobScanned(Message):
    """A scanned unit was counted on the pick list."""

    result: ScanResult


@dataclass
class JobActionDone(Message):
    """A transition or short pick is written, its outbox entry waits for the ledger."""

    action: str
    job: JobView


@dataclass
class PickFailed(Message):
    """The picking service refused a scan or an action; nothing was written."""

    error: PickingRefused


@dataclass
class OrderFinished(Message):
    """An order in store was placed, kept for later, or refused by the ledger."""

    outcome: OrderOutcome


@dataclass
class OrderInvalid(Message):
    """The order was not written: the service refused the form's input (``error``), or it
    failed (``reason``)."""

    error: OrderInputError | None
    reason: str = ""
