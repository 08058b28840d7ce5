"""Several items match what was typed: pick one with the arrows and Enter."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from storeapp.i18n import _
from storeapp.services.catalog import CatalogItem
from storeapp.tui.messages import OpenItem
from storeapp.wording.figures import money


class MatchesTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_column(Text(_("SKU")), key="sku")
        self.add_column(Text(_("Name")), key="name", width=24)
        self.add_column(Text(_("Colour")), key="colour")
        self.add_column(Text(_("Size")), key="size")
        self.add_column(Text(_("Price"), justify="right"), key="price")

    def show(self, items: list[CatalogItem]) -> None:
        self.clear()
        for item in items:
            self.add_row(
                Text(item.sku),
                Text(item.name, overflow="ellipsis", no_wrap=True),
                Text(item.colour),
                Text(item.size),
                Text(money(item.price_minor, item.currency), justify="right"),
                key=item.sku,
            )
        if items:
            self.move_cursor(row=0, animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(OpenItem(event.row_key.value))
