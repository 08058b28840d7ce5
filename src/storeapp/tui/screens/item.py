"""One item: its own stock here and what is coming, the size grid of its colour, suggestions, and
the network."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.lookup import ItemView
from storeapp.tui.messages import (
    ItemLoaded,
    ItemLoadFailed,
    Notice,
    SaleRecorded,
    SizeChosen,
)
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.order import OrderScreen
from storeapp.tui.screens.sale import SaleScreen
from storeapp.tui.widgets.availability_table import AvailabilityTable
from storeapp.tui.widgets.item_header import ItemHeader
from storeapp.tui.widgets.size_grid import SizeGridTable
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.tui.widgets.suggestions import Suggestions
from storeapp.wording.incoming import grid_caption_legend, grid_legend


class ItemScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("s", "sell", N_("Sale")),
        Binding("o", "order", N_("Order")),
        Binding("r", "reload", N_("Refresh"), show=False),
    ]

    def __init__(self, context: StoreContext, sku: str) -> None:
        super().__init__(context)
        self.sku = sku
        self.view: ItemView | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="item-body"):
            yield ItemHeader(id="item-header")
            yield Static("", id="grid-caption", markup=False)
            yield SizeGridTable(id="size-grid")
            yield Suggestions(id="suggestions")
            yield AvailabilityTable(id="availability")
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("← ↑ ↓ →", _("move in the size grid")),
            (_("Enter"), _("open the size under the cursor")),
            (_("Tab"), _("go to the network table and back")),
            ("0 +6", grid_legend()),
            (_("Coming"), _("units on their way: on order or in transit, next arrival day")),
        ]

    def on_mount(self) -> None:
        self.query_one(SizeGridTable).focus()
        self.load(live=True)

    def show_sku(self, sku: str) -> None:
        """Show another item on this same screen (another size, or a scan)."""
        self.sku = sku
        self.query_one(SizeGridTable).focus()
        self.load(live=True)

    def load(self, live: bool) -> None:
        """Read the item from the cache at once; with ``live``, then ask the network."""
        self._load(self.sku, live)

    @work(thread=True, exclusive=True, group="item", exit_on_error=False)
    def _load(self, sku: str, live: bool) -> None:
        worker = get_current_worker()
        lookup = self.context.lookup
        try:
            view = lookup.item_view(sku, live=False)
        except Exception as error:  # a broken cache must not take the screen down
            self.post_message(ItemLoadFailed(sku, str(error)))
            return
        if view is None:
            self.post_message(ItemLoadFailed(sku, "", missing=True))
            return
        if worker.is_cancelled:
            return
        self.post_message(ItemLoaded(view, checked_live=False))
        if not live:
            return
        try:
            # The service falls back to the cache when the ledger does not answer in time.
            view = lookup.item_view(sku, live=True)
        except Exception as error:
            self.post_message(
                Notice(_("Could not ask the network: {reason}", reason=error), "warning")
            )
            return
        if view is not None and not worker.is_cancelled:
            self.post_message(ItemLoaded(view, checked_live=True))

    @on(ItemLoaded)
    def _loaded(self, message: ItemLoaded) -> None:
        view = message.view
        if view.item.sku != self.sku:
            return  # a late answer about the item shown before
        same_item = self.view is not None and self.view.item.sku == view.item.sku
        self.view = view
        self.query_one(ItemHeader).show(view)
        caption = _(
            "Sizes in {colour} · each size: available here · in the network",
            colour=view.grid.colour,
        )
        if any(cell.store_incoming for cell in view.grid.cells.values()):
            caption += " · " + grid_caption_legend()
        self.query_one("#grid-caption", Static).update(caption)
        self.query_one(SizeGridTable).show(view.grid, view.item.sku, keep_cursor=same_item)
        self.query_one(Suggestions).show(view)
        self.query_one(AvailabilityTable).show(view.availability, self.context.now())

    @on(ItemLoadFailed)
    def _load_failed(self, message: ItemLoadFailed) -> None:
        if message.sku != self.sku:
            return
        if message.missing:
            self.notify(
                _("{sku} is not in this store's catalog.", sku=message.sku),
                severity="error",
                markup=False,
            )
        else:
            self.notify(
                _("Could not read {sku}: {reason}", sku=message.sku, reason=message.reason),
                severity="error",
                markup=False,
            )
        if self.view is None:
            self.dismiss(None)
        else:
            self.sku = self.view.item.sku

    @on(SizeChosen)
    def _size_chosen(self, message: SizeChosen) -> None:
        if message.sku != self.sku:
            self.show_sku(message.sku)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load(live=True)

    def action_sell(self) -> None:
        if self.view is None:
            return
        item = self.view.item

        def confirmed(qty: int | None) -> None:
            if qty:
                self._record_sale(item.sku, qty)

        self.app.push_screen(SaleScreen(item), callback=confirmed)

    def action_order(self) -> None:
        """Order the size on screen for a customer (home, here, or another store)."""
        if self.view is not None:
            self.app.push_screen(OrderScreen(self.context, self.view.item))

    @work(thread=True, group="sale", exit_on_error=False)
    def _record_sale(self, sku: str, qty: int) -> None:
        # Not exclusive: every confirmed sale must be written, even if another is on its way.
        try:
            self.context.sales.record(sku, qty)
        except Exception as error:
            self.post_message(
                Notice(_("The sale was NOT recorded: {reason}", reason=error), "error")
            )
            return
        self.post_message(SaleRecorded(sku, qty))

    @on(SaleRecorded)
    def _sold(self, message: SaleRecorded) -> None:
        # The message goes on to the app, which refreshes the status bar and wakes the sync.
        self.notify(
            _("Sale recorded: {qty} × {sku}.", qty=message.qty, sku=message.sku),  # noqa: RUF001
            markup=False,
        )
        if message.sku == self.sku:
            self.load(live=True)

    def refresh_from_cache(self) -> None:
        """After a sync brought news: redraw from the cache without asking the network."""
        if self.view is not None:
            self.load(live=False)
