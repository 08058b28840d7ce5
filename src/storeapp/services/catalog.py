"""Reading the cached catalog: barcodes, SKUs, references, name search, and the size grid order
(the contract's ``size_order``, the one the ledger sorts sizes by)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from ordersync.contract import size_order as size_order
from storeapp.cache.feed_apply import fold


@dataclass(frozen=True, slots=True)
class CatalogItem:
    sku: str
    reference: str
    name: str
    size: str
    size_row: str | None
    size_column: str | None
    colour: str
    price_minor: int
    currency: str


_COLUMNS = "sku, reference, name, size, size_row, size_column, colour, price_minor, currency"


# Both compare without case (staff type "bra-noir-85b"); the cache's NOCASE indexes on
# ``items.sku`` and ``items (reference, sku)`` serve them (storeapp.cache.tables).
BY_SKU_SQL = f"SELECT {_COLUMNS} FROM items WHERE sku = :sku COLLATE NOCASE"
OF_REFERENCE_SQL = f"SELECT {_COLUMNS} FROM items WHERE reference = :r COLLATE NOCASE ORDER BY sku"


def _item(row: object) -> CatalogItem:
    return CatalogItem(*row)  # type: ignore[misc]


def by_gtin(connection: Connection, gtin: str) -> CatalogItem | None:
    row = connection.execute(
        text(
            f"SELECT {_COLUMNS} FROM items WHERE sku = (SELECT sku FROM barcodes WHERE gtin = :g)"
        ),
        {"g": gtin},
    ).first()
    return None if row is None else _item(row)


def by_sku(connection: Connection, sku: str) -> CatalogItem | None:
    row = connection.execute(text(BY_SKU_SQL), {"sku": sku}).first()
    return None if row is None else _item(row)


def of_reference(connection: Connection, reference: str) -> list[CatalogItem]:
    rows = connection.execute(text(OF_REFERENCE_SQL), {"r": reference})
    return [_item(row) for row in rows]


def search(connection: Connection, query: str, limit: int = 50) -> list[CatalogItem]:
    """Items whose name, reference, SKU or colour hold every word of ``query``."""
    words = [w for w in re.split(r"\s+", fold(query)) if w]
    if not words:
        return []
    clauses = " AND ".join(f"search_text LIKE :w{i} ESCAPE '\\'" for i in range(len(words)))
    params: dict[str, object] = {f"w{i}": f"%{_escape_like(w)}%" for i, w in enumerate(words)}
    params["limit"] = limit
    rows = connection.execute(
        text(f"SELECT {_COLUMNS} FROM items WHERE {clauses} ORDER BY reference, sku LIMIT :limit"),
        params,
    )
    return [_item(row) for row in rows]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
