"""Keys everywhere: help, the command palette, going home and to the sync screen."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from storeapp.context import StoreContext
from storeapp.tui.screens.help import HelpScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.lookup import LookupScreen
from storeapp.tui.screens.sync import SyncScreen
from tests.support.tui import AppFactory, look_up, settle


async def test_help_lists_the_keys_of_the_screen_and_of_the_app(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        await pilot.press("f1")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = dict(help_screen.keys)
        assert keys["s"] == "Sale"
        assert keys["Esc"] == "Back"
        assert keys["F1 ?"] == "Help"
        assert keys["F5"] == "Sync now"
        assert keys["scan"] == "open the scanned item, on any screen"
        assert "Focus Next" not in keys.values()  # Textual's own keys are not listed
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)


async def test_the_command_palette_runs_the_app_commands(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles == [
            "Look up an item",
            "Jobs to pick",
            "Day's queue",
            "Counts",
            "Insights",
            "Receive",
            "Transfers",
            "Returns",
            "Sync now",
            "Sync status",
            "Help",
            "Sign out",
            "Quit",
        ]
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"status")
        found = app.screen.query_one(CommandList)
        for _ in range(200):  # the palette searches in the background
            if found.option_count and "Sync status" in str(found.get_option_at_index(0).prompt):
                break
            await pilot.pause(0.01)
        assert found.option_count == 1
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)


async def test_f3_opens_the_sync_screen_once_and_f2_goes_home(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [LookupScreen, ItemScreen, SyncScreen]
        await pilot.press("f2")
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [LookupScreen]
        assert app.focused is app.screen.query_one("#query")
