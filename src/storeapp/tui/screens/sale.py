"""Confirming a counter sale: how many units, Enter to record, Escape to cancel; a quantity above
the store's limit asks again, naming the quantity and the limit (a finger that slipped on the
keypad), and No goes back to the quantity with nothing recorded."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from ordersync.contract import MAX_QUANTITY
from storeapp.i18n import N_, _
from storeapp.services.catalog import CatalogItem
from storeapp.services.sales import NeedsConfirmation, check_line
from storeapp.tui.screens.base import StoreModal
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.wording.figures import money, number


class SaleScreen(StoreModal[int | None]):
    """Dismisses with the quantity sold (confirmed when above ``confirm_above``), or None when
    cancelled."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, item: CatalogItem, confirm_above: int) -> None:
        super().__init__()
        self.item = item
        self.confirm_above = confirm_above

    def compose(self) -> ComposeResult:
        item = self.item
        with Vertical(id="sale-dialog", classes="dialog"):
            yield Static(_("Counter sale"), classes="dialog-title", markup=False)
            yield Static(
                f"{item.name} · {item.sku} · {item.colour} {item.size}",
                markup=False,
            )
            with Horizontal(id="sale-line"):
                yield Label(_("Quantity"), id="sale-label")
                yield Input("1", id="sale-qty", type="integer", max_length=7)
                yield Static("", id="sale-total", markup=False)
            yield Static("", id="sale-error", markup=False)
            yield Static(
                _("Enter records the sale · Escape cancels"), classes="dialog-hint", markup=False
            )

    def on_mount(self) -> None:
        self._show_total("1")
        self.query_one("#sale-qty", Input).focus()

    def _quantity(self, value: str) -> int | None:
        try:
            qty = int(value)
        except ValueError:
            return None
        return qty if 1 <= qty <= MAX_QUANTITY else None

    def _show_total(self, value: str) -> None:
        qty = self._quantity(value)
        total = self.query_one("#sale-total", Static)
        if qty is None:
            total.update("")
        else:
            amount = money(qty * self.item.price_minor, self.item.currency)
            total.update(_("total {amount}", amount=amount))

    @on(Input.Changed, "#sale-qty")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#sale-error", Static).update("")
        self._show_total(event.value)

    @on(Input.Submitted, "#sale-qty")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        qty = self._quantity(event.value)
        if qty is None:
            self.query_one("#sale-error", Static).update(
                _("A sale is of 1 to {most} units.", most=MAX_QUANTITY)
            )
            return
        try:
            check_line(qty, self.confirm_above, confirmed=False)
        except NeedsConfirmation as needed:
            self._confirm(needed)
            return
        self.dismiss(qty)

    def _confirm(self, needed: NeedsConfirmation) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(needed.qty)
                return
            self.query_one("#sale-error", Static).update(
                _("Nothing recorded: correct the quantity, or confirm it.")
            )
            self.query_one("#sale-qty", Input).focus()

        question = _("Sell {qty} units of {sku}?", qty=number(needed.qty), sku=self.item.sku)
        self.app.push_screen(ConfirmScreen(question, str(needed)), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
