"""Order in store: the items the customer wants (the item on screen first; a scan or a typed SKU
adds a line, the same item again adds a unit), for home delivery (street lines, postal code,
town) or for collection here or at another store; the customer's contact; then where it will
come from, why, and the promised date. Offline the order is kept on this terminal and sent later.

The form fits 80 columns by 24 rows: the delivery choices are listed one under another, so a
longer translation is never cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Label, RadioButton, RadioSet, Static

from ordersync.contract import Customer, Delivery
from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.catalog import CatalogItem
from storeapp.services.lookup import Found
from storeapp.services.orders import (
    MAX_ORDER_LINES,
    MAX_ORDER_QTY,
    OrderInputError,
    OrderRefusal,
    collect_at,
    customer,
    home_delivery,
    split_line,
)
from storeapp.tui.messages import OrderFinished, OrderInvalid
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.widgets.order_outcome import OrderOutcomeView
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.catalog import invalid_barcode, not_exact, unknown_barcode
from storeapp.wording.figures import number
from storeapp.wording.orders import order_input_problem, quantity_problem

HERE, OTHER_STORE, HOME = "here", "store", "home"
HOME_FIELDS = ("address", "address2", "postal_code", "city")
FIELDS = ("add", "collect_at", *HOME_FIELDS, "name", "email", "phone")
LINE_FIELDS = {"sku": "add", "qty": "add", "lines": "add"}
"""The service names a line's problem by these fields; the form shows it under the add field."""


@dataclass(slots=True)
class OrderLine:
    item: CatalogItem
    qty: int


class OrderScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("ctrl+s", "place", N_("Place order")),
        Binding("plus", "adjust(1)", N_("One more")),
        Binding("minus", "adjust(-1)", N_("One less")),
        Binding("delete", "remove", N_("Remove line")),
    ]

    def __init__(self, context: StoreContext, item: CatalogItem) -> None:
        super().__init__(context)
        self.lines: list[OrderLine] = [OrderLine(item, 1)]
        self.placing = False
        self.placed = False
        self.customer_name = ""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with VerticalScroll(id="order-body"):
            yield Static(
                _("Order for a customer"), id="order-title", classes="caption", markup=False
            )
            with Vertical(id="order-form"):
                with Horizontal(classes="form-row", id="row-lines"):
                    yield Label(_("Items"), classes="form-label")
                    yield DataTable(id="order-lines", cursor_type="row", show_header=False)
                yield from self._row(
                    "add",
                    _("Add item"),
                    Input(placeholder=_("scan, SKU or SKU:QTY"), max_length=80),
                )
                with Horizontal(classes="form-row"):
                    yield Label(_("Delivery"), classes="form-label")
                    with RadioSet(id="order-delivery"):
                        yield RadioButton(_("Collect here"), value=True, name=HERE)
                        yield RadioButton(_("Collect at store"), name=OTHER_STORE)
                        yield RadioButton(_("Home delivery"), name=HOME)
                yield from self._row(
                    "collect_at", _("Store code"), Input(placeholder="B", max_length=16)
                )
                yield from self._row(
                    "address",
                    _("Address"),
                    Input(placeholder=_("number and street"), max_length=140),
                )
                yield from self._row(
                    "address2", "", Input(placeholder=_("building, floor"), max_length=140)
                )
                yield from self._row(
                    "postal_code", _("Postal code"), Input(placeholder="69002", max_length=10)
                )
                yield from self._row("city", _("Town"), Input(max_length=100))
                yield from self._row("name", _("Customer"), Input(max_length=200))
                yield from self._row("email", _("Email"), Input(max_length=254))
                yield from self._row("phone", _("Phone"), Input(max_length=32))
                yield Static("", id="order-error", classes="field-error", markup=False)
                yield Static(
                    _("Enter: next field, on the last one places the order · Ctrl+S places it"),
                    id="order-hint",
                    markup=False,
                )
            yield OrderOutcomeView(id="order-outcome")
        yield Footer()

    @staticmethod
    def _row(field: str, label: str, widget: Input) -> ComposeResult:
        widget.id = f"order-{field}".replace("_", "-")
        with Horizontal(classes="form-row", id=f"row-{field}".replace("_", "-")):
            yield Label(label, classes="form-label")
            yield widget
            yield Static("", id=f"error-{field}".replace("_", "-"), classes="field-error")

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            (_("Tab"), _("next field")),
            ("↑ ↓", _("choose a line, or the delivery")),
            ("+ -", _("one unit more or less of the chosen line")),
            (_("Enter"), _("add the item typed; on the phone field, place the order")),
        ]

    def scan_help(self) -> str | None:
        return _("add one unit of the scanned item to the order")

    def on_mount(self) -> None:
        table = self.query_one("#order-lines", DataTable)
        table.add_columns(_("Units"), "SKU", _("Item"))
        self._show_lines()
        self.query_one("#order-outcome").display = False
        self._show_delivery_fields()
        self.field("add").focus()

    def field(self, name: str) -> Input:
        return self.query_one(f"#order-{name}".replace("_", "-"), Input)

    def delivery_choice(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else HERE

    def _show_delivery_fields(self) -> None:
        choice = self.delivery_choice()
        self.query_one("#row-collect-at").display = choice == OTHER_STORE
        for name in HOME_FIELDS:
            self.query_one(f"#row-{name}".replace("_", "-")).display = choice == HOME

    @on(RadioSet.Changed, "#order-delivery")
    def _delivery_changed(self) -> None:
        self._show_delivery_fields()
        self._clear_errors()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id:
            field = event.input.id.removeprefix("order-")
            error = self.query(f"#error-{field}").results(Static)
            for found in error:
                found.update("")
        self.query_one("#order-error", Static).update("")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "order-add" and event.value.strip():
            self._add_typed(event.value)
        elif event.input.id == "order-phone":
            self.action_place()
        else:
            self.focus_next()

    def _clear_errors(self) -> None:
        for error in self.query(".field-error").results(Static):
            error.update("")

    def _error(self, field: str | None, text: str) -> None:
        field = LINE_FIELDS.get(field or "", field)
        target = f"#error-{field}".replace("_", "-") if field in FIELDS else "#order-error"
        self.query_one(target, Static).update(text)
        if field in FIELDS:
            self.field(str(field)).focus()

    # -- the lines ---------------------------------------------------------------------------

    def scan(self, code: str) -> None:
        """A scan the app hands over: one more unit of that item."""
        if not self.placed:
            self._add(code, 1)

    def _add_typed(self, text: str) -> None:
        try:
            query, qty = split_line(text)
        except ValueError:
            self._error("add", quantity_problem())
            return
        if self._add(query, qty or 1):
            self.field("add").value = ""

    def _add(self, query: str, qty: int) -> bool:
        """Add ``qty`` units of the item ``query`` names; False (and why) when it names none."""
        try:
            result = self.context.lookup.find(query)
        except Exception as error:  # a broken cache must not take the screen down
            self._error("add", _("The lookup failed: {reason}", reason=error))
            return False
        if result.found is not Found.ITEM or result.item is None:
            if result.found is Found.BAD_BARCODE:
                text = invalid_barcode(result.query, result.problem)
            elif result.found is Found.UNKNOWN_BARCODE:
                text = unknown_barcode(result.query)
            elif result.found is Found.MATCHES and result.matches:
                text = not_exact(result.query, result.matches[0].sku)
            else:
                text = _("Nothing found for “{query}”.", query=result.query)
            self._error("add", text)
            self.app.bell()
            return False
        item = result.item
        found = next((n for n, line in enumerate(self.lines) if line.item.sku == item.sku), None)
        if found is None:
            if len(self.lines) >= MAX_ORDER_LINES:
                self._error(
                    "add", order_input_problem(OrderInputError(OrderRefusal.NO_LINES, "", None))
                )
                return False
            self.lines.append(OrderLine(item, 0))
            found = len(self.lines) - 1
        return self._set_qty(found, self.lines[found].qty + qty)

    def _set_qty(self, row: int, qty: int) -> bool:
        if not 1 <= qty <= MAX_ORDER_QTY:
            self._error("add", quantity_problem())
            self.app.bell()
            return False
        self.lines[row].qty = qty
        self.query_one("#error-add", Static).update("")
        self._show_lines(row)
        return True

    def _show_lines(self, current: int | None = None) -> None:
        table = self.query_one("#order-lines", DataTable)
        table.clear()
        for line in self.lines:
            item = line.item
            table.add_row(
                Text(number(line.qty), justify="right"),
                item.sku,
                f"{item.name} · {item.colour} {item.size}",
                key=item.sku,
            )
        if current is not None:
            table.move_cursor(row=current)

    def action_adjust(self, step: int) -> None:
        row = self.query_one("#order-lines", DataTable).cursor_row
        if 0 <= row < len(self.lines):
            self._set_qty(row, self.lines[row].qty + step)

    def action_remove(self) -> None:
        row = self.query_one("#order-lines", DataTable).cursor_row
        if 0 <= row < len(self.lines) and len(self.lines) > 1:
            del self.lines[row]
            self._show_lines(min(row, len(self.lines) - 1))

    # -- placing -----------------------------------------------------------------------------

    def _read_form(self) -> tuple[Delivery, Customer] | None:
        self._clear_errors()
        try:
            choice = self.delivery_choice()
            if choice == HOME:
                delivery = home_delivery(
                    [self.field("address").value, self.field("address2").value],
                    self.field("postal_code").value,
                    self.field("city").value,
                )
            elif choice == OTHER_STORE:
                code = self.field("collect_at").value.strip()
                if not code:
                    raise OrderInputError(OrderRefusal.BAD_DELIVERY, "no store", "collect_at")
                delivery = collect_at(code)
            else:
                delivery = self.context.orders.collect_here()
            contact = customer(
                self.field("name").value, self.field("email").value, self.field("phone").value
            )
        except OrderInputError as error:
            self._error(error.field, order_input_problem(error))
            return None
        return delivery, contact

    def action_place(self) -> None:
        if self.placing or self.placed:
            return
        form = self._read_form()
        if form is None:
            return
        delivery, contact = form
        self.placing = True
        self.customer_name = contact.name
        self.query_one("#order-error", Static).update(_("Placing the order…"))
        self._place([(line.item.sku, line.qty) for line in self.lines], delivery, contact)

    @work(thread=True, exclusive=True, group="order", exit_on_error=False)
    def _place(self, lines: list[tuple[str, int]], delivery: Delivery, contact: Customer) -> None:
        try:
            outcome = self.context.orders.place_lines(lines, delivery, contact)
        except OrderInputError as error:
            self.post_message(OrderInvalid(error))
            return
        except Exception as error:
            self.post_message(OrderInvalid(None, str(error)))
            return
        self.post_message(OrderFinished(outcome))

    @on(OrderInvalid)
    def _invalid(self, message: OrderInvalid) -> None:
        self.placing = False
        self.query_one("#order-error", Static).update("")
        if message.error is None:
            self._error(None, _("The order was NOT placed: {reason}", reason=message.reason))
        else:
            self._error(message.error.field, order_input_problem(message.error))

    @on(OrderFinished)
    def _finished(self, message: OrderFinished) -> None:
        # The message goes on to the app, which refreshes the status bar and wakes the sync.
        self.placing = False
        self.placed = True
        self.query_one("#order-form").display = False
        outcome = self.query_one(OrderOutcomeView)
        outcome.show(message.outcome, self.customer_name)
        outcome.display = True
        self.query_one("#order-body").focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("place", "adjust", "remove"):
            return not self.placed
        return True

    def action_back(self) -> None:
        self.dismiss(None)
