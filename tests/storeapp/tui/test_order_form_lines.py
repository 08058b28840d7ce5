"""The order-in-store form with several lines, at the terminal's size (80 x 24): a scan adds one
unit of the scanned item (a new line, or one more unit of its line), a typed ``SKU:QTY`` adds
that many, ``+`` ``-`` and Delete change the chosen line; home delivery asks for the street, the
postal code and the town; every delivery choice shows in full, in English and in French."""

# ruff: noqa: RUF001
# (the screens print the multiplication sign on purpose)

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rich.cells import cell_len
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, RadioButton

from storeapp.context import StoreContext
from storeapp.i18n import Translator
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.order import OrderScreen
from storeapp.tui.widgets.order_outcome import OrderOutcomeView
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, receive
from tests.support.tui import SLOW, AppFactory, SteppingClock, look_up, rows, scan, settle

SIZE = (80, 24)


async def open_order_form(pilot: Pilot[None], sku: str) -> OrderScreen:
    await look_up(pilot, sku)
    assert isinstance(pilot.app.screen, ItemScreen)
    await pilot.press("o")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OrderScreen)
    return screen


def lines_of(screen: OrderScreen) -> list[tuple[str, int]]:
    return [(line.item.sku, line.qty) for line in screen.lines]


async def test_scans_and_typed_items_make_the_lines_and_one_order_takes_them_all(
    ledger: TestClient, network: Network, synced_store: StoreContext, build_app: AppFactory
) -> None:
    receive(ledger, network, "S1", "B", 5)
    receive(ledger, network, "S3", "B", 5)
    assert synced_store.sync.sync_once().online
    clock = SteppingClock(SLOW)
    app = build_app(synced_store, monotonic=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_order_form(pilot, "S1")
        assert rows(app, "#order-lines") == [["1", "S1", "Item S1 · noir 85B"]]
        assert app.focused is screen.field("add")

        await scan(pilot, clock, gtin_of(synced_store, "S1"))  # the same item: one more unit
        await scan(pilot, clock, gtin_of(synced_store, "S3"))  # another item: a new line
        assert isinstance(app.screen, OrderScreen)  # a scan here adds, it opens nothing
        assert lines_of(screen) == [("S1", 2), ("S3", 1)]
        assert screen.field("add").value == ""  # the scanner's digits do not stay typed

        screen.field("add").value = "S3:3"
        await pilot.press("enter")
        assert lines_of(screen) == [("S1", 2), ("S3", 4)]
        assert screen.field("add").value == ""
        screen.field("add").value = "NOPE"
        await pilot.press("enter")
        assert "NOPE" in str(screen.query_one("#error-add").render())
        assert lines_of(screen) == [("S1", 2), ("S3", 4)]

        table = screen.query_one("#order-lines", DataTable)
        table.focus()
        await pilot.press("minus", "minus")  # the chosen line is the one last changed: S3
        assert lines_of(screen) == [("S1", 2), ("S3", 2)]
        await pilot.press("up", "plus")
        assert lines_of(screen) == [("S1", 3), ("S3", 2)]
        await pilot.press("delete")
        assert lines_of(screen) == [("S3", 2)]
        screen.field("add").value = "S1:2"
        screen.field("add").focus()
        await pilot.press("enter")
        assert rows(app, "#order-lines") == [
            ["2", "S3", "Item S3 · noir 85B"],
            ["2", "S1", "Item S1 · noir 85B"],
        ]

        await pilot.press("tab", "down", "down", "enter")  # delivery: home
        await settle(pilot)
        assert screen.delivery_choice() == "home"
        screen.field("address").value = "12 rue de la République"
        screen.field("address2").value = "Bâtiment B"
        screen.field("postal_code").value = "99999"
        screen.field("city").value = "Lyon"
        screen.field("name").value = "Camille Martin"
        screen.field("phone").value = "0612345678"
        await pilot.press("ctrl+s")
        await settle(pilot)
        unknown = str(screen.query_one("#error-postal-code").render())
        assert unknown == "No French department has this postal code."
        assert app.focused is screen.field("postal_code")
        screen.field("postal_code").value = "69002"
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = str(screen.query_one(OrderOutcomeView).render())
        assert "✔ Order placed: 2 × S3, 2 × S1 for Camille Martin." in shown
        assert "B — Store B: 2 × S3, 2 × S1, shipped from there (" in shown

    with network.engine.connect() as connection:
        [order_id] = connection.execute(text("SELECT id FROM orders")).scalars()
    order = ledger.get(f"/v1/orders/{order_id}", headers=network.headers("A")).json()
    assert [(line["sku"], line["qty"]) for line in order["lines"]] == [("S3", 2), ("S1", 2)]
    assert order["delivery"]["address"] == "12 rue de la République\nBâtiment B"
    assert order["delivery"]["postal_code"] == "69002"


@pytest.mark.parametrize("locale", ["en_GB", "fr_FR"])
async def test_every_delivery_choice_shows_in_full_and_the_form_fits_80_by_24(
    synced_store: StoreContext, build_app: AppFactory, locale: str
) -> None:
    app = build_app(synced_store, translator=Translator(locale, "Europe/Paris"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_order_form(pilot, "S1")
        await pilot.press("tab", "down", "down", "enter")  # home delivery: the longest form
        await settle(pilot)
        assert screen.delivery_choice() == "home"
        width, height = SIZE
        buttons = list(screen.query(RadioButton))
        assert len(buttons) == 3
        for button in buttons:
            label = str(button.label)
            # The button's own width holds its mark and its whole label, inside the screen.
            assert button.region.right <= width, label
            assert button.content_region.width >= cell_len(label) + 4, label
            assert label in str(button.render()), label
        # Every field of the longest form shows above the footer, without scrolling.
        assert screen.query_one("#order-body").max_scroll_y == 0
        assert screen.field("phone").region.bottom <= height - 1
        if locale == "fr_FR":
            assert [str(b.label) for b in buttons] == [
                "Retrait ici",
                "Retrait en magasin",
                "Livraison à domicile",
            ]
