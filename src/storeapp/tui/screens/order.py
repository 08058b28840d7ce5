"""Order in store: the item on screen (its size already chosen), for home delivery or for
collection here or at another store; the customer's contact; then where it will come from,
why, and the promised date. Offline the order is kept on this terminal and sent later."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Label, RadioButton, RadioSet, Static

from ordersync.contract import Customer, Delivery
from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.catalog import CatalogItem
from storeapp.services.orders import (
    MAX_ORDER_QTY,
    OrderInputError,
    OrderRefusal,
    collect_at,
    customer,
    home_delivery,
)
from storeapp.tui.messages import OrderFinished, OrderInvalid
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.widgets.order_outcome import OrderOutcomeView
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.orders import order_input_problem, quantity_problem

HERE, OTHER_STORE, HOME = "here", "store", "home"
FIELDS = ("qty", "collect_at", "address", "latitude", "longitude", "name", "email", "phone")


class OrderScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("ctrl+s", "place", N_("Place order")),
    ]

    def __init__(self, context: StoreContext, item: CatalogItem) -> None:
        super().__init__(context)
        self.item = item
        self.placing = False
        self.placed = False
        self.customer_name = ""

    def compose(self) -> ComposeResult:
        item = self.item
        yield StatusBar()
        with VerticalScroll(id="order-body"):
            yield Static(
                _(
                    "Order for a customer: {name} · {sku} · {colour} {size}",
                    name=item.name,
                    sku=item.sku,
                    colour=item.colour,
                    size=item.size,
                ),
                id="order-title",
                classes="caption",
                markup=False,
            )
            with Vertical(id="order-form"):
                yield from self._row("qty", _("Quantity"), Input("1", type="integer", max_length=3))
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
                    "address", _("Address"), Input(placeholder=_("street, town"), max_length=300)
                )
                yield from self._row(
                    "latitude", _("Latitude"), Input(placeholder="48.86", type="number")
                )
                yield from self._row(
                    "longitude", _("Longitude"), Input(placeholder="2.34", type="number")
                )
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
            ("↑ ↓", _("choose the delivery")),
            (_("Enter"), _("next field; on the phone field, place the order")),
        ]

    def on_mount(self) -> None:
        self.query_one("#order-outcome").display = False
        self._show_delivery_fields()
        self.query_one("#order-qty", Input).focus()

    def field(self, name: str) -> Input:
        return self.query_one(f"#order-{name}".replace("_", "-"), Input)

    def delivery_choice(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else HERE

    def _show_delivery_fields(self) -> None:
        choice = self.delivery_choice()
        self.query_one("#row-collect-at").display = choice == OTHER_STORE
        for name in ("address", "latitude", "longitude"):
            self.query_one(f"#row-{name}").display = choice == HOME

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
        if event.input.id == "order-phone":
            self.action_place()
        else:
            self.focus_next()

    def _clear_errors(self) -> None:
        for error in self.query(".field-error").results(Static):
            error.update("")

    def _error(self, field: str | None, text: str) -> None:
        target = f"#error-{field}".replace("_", "-") if field in FIELDS else "#order-error"
        self.query_one(target, Static).update(text)
        if field in FIELDS:
            self.field(str(field)).focus()

    # -- placing -----------------------------------------------------------------------------

    def _read_form(self) -> tuple[int, Delivery, Customer] | None:
        self._clear_errors()
        try:
            qty = int(self.field("qty").value)
        except ValueError:
            qty = 0
        if not 1 <= qty <= MAX_ORDER_QTY:
            self._error("qty", quantity_problem())
            return None
        try:
            choice = self.delivery_choice()
            if choice == HOME:
                coordinates = []
                for name in ("latitude", "longitude"):
                    try:
                        coordinates.append(float(self.field(name).value.replace(",", ".")))
                    except ValueError:
                        self._error(name, _("A number, such as 48.86."))
                        return None
                delivery = home_delivery(self.field("address").value, *coordinates)
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
        return qty, delivery, contact

    def action_place(self) -> None:
        if self.placing or self.placed:
            return
        form = self._read_form()
        if form is None:
            return
        qty, delivery, contact = form
        self.placing = True
        self.customer_name = contact.name
        self.query_one("#order-error", Static).update(_("Placing the order…"))
        self._place(self.item.sku, qty, delivery, contact)

    @work(thread=True, exclusive=True, group="order", exit_on_error=False)
    def _place(self, sku: str, qty: int, delivery: Delivery, contact: Customer) -> None:
        try:
            outcome = self.context.orders.place(sku, qty, delivery, contact)
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
        if action == "place":
            return not self.placed
        return True

    def action_back(self) -> None:
        self.dismiss(None)
