"""Units set aside on the item screen: the store's own units per disposition, as the cache holds
them after a sync ("2 damaged · 1 on display"), x to set one unit aside or put one back on sale,
and w for a manager's write-off of a unit set aside, with the reason (an associate signed in
needs a manager's PIN, whose code the write-off carries)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from ordersync.clock import ManualClock
from ordersync.contract import Disposition
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.screens.confirm import ChoiceScreen
from storeapp.tui.screens.count import EntryScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.sign_in import SignInScreen
from tests.support.ledger_harness import Network
from tests.support.staff import ANNE, MARC, give_staff
from tests.support.store import ledger_position
from tests.support.tui import AppFactory, look_up, settle, text_of


def queued(store: StoreContext, op: str) -> list[dict[str, Any]]:
    return [e.payload for e in outbox.pending(store.engine, 50) if e.payload["op"] == op]


def set_aside_and_sync(store: StoreContext) -> None:
    """Two units of S1 set aside as damaged and one on display, accepted by the ledger."""
    store.set_aside.move("S1", 2, to=Disposition.DAMAGED)
    store.set_aside.move("S1", 1, to=Disposition.DISPLAY)
    report = store.sync.sync_once()
    assert report.online, report
    assert report.accepted == 2, report
    assert queued(store, "move_disposition") == []


async def choose(pilot: Pilot[None], label: str) -> None:
    """Pick the option of the choice dialog on screen whose label starts with ``label``."""
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceScreen)
    options = dialog.query_one(OptionList)
    labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    index = next(i for i, text in enumerate(labels) if text.startswith(label))
    options.highlighted = index
    await pilot.press("enter")
    await settle(pilot)


async def type_in(pilot: Pilot[None], selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector, Input).value = text
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_the_item_screen_shows_the_units_set_aside_from_the_cache(
    ledger: TestClient, network: Network, synced_store: StoreContext, build_app: AppFactory
) -> None:
    set_aside_and_sync(synced_store)
    assert ledger_position(ledger, network, "A", "S1")["unavailable"] == 3
    app = build_app(synced_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S2")  # nothing set aside: no line for it
        assert not app.screen.query_one("#item-set-aside").display
        await look_up_again(pilot, "S1")
        assert app.screen.query_one("#item-set-aside").display
        line = text_of(app, "#item-set-aside")
        assert line == "Set aside here, not for sale: 2 damaged · 1 on display"
        assert "0 available" in text_of(app, "#item-header")  # 3 on hand, all set aside


async def look_up_again(pilot: Pilot[None], sku: str) -> None:
    """Another item, from the item screen (as a scan would show it)."""
    screen = pilot.app.screen
    assert isinstance(screen, ItemScreen)
    screen.show_sku(sku)
    await settle(pilot)


async def test_x_sets_one_unit_aside_or_puts_one_back_on_sale(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    set_aside_and_sync(synced_store)
    app = build_app(synced_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        await pilot.press("x")
        await settle(pilot)
        await choose(pilot, "Put one unit back on sale (1 on display)")
        assert isinstance(app.screen, ItemScreen)
        assert text_of(app, "#item-set-aside") == "Set aside here, not for sale: 2 damaged"
        assert "1 available" in text_of(app, "#item-header")

        await pilot.press("x")
        await settle(pilot)
        await choose(pilot, "Set one unit aside: in quarantine")
        assert (
            text_of(app, "#item-set-aside")
            == "Set aside here, not for sale: 2 damaged · 1 in quarantine"
        )
        await pilot.press("x")
        await settle(pilot)
        await choose(pilot, "Set one unit aside: damaged")  # no unit on sale is left
        assert any("only 0 unit(s) on sale" in n.message for n in app._notifications)

    moves = [payload["lines"][0] for payload in queued(synced_store, "move_disposition")]
    assert [(m["from_disposition"], m["to_disposition"], m["qty"]) for m in moves] == [
        ("display", "sellable", 1),
        ("sellable", "quarantine", 1),
    ]


async def test_an_associate_writes_a_unit_off_with_a_managers_pin_and_a_reason(
    synced_store: StoreContext, clock: ManualClock, build_app: AppFactory
) -> None:
    set_aside_and_sync(synced_store)
    give_staff(synced_store.engine, clock.now(), ANNE, MARC)
    app = build_app(synced_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_in(pilot, "#staff-code", "anne")
        await type_in(pilot, "#staff-pin", ANNE.pin)
        await look_up(pilot, "S1")
        await pilot.press("w")
        await settle(pilot)
        approval = app.screen
        assert isinstance(approval, SignInScreen)
        assert approval.approval == "Write off"
        await type_in(pilot, "#staff-code", "marc")
        await type_in(pilot, "#staff-pin", MARC.pin)
        await choose(pilot, "damaged (2)")
        assert isinstance(app.screen, EntryScreen)
        await type_in(pilot, "#entry-value", "torn seam")
        assert isinstance(app.screen, ItemScreen)
        assert (
            text_of(app, "#item-set-aside")
            == "Set aside here, not for sale: 1 damaged · 1 on display"
        )
        assert "2 on hand" in text_of(app, "#item-header")

    [write_off] = queued(synced_store, "write_off")
    assert write_off["reason"] == "torn seam"
    assert write_off["person"] == "marc"
    assert write_off["lines"] == [{"sku": "S1", "qty": 1, "disposition": "damaged"}]


async def test_nothing_set_aside_means_nothing_to_write_off(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        assert any("Nothing of S1 is set aside here" in n.message for n in app._notifications)
    assert queued(synced_store, "write_off") == []
