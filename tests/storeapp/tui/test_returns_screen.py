"""Customer returns in the terminal: the Returns screen (F11) takes a scan of the item brought
back, the reason chosen with ↑ ↓ and Enter, and records the return in the outbox at once; the
quantity, where the unit goes (back on sale, damaged) and the order or receipt are on the form;
above the store's limit it asks first, and No queues nothing. After the sync the ledger holds it.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from textual.widgets import Input, RadioSet

from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.returns import ReturnsScreen
from storeapp.wording.figures import NO_VALUE
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, on_hand
from tests.support.tui import SLOW, AppFactory, SteppingClock, rows, scan, settle, text_of

UNKNOWN_GTIN = "4006381333931"


def queued_returns(store: StoreContext) -> list[dict[str, Any]]:
    """The payloads of the returns waiting in the outbox, oldest first."""
    return [
        entry.payload
        for entry in outbox.pending(store.engine, 50)
        if entry.payload["op"] == "customer_return"
    ]


async def open_returns(pilot: Any) -> ReturnsScreen:
    await settle(pilot)
    await pilot.press("f11")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReturnsScreen)
    return screen


def type_into(app: StoreApp, field_id: str, value: str) -> None:
    field = app.screen.query_one(field_id, Input)
    field.value = value


async def test_a_scan_then_a_reason_and_enter_queue_the_return_and_the_ledger_takes_it(
    ledger: TestClient, network: Network, synced_store: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(synced_store, monotonic=clock)
    async with app.run_test(size=(100, 34)) as pilot:
        await open_returns(pilot)
        assert "Scan the item" in text_of(app, "#returns-item")
        await scan(pilot, clock, gtin_of(synced_store, "S1"))
        assert text_of(app, "#returns-item").startswith("Item S1 · S1 ·")
        assert app.screen.query_one("#returns-sku", Input).value == "S1"
        await pilot.press("down", "enter")  # the first reason: wrong size
        await settle(pilot)

        [payload] = queued_returns(synced_store)
        assert payload["location"] == "A"
        assert payload["order_id"] is None
        assert payload["sale_op_id"] is None
        [line] = payload["lines"]
        assert (line["sku"], line["qty"], line["reason"], line["disposition"]) == (
            "S1",
            1,
            "wrong_size",
            "sellable",
        )
        assert "Return recorded: 1 x S1, back on sale." in text_of(app, "#returns-message")
        [row] = rows(app, "#returns-done")
        assert row[1:] == ["S1", "Item S1", "1", "wrong size", "on sale", NO_VALUE]
        assert text_of(app, "#returns-caption") == "Recorded since this screen opened (1)"
        # The form is ready for the next item.
        assert app.screen.query_one("#returns-sku", Input).value == ""
        assert app.focused is app.screen.query_one("#returns-sku", Input)

        await pilot.press("f5")
        await settle(pilot)
    assert queued_returns(synced_store) == []
    assert on_hand(ledger, network, "S1") == 4


async def test_a_damaged_return_of_two_units_names_the_sale_it_comes_from(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    sale = synced_store.sales.record("S2", 2)
    clock = SteppingClock(SLOW)
    app = build_app(synced_store, monotonic=clock)
    async with app.run_test(size=(100, 34)) as pilot:
        await open_returns(pilot)
        type_into(app, "#returns-sku", "S2")
        await pilot.press("enter")  # the item, then the reasons have the focus
        await settle(pilot)
        type_into(app, "#returns-qty", "2")
        app.screen.query_one("#returns-disposition", RadioSet).focus()
        await pilot.press("right", "enter")  # set aside as damaged
        type_into(app, "#returns-receipt", str(sale.op_id))
        app.screen.query_one("#returns-reasons").focus()
        await pilot.press("down", "down", "down", "enter")  # faulty
        await settle(pilot)

    [payload] = queued_returns(synced_store)
    assert payload["sale_op_id"] == str(sale.op_id)
    [line] = payload["lines"]
    assert (line["sku"], line["qty"], line["reason"], line["disposition"]) == (
        "S2",
        2,
        "faulty",
        "damaged",
    )


async def test_above_the_limit_no_queues_nothing_and_yes_queues_the_return(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(synced_store, monotonic=clock)
    async with app.run_test(size=(100, 34)) as pilot:
        await open_returns(pilot)
        await scan(pilot, clock, gtin_of(synced_store, "S1"))
        type_into(app, "#returns-qty", "12")
        app.screen.query_one("#returns-reasons").focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == "Return 12 units of S1?"
        assert "12 units on one line is more than 10" in dialog.detail

        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReturnsScreen)
        assert queued_returns(synced_store) == []
        assert "Nothing recorded" in text_of(app, "#returns-message")
        assert app.screen.query_one("#returns-qty", Input).value == "12"

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ReturnsScreen)
    [payload] = queued_returns(synced_store)
    assert payload["lines"][0]["qty"] == 12


async def test_what_cannot_be_a_return_is_said_and_nothing_is_queued(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(synced_store, monotonic=clock)
    async with app.run_test(size=(100, 34)) as pilot:
        await open_returns(pilot)
        await pilot.press("ctrl+s")
        assert "Scan the item first" in text_of(app, "#returns-message")

        await scan(pilot, clock, UNKNOWN_GTIN)
        assert isinstance(app.screen, ReturnsScreen)  # a scan here never opens the item screen
        assert "No item carries barcode" in text_of(app, "#returns-message")

        await scan(pilot, clock, gtin_of(synced_store, "S1"))
        await pilot.press("ctrl+s")
        assert "Choose the reason" in text_of(app, "#returns-message")

        await pilot.press("down")
        type_into(app, "#returns-order", "WEB-1")
        await pilot.press("ctrl+s")
        assert "WEB-1 is not an order number" in text_of(app, "#returns-message")
        assert app.focused is app.screen.query_one("#returns-order", Input)

        type_into(app, "#returns-order", "")
        type_into(app, "#returns-receipt", "my receipt")
        await pilot.press("ctrl+s")
        assert "is not a receipt reference" in text_of(app, "#returns-message")
    assert queued_returns(synced_store) == []
