"""Catalog lines written set-based: the same rows, feed entries and audit row as the catalog
service's ``upsert_items``, with one statement per table for a whole chunk.

The chunk's lines are already checked against the file and the catalog (``items``): no GTIN of
theirs belongs to another SKU. A GTIN the ledger has for a listed SKU and the line does not is
taken off it, and the item's feed entry names it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ordersync.contract import ItemIn
from ordersync.db.ledger_tx import LedgerTx
from ordersync.imports.staging import Stage
from ordersync.services.tokens import CLI_ACTOR

ITEM_COLUMNS = (
    "sku",
    "reference",
    "name",
    "size",
    "size_row",
    "size_column",
    "colour",
    "price_minor",
    "currency",
)
ITEMS_STAGE = Stage(
    "import_items",
    tuple((name, "BIGINT" if name == "price_minor" else "TEXT") for name in ITEM_COLUMNS),
)
BARCODES_STAGE = Stage("import_barcodes", (("gtin", "TEXT"), ("sku", "TEXT")))
_UPSERT_ITEMS = (
    f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}, updated_at) SELECT {', '.join(ITEM_COLUMNS)}, "
    f":now FROM {ITEMS_STAGE.name} WHERE true ON CONFLICT (sku) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in (*ITEM_COLUMNS[1:], "updated_at"))
)
_UPSERT_BARCODES = (
    f"INSERT INTO item_barcodes (gtin, sku) SELECT gtin, sku FROM {BARCODES_STAGE.name} "
    "WHERE true ON CONFLICT (gtin) DO UPDATE SET sku = excluded.sku"
)


def write_items(tx: LedgerTx, items: Sequence[ItemIn]) -> None:
    existing = tx.barcodes_of([item.sku for item in items])
    dropped: dict[str, list[str]] = {}
    for item in items:
        gone = sorted(existing.get(item.sku, set()) - set(item.gtins))
        if gone:
            dropped[item.sku] = gone
    if dropped:
        tx.delete_barcodes([gtin for gtins in dropped.values() for gtin in gtins])
    ITEMS_STAGE.load(tx, [tuple(getattr(item, name) for name in ITEM_COLUMNS) for item in items])
    tx.sql.execute(_UPSERT_ITEMS, {"now": tx.sql.time(tx.now)})
    BARCODES_STAGE.load(tx, [(gtin, item.sku) for item in items for gtin in item.gtins])
    tx.sql.execute(_UPSERT_BARCODES)
    for item in items:
        tx.record_change(
            "item",
            item.sku,
            "",
            {"item": item.model_dump(mode="json"), "barcodes_removed": dropped.get(item.sku, [])},
        )
    tx.audit_by(
        CLI_ACTOR,
        operation="items.upsert",
        location=CLI_ACTOR.location,
        detail={"count": len(items)},
    )
