"""The lookup screen: what was typed opens the item, or lists matches, or says what is wrong."""

from __future__ import annotations

from textual.widgets import Input, Static

from ordersync.contract import with_check_digit
from storeapp.context import StoreContext
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.lookup import LookupScreen
from storeapp.tui.widgets.matches_table import MatchesTable
from tests.support.store import gtin_of
from tests.support.tui import AppFactory, look_up, settle


def message_of(screen: LookupScreen) -> str:
    return str(screen.query_one("#lookup-message", Static).render())


async def test_typing_a_sku_then_enter_opens_its_item(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.focused is app.screen.query_one("#query", Input)
        await pilot.press(*"s1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.view is not None
        assert app.screen.view.item.sku == "S1"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)


async def test_a_reference_lists_its_variants_and_enter_opens_the_chosen_one(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, "REF-1")
        screen = app.screen
        assert isinstance(screen, LookupScreen)
        matches = screen.query_one(MatchesTable)
        assert matches.display
        assert app.focused is matches
        assert [matches.get_row_at(i)[0].plain for i in range(matches.row_count)] == ["S1", "S2"]
        assert "2 items match" in message_of(screen)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.sku == "S2"


async def test_a_barcode_with_a_wrong_check_digit_says_which_digit_was_expected(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    good = gtin_of(synced_store, "S1")
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*wrong, "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LookupScreen)
        message = message_of(screen)
        assert f"{wrong} is not a valid barcode" in message
        assert f"the check digit should be {good[-1]}, not {wrong[-1]}" in message
        assert screen.query_one("#lookup-message", Static).has_class("-error")


async def test_a_valid_barcode_unknown_to_the_catalog_and_a_word_found_nowhere(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    unknown = with_check_digit("400000000001")
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, unknown)
        screen = app.screen
        assert isinstance(screen, LookupScreen)
        assert f"No item carries barcode {unknown}" in message_of(screen)
        await pilot.press("escape", *"zebra", "enter")
        await settle(pilot)
        assert message_of(screen) == "Nothing found for “zebra”."
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert message_of(screen) == "Type or scan something to look up."
