"""Applying change-feed pages to the cache, each page and its cursor in one transaction."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text

from ordersync.contract import (
    ChangePage,
    ItemChange,
    Job,
    JobChange,
    LocationChange,
    NetworkChange,
    PositionChange,
)
from storeapp.cache.jobs import upsert_jobs
from storeapp.cache.positions import upsert_positions
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
)


def fold(value: str) -> str:
    """Lower case without accents, so "soutien-gorge eléa" finds "Soutien-gorge Éléa"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def apply_page(engine: Engine, page: ChangePage, now: datetime) -> int:
    """Write a page and move the cursor; returns how many changes it held."""
    items: list[dict[str, Any]] = []
    barcodes: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    locations: list[dict[str, Any]] = []
    positions = []
    totals: list[dict[str, Any]] = []
    jobs: list[tuple[int, Job]] = []
    for change in page.changes:
        if isinstance(change, ItemChange):
            item = change.item
            items.append(
                {
                    **item.model_dump(exclude={"gtins"}),
                    "search_text": fold(f"{item.name} {item.reference} {item.sku} {item.colour}"),
                }
            )
            barcodes.extend({"gtin": gtin, "sku": item.sku} for gtin in item.gtins)
            removed.extend({"gtin": gtin} for gtin in change.barcodes_removed)
        elif isinstance(change, LocationChange):
            locations.append(change.location.model_dump())
        elif isinstance(change, PositionChange):
            positions.append(change.position)
        elif isinstance(change, NetworkChange):
            totals.append(change.total.model_dump())
        elif isinstance(change, JobChange):
            jobs.append((change.seq, change.job))
    with engine.begin() as connection:
        if removed:
            connection.execute(text("DELETE FROM barcodes WHERE gtin = :gtin"), removed)
        if items:
            connection.execute(
                text(
                    "INSERT OR REPLACE INTO items (sku, reference, name, size, size_row, "
                    "size_column, colour, price_minor, currency, search_text) VALUES (:sku, "
                    ":reference, :name, :size, :size_row, :size_column, :colour, :price_minor, "
                    ":currency, :search_text)"
                ),
                items,
            )
        if barcodes:
            connection.execute(
                text("INSERT OR REPLACE INTO barcodes (gtin, sku) VALUES (:gtin, :sku)"), barcodes
            )
        if locations:
            connection.execute(
                text(
                    "INSERT OR REPLACE INTO locations (code, kind, name, timezone, latitude, "
                    "longitude, fulfils_web_orders) VALUES (:code, :kind, :name, :timezone, "
                    ":latitude, :longitude, :fulfils_web_orders)"
                ),
                locations,
            )
        upsert_positions(connection, positions)
        if totals:
            connection.execute(
                text(
                    "INSERT OR REPLACE INTO network_totals (sku, on_hand, reserved, available) "
                    "VALUES (:sku, :on_hand, :reserved, :available)"
                ),
                totals,
            )
        upsert_jobs(connection, jobs, now)
        write_state(connection, CURSOR, str(page.next_since))
        write_state(connection, LEDGER_ID, page.ledger_id)
        write_state(connection, LOCATION, page.location)
        write_state(connection, LAST_CONTACT, now.isoformat())
        write_state(connection, LAST_FEED_AT, now.isoformat())
    return len(page.changes)


def reset_view(engine: Engine) -> None:
    """Forget the ledger's view (to bootstrap again); the outbox and its effects stay, and so
    does this device's own work on jobs (actions not yet seen back, scanned units)."""
    with engine.begin() as connection:
        for table in _VIEW_TABLES:
            connection.execute(text(f"DELETE FROM {table}"))
        write_state(connection, CURSOR, "0")
        write_state(connection, LEDGER_ID, None)
