"""Customer returns at the counter (F11): scan the item brought back (or type its SKU), choose the
reason, and Enter records it; the quantity (1 unless changed), where the unit goes (back on sale,
or set aside as damaged) and the order number or receipt reference the customer has are on the
same form. A line above the store's limit asks for a confirmation first.

A return is recorded at once, offline too (the unit is in the store): the service writes it with
its outbox entry, and what only the ledger can check (is the order ours, was that much sold) is
flagged there, never refused. The screen lists the returns recorded since it opened.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import (
    DataTable,
    Footer,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Static,
)
from textual.widgets.option_list import Option

from ordersync.contract import Disposition
from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.catalog import CatalogItem
from storeapp.services.lookup import Found
from storeapp.services.returns import QueuedReturn
from storeapp.services.sales import NeedsConfirmation
from storeapp.services.voids import receipt_reference
from storeapp.tui.format import clock_time
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.receive import MotionRecorded
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.catalog import invalid_barcode, not_exact, unknown_barcode
from storeapp.wording.counter import disposition_text, return_queued, return_reason_text
from storeapp.wording.figures import NO_VALUE, money, number

NAME_WIDTH = 22
"""Item names are cut to this width, so the table fits 80 columns."""
REFERENCE_WIDTH = 8
"""What the table shows of an order number or a receipt reference: its last characters."""


@dataclass(frozen=True, slots=True)
class ReturnForm:
    """What the form says, checked: one line to return."""

    item: CatalogItem
    qty: int
    reason: str
    disposition: Disposition
    order_id: uuid.UUID | None
    sale_op_id: uuid.UUID | None


@dataclass
class _ReasonsRefreshed(Message):
    """The ledger's list of reasons reached the cache (it may have changed)."""


class ReturnsScreen(StoreScreen):
    """The return form over the returns recorded since the screen opened."""

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("ctrl+s", "record", N_("Record return")),
    ]

    def __init__(self, context: StoreContext) -> None:
        super().__init__(context)
        self.item: CatalogItem | None = None
        self.recorded: list[tuple[datetime, ReturnForm, QueuedReturn]] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="returns-body"):
            yield Static(_("Customer return"), classes="caption", markup=False)
            yield Static("", id="returns-item", markup=False)
            with Vertical(id="returns-form"):
                with Horizontal(classes="form-row"):
                    yield Label(_("SKU"), classes="form-label")
                    yield Input(
                        placeholder=_("scan, or type the SKU or barcode"),
                        id="returns-sku",
                        max_length=64,
                    )
                with Horizontal(classes="form-row"):
                    yield Label(_("Quantity"), classes="form-label")
                    yield Input("1", id="returns-qty", type="integer", max_length=7)
                with Horizontal(classes="form-row", id="returns-reason-row"):
                    yield Label(_("Reason"), classes="form-label")
                    yield OptionList(id="returns-reasons")
                with Horizontal(classes="form-row"):
                    yield Label(_("Goes"), classes="form-label")
                    with RadioSet(id="returns-disposition"):
                        yield RadioButton(
                            _("Back on sale"), value=True, name=Disposition.SELLABLE.value
                        )
                        yield RadioButton(_("Set aside as damaged"), name=Disposition.DAMAGED.value)
                with Horizontal(classes="form-row"):
                    yield Label(_("Order number"), classes="form-label")
                    yield Input(
                        placeholder=_("if the customer has it"), id="returns-order", max_length=64
                    )
                with Horizontal(classes="form-row"):
                    yield Label(_("Receipt no."), classes="form-label")
                    yield Input(
                        placeholder=_("receipt reference of a sale here"),
                        id="returns-receipt",
                        max_length=64,
                    )
            yield Static("", id="returns-message", markup=False)
            yield Static("", id="returns-caption", classes="caption", markup=False)
            yield DataTable(id="returns-done", cursor_type="row")
            yield Static(
                _(
                    "Scan the item · ↑ ↓ choose the reason · Enter records the return · "
                    "Tab goes to the quantity, damaged, order or receipt"
                ),
                id="returns-hint",
                markup=False,
            )
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("↑ ↓", _("choose the reason")),
            (_("Enter"), _("on the reason, the order or the receipt: record the return")),
            (_("Tab"), _("next field")),
        ]

    def scan_help(self) -> str:
        return _("the item the customer brought back")

    def on_mount(self) -> None:
        table = self.query_one("#returns-done", DataTable)
        for header in (
            N_("Time"),
            N_("SKU"),
            N_("Item"),
            N_("Units"),
            N_("Reason"),
            N_("Goes"),
            N_("Order or receipt"),
        ):
            table.add_column(
                Text(_(header), justify="right" if header == "Units" else "left"),
                width=NAME_WIDTH if header == "Item" else None,
            )
        self._show_reasons()
        self._show_item()
        self._show_recorded()
        self.query_one("#returns-sku", Input).focus()
        self._refresh_reasons()

    # -- the reasons ---------------------------------------------------------------------------

    def _show_reasons(self) -> None:
        reasons = self.query_one("#returns-reasons", OptionList)
        chosen = self.chosen_reason()
        reasons.clear_options()
        codes = self.context.returns.reasons()
        reasons.add_options([Option(return_reason_text(code), id=code) for code in codes])
        if chosen in codes:
            reasons.highlighted = codes.index(chosen)

    @work(thread=True, exclusive=True, group="return-reasons", exit_on_error=False)
    def _refresh_reasons(self) -> None:
        # The list the ledger keeps may have changed since the last sync; the cached one (or the
        # default list) stays when the ledger does not answer in time.
        settings = self.context.settings
        returns = self.context.returns
        if returns.refresh_reasons(self.context.client, timeout=settings.lookup_timeout_seconds):
            self.post_message(_ReasonsRefreshed())

    @on(_ReasonsRefreshed)
    def _reasons_refreshed(self) -> None:
        self._show_reasons()

    def chosen_reason(self) -> str | None:
        reasons = self.query_one("#returns-reasons", OptionList)
        if reasons.highlighted is None:
            return None
        return reasons.get_option_at_index(reasons.highlighted).id

    # -- the item ------------------------------------------------------------------------------

    def scan(self, code: str) -> None:
        """A scan the app hands over: the item brought back."""
        if self._find(code):
            self.query_one("#returns-reasons", OptionList).focus()

    def _find(self, query: str) -> bool:
        """Show the item ``query`` names; False (and why) when it names none, or several."""
        try:
            result = self.context.lookup.find(query)
        except Exception as error:  # a broken cache must not take the screen down
            self.say(_("The lookup failed: {reason}", reason=error), "-error")
            return False
        if result.found is Found.ITEM and result.item is not None:
            self.item = result.item
            self.query_one("#returns-sku", Input).value = result.item.sku
            self._show_item()
            self.say("")
            return True
        if result.found is Found.BAD_BARCODE:
            text = invalid_barcode(result.query, result.problem)
        elif result.found is Found.UNKNOWN_BARCODE:
            text = unknown_barcode(result.query)
        elif result.found is Found.MATCHES and result.matches:
            text = not_exact(result.query, result.matches[0].sku)
        else:
            text = _("Nothing found for “{query}”.", query=result.query)
        self.say("✘ " + text, "-error")
        self.app.bell()
        return False

    def _show_item(self) -> None:
        item = self.item
        shown = self.query_one("#returns-item", Static)
        if item is None:
            shown.update(_("Scan the item the customer brings back, or type its SKU."))
            shown.set_classes("")
            return
        shown.update(
            f"{item.name} · {item.sku} · {item.colour} {item.size} · "
            + money(item.price_minor, item.currency)
        )
        shown.set_classes("-item")

    # -- the form ------------------------------------------------------------------------------

    @on(Input.Submitted, "#returns-sku")
    def _sku_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() and self._find(event.value.strip()):
            self.query_one("#returns-reasons", OptionList).focus()

    @on(Input.Submitted, "#returns-qty")
    def _qty_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#returns-reasons", OptionList).focus()

    @on(Input.Submitted, "#returns-order, #returns-receipt")
    def _reference_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_record()

    @on(OptionList.OptionSelected, "#returns-reasons")
    def _reason_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_record()

    @on(Input.Changed, "#returns-sku")
    def _sku_changed(self) -> None:
        # The field as it is now, not as the event saw it: a scan's digits typed into it come
        # back as events after the scan already put the item's SKU there.
        typed = self.query_one("#returns-sku", Input).value.strip()
        if self.item is not None and typed != self.item.sku:
            self.item = None
            self._show_item()

    def disposition(self) -> Disposition:
        pressed = self.query_one("#returns-disposition", RadioSet).pressed_button
        if pressed is not None and pressed.name == Disposition.DAMAGED.value:
            return Disposition.DAMAGED
        return Disposition.SELLABLE

    def read_form(self) -> ReturnForm | None:
        """The form checked, or None with the reason said and the field to fix focused."""
        sku_field = self.query_one("#returns-sku", Input)
        if self.item is None:
            typed = sku_field.value.strip()
            if not typed:
                self._wrong(sku_field, _("Scan the item first, or type its SKU."))
                return None
            if not self._find(typed):
                sku_field.focus()
                return None
        assert self.item is not None
        qty_field = self.query_one("#returns-qty", Input)
        try:
            qty = int(qty_field.value)
        except ValueError:
            qty = 0
        if qty < 1:
            self._wrong(qty_field, _("A return is of at least one unit."))
            return None
        reason = self.chosen_reason()
        if reason is None:
            self._wrong(
                self.query_one("#returns-reasons", OptionList),
                _("Choose the reason of the return (↑ ↓)."),
            )
            return None
        order_field = self.query_one("#returns-order", Input)
        order_id = None
        if order_field.value.strip():
            try:
                order_id = uuid.UUID(order_field.value.strip())
            except ValueError:
                self._wrong(
                    order_field,
                    _(
                        "{reference} is not an order number: it is the number the order's "
                        "confirmation gives.",
                        reference=order_field.value.strip(),
                    ),
                )
                return None
        receipt_field = self.query_one("#returns-receipt", Input)
        sale_op_id = None
        if receipt_field.value.strip():
            try:
                sale_op_id = receipt_reference(receipt_field.value)
            except ValueError as error:
                self._wrong(receipt_field, str(error))
                return None
        return ReturnForm(self.item, qty, reason, self.disposition(), order_id, sale_op_id)

    def _wrong(self, field: Input | OptionList, text: str) -> None:
        self.say("✘ " + text, "-error")
        self.app.bell()
        field.focus()

    # -- recording -----------------------------------------------------------------------------

    def action_record(self) -> None:
        form = self.read_form()
        if form is not None:
            self.record(form, confirmed=False)

    def record(self, form: ReturnForm, *, confirmed: bool) -> None:
        """Queue the return; above the limit, only once staff confirmed the quantity."""
        try:
            queued = self.context.returns.record(
                form.item.sku,
                form.qty,
                reason=form.reason,
                disposition=form.disposition,
                order_id=form.order_id,
                sale_op_id=form.sale_op_id,
                confirmed=confirmed,
            )
        except NeedsConfirmation as needed:
            self._confirm(form, needed)
            return
        except ValueError as error:
            self.say("✘ " + str(error), "-error")
            self.app.bell()
            return
        except Exception as error:  # the cache is locked or broken: say so, keep the form
            self.say(_("The return was NOT recorded: {reason}", reason=error), "-error")
            self.app.bell()
            return
        self.recorded.append((self.context.now(), form, queued))
        text = return_queued(queued.qty, queued.sku, queued.disposition)
        self.post_message(MotionRecorded(text))
        self._reset()
        self._show_recorded()
        self.say("✔ " + text, "-ok")

    def _confirm(self, form: ReturnForm, needed: NeedsConfirmation) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.record(form, confirmed=True)
            else:
                self.say(_("Nothing recorded: correct the quantity, or confirm it."), "-error")
                self.query_one("#returns-qty", Input).focus()

        question = _("Return {qty} units of {sku}?", qty=number(needed.qty), sku=form.item.sku)
        self.app.push_screen(ConfirmScreen(question, str(needed)), answered)

    def _reset(self) -> None:
        """The form ready for the next item: nothing scanned, one unit, back on sale."""
        self.item = None
        self.query_one("#returns-sku", Input).value = ""
        self.query_one("#returns-qty", Input).value = "1"
        self.query_one("#returns-order", Input).value = ""
        self.query_one("#returns-receipt", Input).value = ""
        self.query_one("#returns-reasons", OptionList).highlighted = None
        sellable = self.query_one("#returns-disposition", RadioSet).query(RadioButton).first()
        sellable.value = True
        self._show_item()
        self.query_one("#returns-sku", Input).focus()

    def _show_recorded(self) -> None:
        table = self.query_one("#returns-done", DataTable)
        table.clear()
        now = self.context.now()
        for at, form, queued in reversed(self.recorded):
            reference = form.order_id or form.sale_op_id
            table.add_row(
                Text(clock_time(at, now)),
                Text(form.item.sku),
                Text(form.item.name, overflow="ellipsis", no_wrap=True),
                Text(number(queued.qty), justify="right"),
                Text(return_reason_text(form.reason)),
                Text(disposition_text(queued.disposition)),
                Text(NO_VALUE if reference is None else str(reference)[-REFERENCE_WIDTH:]),
                key=str(queued.op_id),
            )
        self.query_one("#returns-caption", Static).update(
            _("Recorded since this screen opened ({count})", count=number(len(self.recorded)))
            if self.recorded
            else _("Recorded since this screen opened: none yet")
        )

    def say(self, text: str, level: str = "") -> None:
        message = self.query_one("#returns-message", Static)
        message.update(text)
        message.set_classes(level)

    def action_back(self) -> None:
        self.dismiss(None)
