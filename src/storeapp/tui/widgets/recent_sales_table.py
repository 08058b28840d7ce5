"""This terminal's recent counter sales, newest first, with the sales already voided, or refused
by the ledger, marked. A sale's receipt reference (what a void or a return names) is long: the
screen shows the selected one's whole, under the table."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from storeapp.i18n import _
from storeapp.services.voids import RecentSale
from storeapp.tui.format import clock_time
from storeapp.wording.figures import NO_VALUE, number

NAME_WIDTH = 22
"""Item names are cut to this width, so the table fits 80 columns."""


def sale_state(sale: RecentSale) -> str:
    if sale.voided:
        return _("voided")
    if sale.refused:
        return _("refused")
    return ""


class RecentSalesTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.sales: dict[str, RecentSale] = {}

    def on_mount(self) -> None:
        self.add_column(Text(_("Sold"), justify="right"), key="when")
        self.add_column(Text(_("SKU")), key="sku")
        self.add_column(Text(_("Item")), key="item", width=NAME_WIDTH)
        self.add_column(Text(_("Units"), justify="right"), key="qty")
        self.add_column(Text(_("By")), key="person")
        self.add_column(Text(_("State")), key="state")

    def show(self, sales: list[RecentSale], now: datetime) -> None:
        current = self.highlighted()
        self.sales = {str(sale.op_id): sale for sale in sales}
        self.clear()
        for sale in sales:
            gone = sale.voided or sale.refused
            self.add_row(
                Text(clock_time(sale.occurred_at, now), justify="right"),
                Text(sale.sku, style="strike" if gone else ""),
                Text(sale.name or "", overflow="ellipsis", no_wrap=True),
                Text(number(sale.qty), justify="right", style="strike" if gone else ""),
                Text(sale.person or NO_VALUE),
                Text(sale_state(sale), style="bold" if gone else ""),
                key=str(sale.op_id),
            )
        if current is not None and str(current.op_id) in self.sales:
            self.move_cursor(row=self.get_row_index(str(current.op_id)), animate=False)

    def highlighted(self) -> RecentSale | None:
        if not self.sales or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else self.sales.get(key)
