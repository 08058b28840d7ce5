"""One item: its own stock here (the units set aside by disposition too) and what is coming, the
size grid of its colour, suggestions, and the network; a sale, an order, setting a unit aside or
putting it back on sale, and a manager's write-off of a unit set aside."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from ordersync.contract import UNAVAILABLE_DISPOSITIONS, Disposition
from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.lookup import ItemView
from storeapp.services.set_aside import SetAsideRefused
from storeapp.services.staff import StaffPerson
from storeapp.tui.messages import (
    ItemLoaded,
    ItemLoadFailed,
    Notice,
    SaleRecorded,
    SizeChosen,
)
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.confirm import ChoiceScreen
from storeapp.tui.screens.count import EntryScreen
from storeapp.tui.screens.order import OrderScreen
from storeapp.tui.screens.receive import MotionRecorded
from storeapp.tui.screens.sale import SaleScreen
from storeapp.tui.screens.sign_in import with_manager
from storeapp.tui.widgets.availability_table import AvailabilityTable
from storeapp.tui.widgets.item_header import ItemHeader
from storeapp.tui.widgets.size_grid import SizeGridTable
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.tui.widgets.suggestions import Suggestions
from storeapp.wording.counter import (
    disposition_text,
    dispositions_text,
    set_aside_queued,
    write_off_queued,
)
from storeapp.wording.figures import number
from storeapp.wording.incoming import grid_caption_legend, grid_legend

SET_ASIDE_ORDER = (Disposition.DAMAGED, Disposition.DISPLAY, Disposition.QUARANTINE)
"""The dispositions a unit may be set aside as, in the order the choice lists them."""


class ItemScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("s", "sell", N_("Sale")),
        Binding("o", "order", N_("Order")),
        # Not in the footer (at 80 columns they would push out "sync now"): the help lists them.
        Binding("x", "set_aside", N_("Set aside"), show=False),
        Binding("w", "write_off", N_("Write off"), show=False),
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
            yield Static("", id="item-set-aside", markup=False)
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
            (
                _("Set aside"),
                _("units here not for sale: damaged, on display, in quarantine (x, w)"),
            ),
        ]

    def on_mount(self) -> None:
        self.query_one("#item-set-aside", Static).display = False
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
        self._show_set_aside(view)
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

        self.app.push_screen(SaleScreen(item, self.context.sales.confirm_above), confirmed)

    def action_order(self) -> None:
        """Order the size on screen for a customer (home, here, or another store)."""
        if self.view is not None:
            self.app.push_screen(OrderScreen(self.context, self.view.item))

    @work(thread=True, group="sale", exit_on_error=False)
    def _record_sale(self, sku: str, qty: int) -> None:
        # Not exclusive: every confirmed sale must be written, even if another is on its way.
        try:
            # The sale dialog asked about a quantity above the limit before it gave it.
            self.context.sales.record(sku, qty, confirmed=True)
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

    # -- units set aside ---------------------------------------------------------------------

    def _show_set_aside(self, view: ItemView) -> None:
        line = self.query_one("#item-set-aside", Static)
        aside = {d: n for d, n in view.own.dispositions.items() if d in UNAVAILABLE_DISPOSITIONS}
        line.display = any(units > 0 for units in aside.values())
        line.update(_("Set aside here, not for sale: {units}", units=dispositions_text(aside)))

    def _set_aside_here(self) -> dict[Disposition, int]:
        """Units of the item on screen set aside here, per disposition holding some."""
        if self.view is None:
            return {}
        return {
            d: units
            for d, units in self.view.own.dispositions.items()
            if d in UNAVAILABLE_DISPOSITIONS and units > 0
        }

    def action_set_aside(self) -> None:
        """Set one unit aside (damaged, on display, in quarantine), or put one back on sale."""
        if self.view is None:
            return
        sku = self.view.item.sku
        choices = [
            (
                f"to:{d.value}",
                _("Set one unit aside: {disposition}", disposition=disposition_text(d)),
            )
            for d in SET_ASIDE_ORDER
        ]
        choices += [
            (
                f"from:{d.value}",
                _(
                    "Put one unit back on sale ({count} {disposition})",
                    count=number(units),
                    disposition=disposition_text(d),
                ),
            )
            for d, units in self._set_aside_here().items()
        ]

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            direction, _colon, value = choice.partition(":")
            disposition = Disposition(value)
            if direction == "to":
                self._move(sku, Disposition.SELLABLE, disposition)
            else:
                self._move(sku, disposition, Disposition.SELLABLE)

        self.app.push_screen(ChoiceScreen(_("One unit of {sku}", sku=sku), choices), chosen)

    def _move(self, sku: str, source: Disposition, target: Disposition) -> None:
        try:
            moved = self.context.set_aside.move(sku, 1, to=target, from_=source)
        except (SetAsideRefused, ValueError) as refused:
            self.notify(str(refused), severity="error", markup=False)
            return
        except Exception as error:  # the cache is locked or broken: say so
            self.notify(
                _("Nothing was set aside: {reason}", reason=error), severity="error", markup=False
            )
            return
        self.post_message(MotionRecorded(set_aside_queued(moved.qty, sku, source, target)))

    def action_write_off(self) -> None:
        """A manager's write-off of one unit set aside, with the reason."""
        if self.view is None:
            return
        sku = self.view.item.sku
        aside = self._set_aside_here()
        if not aside:
            self.notify(
                _("Nothing of {sku} is set aside here: set the units aside first (x).", sku=sku),
                severity="warning",
                markup=False,
            )
            return

        def reason_given(
            manager: StaffPerson | None, disposition: Disposition, reason: str | None
        ) -> None:
            if reason:
                self._write_off(sku, disposition, reason, manager)

        def ask_reason(manager: StaffPerson | None, disposition: Disposition) -> None:
            self.app.push_screen(
                EntryScreen(
                    _("Write off one unit of {sku}", sku=sku),
                    _(
                        "Why is the {disposition} unit written off?",
                        disposition=disposition_text(disposition),
                    ),
                ),
                lambda reason: reason_given(manager, disposition, reason),
            )

        def approved(manager: StaffPerson | None) -> None:
            if len(aside) == 1:
                ask_reason(manager, next(iter(aside)))
                return
            choices = [
                (d.value, f"{disposition_text(d)} ({number(units)})") for d, units in aside.items()
            ]
            self.app.push_screen(
                ChoiceScreen(_("Write off one unit of {sku}", sku=sku), choices),
                lambda choice: ask_reason(manager, Disposition(choice)) if choice else None,
            )

        # For managers: an associate signed in needs a manager's PIN, whose code it carries.
        with_manager(self.app, self.context, _("Write off"), approved)

    @work(thread=True, group="write-off", exit_on_error=False)
    def _write_off(
        self, sku: str, disposition: Disposition, reason: str, manager: StaffPerson | None
    ) -> None:
        # In a thread: with nobody signed in, whether this device is a manager's may take a
        # question to the ledger.
        try:
            written = self.context.set_aside.write_off(
                sku, 1, disposition=disposition, reason=reason, approver=manager
            )
        except (SetAsideRefused, ValueError) as refused:
            self.post_message(Notice(str(refused), "error"))
            return
        except Exception as error:
            self.post_message(Notice(_("Nothing was written off: {reason}", reason=error), "error"))
            return
        self.post_message(MotionRecorded(write_off_queued(written.qty, sku, written.disposition)))

    @on(MotionRecorded)
    def _stock_set_aside(self, message: MotionRecorded) -> None:
        # The message goes on to the app, which refreshes the status bar and wakes the sync.
        self.notify(message.text, markup=False)
        self.load(live=False)
