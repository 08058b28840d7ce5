"""Applying change-feed pages to the cache, each page and its cursor in one transaction.

A page is read into plain dicts (``FeedPage``, typed below) rather than into the contract's
models: the ledger validated every item and location when it accepted them (GTIN check digits,
code patterns, time zones), and checking them again for each of the 600,000 rows of a bootstrap
cost more than everything else a bootstrap does. The types of every field are still checked,
and an unknown change kind is still refused. Rows go to SQLite as tuples on the DB-API cursor.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field, TypeAdapter
from sqlalchemy import Connection, Engine, text
from typing_extensions import TypedDict  # pydantic reads only this one's fields on 3.11

from ordersync.contract import InboundDelivery, Job, Offer, Transfer
from storeapp.cache.incoming import UPSERT_INCOMING_SQL, FeedIncomingChange, incoming_row
from storeapp.cache.job_holders import remember_device
from storeapp.cache.jobs import upsert_jobs
from storeapp.cache.motion import (
    MOTION_VIEW_TABLES,
    FeedDeliveryChange,
    FeedTransferChange,
    apply_motion,
)
from storeapp.cache.offers import upsert_offers
from storeapp.cache.positions import UPSERT_POSITION_SQL, dispositions_json
from storeapp.cache.staff import UPSERT_STAFF_SQL
from storeapp.cache.state import (
    CURSOR,
    LAST_CONTACT,
    LAST_FEED_AT,
    LEDGER_ID,
    LOCATION,
    write_state,
)

_VIEW_TABLES = (
    "items",
    "barcodes",
    "locations",
    "positions",
    "network_totals",
    "remote_positions",
    "jobs",
    "job_holders",
    "offers",
    "staff",
    *MOTION_VIEW_TABLES,
    "incoming",
    "return_reasons",
)


# --- A feed page as the cache reads it (the wire format of ``ordersync.contract.ChangePage``) --


class FeedItem(TypedDict):
    sku: str
    reference: str
    name: str
    size: str
    size_row: NotRequired[str | None]
    size_column: NotRequired[str | None]
    colour: str
    gtins: list[str]
    price_minor: int
    currency: NotRequired[str]


class FeedLocation(TypedDict):
    code: str
    kind: str
    name: str
    timezone: str
    latitude: float
    longitude: float
    fulfils_web_orders: NotRequired[bool]


class FeedPosition(TypedDict):
    sku: str
    location: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int
    suspect: bool
    seq: int
    updated_at: datetime
    unavailable: NotRequired[int]
    dispositions: NotRequired[dict[str, int]]
    """Units set aside, per disposition; a ledger older than dispositions sends neither."""


class FeedTotal(TypedDict):
    sku: str
    on_hand: int
    reserved: int
    available: int


class FeedItemChange(TypedDict):
    seq: int
    kind: Literal["item"]
    item: FeedItem
    barcodes_removed: NotRequired[list[str]]


class FeedLocationChange(TypedDict):
    seq: int
    kind: Literal["location"]
    location: FeedLocation


class FeedPositionChange(TypedDict):
    seq: int
    kind: Literal["position"]
    position: FeedPosition


class FeedNetworkChange(TypedDict):
    seq: int
    kind: Literal["network"]
    total: FeedTotal


class FeedJobChange(TypedDict):
    seq: int
    kind: Literal["job"]
    job: Job


class FeedOfferChange(TypedDict):
    seq: int
    kind: Literal["offer"]
    offer: Offer


class FeedStaff(TypedDict):
    code: str
    name: str
    role: str
    location: str
    active: bool
    pin_verifier: str


class FeedStaffChange(TypedDict):
    seq: int
    kind: Literal["staff"]
    staff: FeedStaff


FeedChange = Annotated[
    FeedItemChange
    | FeedLocationChange
    | FeedPositionChange
    | FeedNetworkChange
    | FeedJobChange
    | FeedStaffChange
    | FeedDeliveryChange
    | FeedTransferChange
    | FeedIncomingChange
    | FeedOfferChange,
    Field(discriminator="kind"),
]


@dataclass(frozen=True, slots=True)
class FeedPage:
    """A page of the change feed: ask again with ``since=next_since`` while ``has_more``."""

    ledger_id: str
    location: str
    changes: list[FeedChange]
    next_since: int
    has_more: bool
    head: int
    reset: bool = False
    device: str | None = None
    """The device that asked (see ``storeapp.cache.job_holders``)."""


FEED_PAGE: TypeAdapter[FeedPage] = TypeAdapter(FeedPage)
"""Reads a page from the ledger's JSON reply (``FEED_PAGE.validate_json``)."""


# --- Writing a page --------------------------------------------------------------------------


def fold(value: str) -> str:
    """Lower case without accents, so "soutien-gorge eléa" finds "Soutien-gorge Éléa"."""
    if value.isascii():  # nothing to decompose: most of a catalog
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_ITEMS_SQL = (
    "INSERT OR REPLACE INTO items (sku, reference, name, size, size_row, size_column, colour, "
    "price_minor, currency, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_BARCODES_SQL = "INSERT OR REPLACE INTO barcodes (gtin, sku) VALUES (?, ?)"
_REMOVED_SQL = "DELETE FROM barcodes WHERE gtin = ?"
_LOCATIONS_SQL = (
    "INSERT OR REPLACE INTO locations (code, kind, name, timezone, latitude, longitude, "
    "fulfils_web_orders) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_TOTALS_SQL = (
    "INSERT OR REPLACE INTO network_totals (sku, on_hand, reserved, available) VALUES (?, ?, ?, ?)"
)


def apply_page(engine: Engine, page: FeedPage, now: datetime) -> int:
    """Write a page and move the cursor; returns how many changes it held."""
    items: list[tuple[Any, ...]] = []
    barcodes: list[tuple[str, str]] = []
    removed: list[tuple[str]] = []
    locations: list[tuple[Any, ...]] = []
    positions: list[tuple[Any, ...]] = []
    totals: list[tuple[Any, ...]] = []
    jobs: list[tuple[int, Job]] = []
    offers: list[tuple[int, Offer]] = []
    deliveries: list[tuple[int, InboundDelivery]] = []
    transfers: list[tuple[int, Transfer]] = []
    staff: list[tuple[Any, ...]] = []
    incoming: list[tuple[Any, ...]] = []
    for change in page.changes:
        if change["kind"] == "network":
            t = change["total"]
            totals.append((t["sku"], t["on_hand"], t["reserved"], t["available"]))
        elif change["kind"] == "item":
            i = change["item"]
            sku = i["sku"]
            items.append(
                (
                    sku,
                    i["reference"],
                    i["name"],
                    i["size"],
                    i.get("size_row"),
                    i.get("size_column"),
                    i["colour"],
                    i["price_minor"],
                    i.get("currency", "EUR"),
                    fold(f"{i['name']} {i['reference']} {sku} {i['colour']}"),
                )
            )
            barcodes.extend((gtin, sku) for gtin in i["gtins"])
            removed.extend((gtin,) for gtin in change.get("barcodes_removed", ()))
        elif change["kind"] == "position":
            p = change["position"]
            positions.append(
                (
                    p["sku"],
                    p["location"],
                    p["on_hand"],
                    p["reserved"],
                    p["safety_stock"],
                    p["suspect"],
                    p["seq"],
                    p["updated_at"].isoformat(),
                    p.get("unavailable", 0),
                    dispositions_json(p.get("dispositions", {})),
                )
            )
        elif change["kind"] == "location":
            loc = change["location"]
            locations.append(
                (
                    loc["code"],
                    loc["kind"],
                    loc["name"],
                    loc["timezone"],
                    loc["latitude"],
                    loc["longitude"],
                    loc.get("fulfils_web_orders", True),
                )
            )
        elif change["kind"] == "job":
            jobs.append((change["seq"], change["job"]))
        elif change["kind"] == "offer":
            offers.append((change["seq"], change["offer"]))
        elif change["kind"] == "delivery":
            deliveries.append((change["seq"], change["delivery"]))
        elif change["kind"] == "transfer":
            transfers.append((change["seq"], change["transfer"]))
        elif change["kind"] == "staff":
            person = change["staff"]
            staff.append(
                (
                    person["code"],
                    person["name"],
                    person["role"],
                    person["location"],
                    person["active"],
                    person["pin_verifier"],
                )
            )
        elif change["kind"] == "incoming":
            row = incoming_row(change, page.location)
            if row is not None:
                incoming.append(row)
    with engine.begin() as connection:
        cursor = _cursor(connection)
        try:
            if removed:
                cursor.executemany(_REMOVED_SQL, removed)
            if items:
                cursor.executemany(_ITEMS_SQL, items)
            if barcodes:
                cursor.executemany(_BARCODES_SQL, barcodes)
            if locations:
                cursor.executemany(_LOCATIONS_SQL, locations)
            if positions:
                cursor.executemany(UPSERT_POSITION_SQL, positions)
            if totals:
                cursor.executemany(_TOTALS_SQL, totals)
            if staff:
                cursor.executemany(UPSERT_STAFF_SQL, staff)
            if incoming:
                cursor.executemany(UPSERT_INCOMING_SQL, incoming)
        finally:
            cursor.close()
        upsert_jobs(connection, jobs, now)
        upsert_offers(connection, offers, now)
        apply_motion(connection, deliveries, transfers)
        write_state(connection, CURSOR, str(page.next_since))
        write_state(connection, LEDGER_ID, page.ledger_id)
        write_state(connection, LOCATION, page.location)
        remember_device(connection, page.device)
        write_state(connection, LAST_CONTACT, now.isoformat())
        write_state(connection, LAST_FEED_AT, now.isoformat())
    return len(page.changes)


def _cursor(connection: Connection) -> Any:
    """A DB-API cursor of the transaction's own connection (so inside the same transaction):
    ``executemany`` of tuples there costs a fraction of SQLAlchemy's per-row parameter work."""
    raw = connection.connection.driver_connection
    assert raw is not None
    return raw.cursor()


def reset_view(engine: Engine) -> None:
    """Forget the ledger's view (to bootstrap again); the outbox and its effects stay, and so
    does this device's own work on jobs (actions not yet seen back, scanned units)."""
    with engine.begin() as connection:
        for table in _VIEW_TABLES:
            connection.execute(text(f"DELETE FROM {table}"))
        write_state(connection, CURSOR, "0")
        write_state(connection, LEDGER_ID, None)
