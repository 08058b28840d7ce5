"""The counter sale asks again above the store's limit: the question names the quantity and the
limit; No goes back to the quantity with nothing recorded, Yes records the sale."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Static

from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.sale import SaleScreen
from tests.support.tui import AppFactory, look_up, settle


def queued_sales(store: StoreContext) -> list[int]:
    """The quantities of the sales waiting in the outbox."""
    return [
        line["qty"]
        for entry in outbox.pending(store.engine, 50)
        if entry.payload["op"] == "movements"
        for line in entry.payload["lines"]
        if line["kind"] == "sale"
    ]


async def sell(pilot: Pilot[None], qty: str) -> None:
    """The sale dialog of the item on screen, ``qty`` typed, Enter."""
    await pilot.press("s")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, SaleScreen)
    dialog.query_one("#sale-qty", Input).value = qty
    await pilot.press("enter")
    await settle(pilot)


async def test_a_sale_above_the_limit_asks_and_no_records_nothing(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        assert isinstance(app.screen, ItemScreen)
        await sell(pilot, "100000")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == "Sell 100,000 units of S1?"
        assert dialog.detail.startswith("100,000 units on one line is more than 10")

        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, SaleScreen)  # back to the quantity
        error = str(app.screen.query_one("#sale-error", Static).render())
        assert error.startswith("Nothing recorded")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
    assert queued_sales(synced_store) == []


async def test_yes_records_the_sale_above_the_limit_and_ten_units_need_no_question(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        await sell(pilot, "10")
        assert isinstance(app.screen, ItemScreen)
        await sell(pilot, "11")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
    assert sorted(queued_sales(synced_store)) == [10, 11]
