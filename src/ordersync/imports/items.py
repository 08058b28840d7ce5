"""``items.csv``: the catalog, one line per SKU with its size, colour, price and GTINs.

A SKU's GTINs are one cell, separated by ``|``; each is checked with the contract's GTIN check
(GTIN-8 or GTIN-13 with the right check digit). The file is the truth for the SKUs it lists: a
GTIN the ledger has for a listed SKU and the file does not is taken off it. A GTIN may label one
SKU only: given to two SKUs of the file, or already carried by another SKU of the catalog, the
line is bad. A line that changes nothing is counted unchanged and publishes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from ordersync.contract import ItemIn, gtin_problem
from ordersync.db.ledger_tx import ITEMS, LedgerTx
from ordersync.imports.cells import BadValue, Cells
from ordersync.imports.chunks import ChunkOutcome
from ordersync.imports.csv_files import Columns
from ordersync.imports.item_writes import write_items
from ordersync.imports.runs import ImportRun
from ordersync.imports.summary import BadLine
from ordersync.imports.validation import reason_of

COLUMNS = Columns(
    required=("sku", "reference", "name", "size", "colour", "price", "gtins"),
    optional=("size_row", "size_column", "currency"),
)
GTIN_SEPARATOR = re.compile(r"[|\s]+")
DEFAULT_CURRENCY = "EUR"


class ItemsKind:
    columns = COLUMNS
    chunk_lines = 20_000

    def __init__(self) -> None:
        self._sku_lines: dict[str, int] = {}
        self._gtin_owners: dict[str, tuple[str, int]] = {}

    def read(self, line: int, fields: list[str], positions: dict[str, int]) -> tuple[int, ItemIn]:
        cells = Cells(fields, positions)
        currency = cells.raw("currency").upper() or DEFAULT_CURRENCY
        gtins = [code for code in GTIN_SEPARATOR.split(cells.raw("gtins")) if code]
        if not gtins:
            raise BadValue("gtins is empty: give at least one GTIN")
        for code in gtins:
            problem = gtin_problem(code)
            if problem is not None:
                raise BadValue(f"GTIN {code}: {problem}")
        values: dict[str, Any] = {
            "sku": cells.text("sku", max_length=64),
            "reference": cells.text("reference", max_length=64),
            "name": cells.text("name", max_length=200),
            "size": cells.text("size", max_length=32),
            "size_row": cells.optional_text("size_row", max_length=16),
            "size_column": cells.optional_text("size_column", max_length=16),
            "colour": cells.text("colour", max_length=64),
            "price_minor": cells.price_minor("price", currency),
            "currency": currency,
            "gtins": list(dict.fromkeys(gtins)),
        }
        try:
            item = ItemIn.model_validate(values)
        except ValidationError as error:
            raise BadValue(reason_of(error)) from None
        self._claim(line, item)
        return line, item

    def _claim(self, line: int, item: ItemIn) -> None:
        first = self._sku_lines.setdefault(item.sku, line)
        if first != line:
            raise BadValue(f"SKU {item.sku} is already on line {first}")
        for code in item.gtins:
            owner, owner_line = self._gtin_owners.get(code, (item.sku, line))
            if owner != item.sku:
                raise BadValue(f"GTIN {code} is already given to SKU {owner} on line {owner_line}")
        for code in item.gtins:
            self._gtin_owners[code] = (item.sku, line)

    def apply(self, tx: LedgerTx, run: ImportRun, records: Sequence[Any]) -> ChunkOutcome:
        lines: list[tuple[int, ItemIn]] = list(records)
        skus = [item.sku for _, item in lines]
        owners = tx.barcode_owners([code for _, item in lines for code in item.gtins])
        current = _current_items(tx, skus)
        bad: list[BadLine] = []
        changed: list[ItemIn] = []
        for line, item in lines:
            taken = [code for code in item.gtins if owners.get(code, item.sku) != item.sku]
            if taken:
                bad.append(
                    BadLine(line, f"GTIN {taken[0]} already belongs to SKU {owners[taken[0]]}")
                )
            elif current.get(item.sku) != _comparable(item):
                changed.append(item)
        if changed:
            write_items(tx, changed)
        unchanged = len(lines) - len(changed) - len(bad)
        return ChunkOutcome(applied=len(changed), unchanged=unchanged, bad=bad)


def _comparable(item: ItemIn) -> tuple[Any, ...]:
    return (
        item.reference,
        item.name,
        item.size,
        item.size_row,
        item.size_column,
        item.colour,
        item.price_minor,
        item.currency,
        frozenset(item.gtins),
    )


def _current_items(tx: LedgerTx, skus: list[str]) -> dict[str, tuple[Any, ...]]:
    gtins = tx.barcodes_of(skus)
    rows = tx.connection.execute(select(ITEMS).where(ITEMS.c.sku.in_(skus)))
    return {
        row.sku: (
            row.reference,
            row.name,
            row.size,
            row.size_row,
            row.size_column,
            row.colour,
            int(row.price_minor),
            row.currency,
            frozenset(gtins.get(row.sku, set())),
        )
        for row in rows
    }
