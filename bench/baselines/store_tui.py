"""Baseline of the store app measures: the least Textual app that does the same job: an input
that takes a scan, the same cache read raw (barcode → item → its reference's sizes with this
store's and the network's availability) and a size grid on screen.

    python -m bench.baselines.store_tui CACHE_DB STORE
"""

from __future__ import annotations

import sqlite3
import sys
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Static


class BaselineStoreApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, cache: str, store: str) -> None:
        super().__init__()
        self.connection = sqlite3.connect(cache, check_same_thread=False)
        self.store = store

    def compose(self) -> ComposeResult:
        yield Static("Scan a barcode, or type a SKU, then Enter.", id="hint")
        yield Input(placeholder="Barcode", id="query")
        yield Static("", id="caption")
        yield DataTable(id="grid")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        code = event.value.strip()
        event.input.value = ""
        found = self.connection.execute(
            "SELECT i.sku, i.reference, i.colour FROM barcodes b JOIN items i ON i.sku = b.sku "
            "WHERE b.gtin = ?",
            (code,),
        ).fetchone()
        if found is None:
            self.query_one("#caption", Static).update(f"Nothing for {code}")
            return
        sku, reference, colour = found
        cells = self.connection.execute(
            "SELECT i.size_row, i.size_column, "
            "COALESCE(p.on_hand - p.reserved - p.safety_stock, 0), COALESCE(n.available, 0) "
            "FROM items i LEFT JOIN positions p ON p.sku = i.sku AND p.location = ? "
            "LEFT JOIN network_totals n ON n.sku = i.sku "
            "WHERE i.reference = ? AND i.colour = ?",
            (self.store, reference, colour),
        ).fetchall()
        rows = sorted({row for row, *_ in cells})
        columns = sorted({column for _, column, *_ in cells})
        grid = {(row, column): f"{here} · {network}" for row, column, here, network in cells}
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for column in columns:
            table.add_column(column, key=column)
        for row in rows:
            table.add_row(*(grid.get((row, column), "-") for column in columns), label=row)
        self.query_one("#caption", Static).update(f"{sku} · Sizes in {colour}")

    def action_clear(self) -> None:
        self.query_one("#caption", Static).update("")
        self.query_one(DataTable).clear(columns=True)
        self.query_one(Input).focus()


if __name__ == "__main__":
    BaselineStoreApp(sys.argv[1], sys.argv[2]).run()
