"""The destination table: each row is reached by its keys and by its palette entry, from any
screen, and the keys, the footer and the palette are those the table says."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.destinations import DESTINATIONS, Destination
from storeapp.tui.screens.help import HelpScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.lookup import LookupScreen
from tests.support.tui import AppFactory, look_up, settle

ARRIVALS: dict[str, Callable[[StoreApp], bool]] = {
    "lookup": lambda app: [type(screen) for screen in app.screen_stack] == [LookupScreen],
    "sync_now": lambda app: app.last_sync is not None,
    "help": lambda app: isinstance(app.screen, HelpScreen),
    # A store without staff has nobody to sign out, and says so.
    "sign_out": lambda app: any("no staff" in note.message for note in app._notifications),
    "quit": lambda app: app.return_code == 0,
}
"""How to tell the app's own actions have been reached; a screen row is reached when it shows."""


def arrived(app: StoreApp, destination: Destination) -> bool:
    if destination.screen is not None:
        return isinstance(app.screen, destination.screen)
    return ARRIVALS[destination.name](app)


def by_name(destination: Destination) -> str:
    return destination.name


async def away_from_home(pilot: Pilot[None]) -> None:
    """On an item screen over the lookup: no destination is where the app starts from."""
    await settle(pilot)
    await look_up(pilot, "S1")
    assert isinstance(pilot.app.screen, ItemScreen)


def test_every_action_of_the_app_in_the_table_says_how_to_tell_it_was_reached() -> None:
    actions = {d.name for d in DESTINATIONS if d.screen is None}
    assert actions == set(ARRIVALS)


def test_no_two_destinations_share_a_key_and_none_has_moved() -> None:
    keys = [key for d in DESTINATIONS for key in (d.key, *d.more_keys)]
    assert len(keys) == len(set(keys))
    staff_know = {
        "help": ("f1", "question_mark"),
        "lookup": ("f2",),
        "sync": ("f3",),
        "jobs": ("f4",),
        "sync_now": ("f5",),
        "day": ("f6",),
        "counts": ("f7",),
        "insights": ("f8",),
        "returns": ("f11",),
        "sign_out": ("ctrl+o",),
        "quit": ("ctrl+q",),
    }
    keys_of = {d.name: (d.key, *d.more_keys) for d in DESTINATIONS}
    assert {name: keys_of.get(name) for name in staff_know} == staff_know


def keyboard_position(key: str) -> tuple[int, int]:
    function_key = re.fullmatch(r"f(\d{1,2})", key)
    return (0, int(function_key[1])) if function_key else (1, 0)


def test_the_app_lists_its_keys_in_keyboard_order_and_the_footer_shows_the_chosen_ones() -> None:
    main_keys = {d.key for d in DESTINATIONS}  # a row's other keys follow its main one
    keys = [b.key for b in StoreApp.BINDINGS if isinstance(b, Binding) and b.key in main_keys]
    assert keys == sorted(keys, key=keyboard_position)
    shown = [
        (binding.key, binding.description)
        for binding in StoreApp.BINDINGS
        if isinstance(binding, Binding) and binding.show
    ]
    today = [("f1", "Help"), ("f3", "Sync status"), ("f5", "Sync now")]
    assert [pair for pair in shown if pair in today] == today
    assert {d.key for d in DESTINATIONS if d.in_footer} == {key for key, _ in shown}


@pytest.mark.parametrize("destination", DESTINATIONS, ids=by_name)
async def test_each_destination_is_reached_by_each_of_its_keys(
    destination: Destination, synced_store: StoreContext, build_app: AppFactory
) -> None:
    for key in (destination.key, *destination.more_keys):
        app = build_app(synced_store)
        async with app.run_test(size=(80, 24)) as pilot:
            await away_from_home(pilot)
            assert not arrived(app, destination)
            await pilot.press(key)
            await settle(pilot)
            assert arrived(app, destination), key


@pytest.mark.parametrize("destination", DESTINATIONS, ids=by_name)
async def test_each_destination_is_reached_by_its_palette_entry(
    destination: Destination, synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await away_from_home(pilot)
        assert not arrived(app, destination)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*destination.title)
        found = app.screen.query_one(CommandList)
        for _ in range(200):  # the palette searches in the background
            if found.option_count and str(found.get_option_at_index(0).prompt).startswith(
                destination.title
            ):
                break
            await pilot.pause(0.01)
        assert str(found.get_option_at_index(0).prompt).startswith(destination.title)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert arrived(app, destination)
