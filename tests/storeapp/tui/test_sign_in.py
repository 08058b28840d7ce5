"""Staff on the terminal UI: the sign-in screen first in a store with staff, again after an idle
while (over the work in progress, which stays), ctrl+o to sign out, who is signed in on the
status bar, and a manager's code and PIN before a manager's destination or action."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from textual.pilot import Pilot
from textual.widgets import Input, Static

from ordersync.clock import ManualClock
from ordersync.contract import PERSON_HEADER
from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.count import CountScreen
from storeapp.tui.screens.insights import InsightsScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.lookup import LookupScreen
from storeapp.tui.screens.sign_in import SignInScreen
from tests.support.ledger_harness import Network
from tests.support.staff import ANNE, MARC, give_staff
from tests.support.store import Cable, open_terminal
from tests.support.tui import AppFactory, look_up, settle, stock_and_sync

IDLE_SECONDS = 5 * 60
"""The default ``idle_sign_out_minutes``, in seconds."""


class IdleClock:
    """The clock the app reads to tell how long no key was pressed; moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def staffed_store(synced_store: StoreContext, clock: ManualClock) -> StoreContext:
    """Store A after its first sync, with Anne (associate) and Marc (manager)."""
    give_staff(synced_store.engine, clock.now(), ANNE, MARC)
    return synced_store


async def type_in(pilot: Pilot[None], selector: str, text: str) -> None:
    pilot.app.screen.query_one(selector, Input).focus()
    await pilot.press(*text)
    await pilot.press("enter")
    await settle(pilot)


async def sign_in(pilot: Pilot[None], code: str, pin: str) -> None:
    assert isinstance(pilot.app.screen, SignInScreen)
    await type_in(pilot, "#staff-code", code)
    await type_in(pilot, "#staff-pin", pin)


def status_person(app: StoreApp, depth: int = 1) -> str:
    """Who the status bar of the ``depth``-th screen from the top says is signed in."""
    screen = app.screen_stack[-depth]
    return str(screen.query_one("#status-person", Static).render())


def screen_text(app: StoreApp) -> str:
    return app.export_screenshot()


async def test_a_store_with_staff_starts_on_the_sign_in_screen_and_nothing_else_opens(
    staffed_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(staffed_store, idle_clock=IdleClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        for key in ("f4", "f8", "ctrl+p", "escape", "ctrl+o"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, SignInScreen), key
        await sign_in(pilot, "anne", "0000")
        assert isinstance(app.screen, SignInScreen)
        error = str(app.screen.query_one("#sign-in-error", Static).render())
        assert error == "Wrong PIN for anne: 4 attempt(s) left before a lockout."
        assert app.screen.query_one("#staff-pin", Input).value == ""
        await type_in(pilot, "#staff-pin", ANNE.pin)
        assert isinstance(app.screen, LookupScreen)
        assert staffed_store.shift.code() == "anne"
        assert status_person(app) == "Anne Associate (anne)"
        assert ANNE.pin not in screen_text(app)


async def test_after_the_idle_time_the_person_is_signed_out_over_the_work_in_progress(
    staffed_store: StoreContext, build_app: AppFactory
) -> None:
    idle = IdleClock()
    app = build_app(staffed_store, idle_clock=idle)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await sign_in(pilot, "anne", ANNE.pin)
        await look_up(pilot, "S1")
        assert isinstance(app.screen, ItemScreen)
        idle.now += IDLE_SECONDS - 1
        app.sign_out_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)  # not yet
        await pilot.press("down")  # a key: the idle time starts again
        idle.now += IDLE_SECONDS - 1
        app.sign_out_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        idle.now += 1
        app.sign_out_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert staffed_store.shift.code() is None
        assert [type(s) for s in app.screen_stack[-2:]] == [ItemScreen, SignInScreen]
        assert status_person(app, depth=2) == "nobody signed in"
        await sign_in(pilot, "marc", MARC.pin)
        assert isinstance(app.screen, ItemScreen)  # the work in progress, as it was
        assert staffed_store.shift.code() == "marc"


async def test_ctrl_o_signs_out_for_another_person(
    staffed_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(staffed_store, idle_clock=IdleClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await sign_in(pilot, "anne", ANNE.pin)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert staffed_store.shift.code() is None
        await sign_in(pilot, "marc", MARC.pin)
        assert staffed_store.shift.code() == "marc"
        assert status_person(app) == "Marc Manager (marc)"


async def test_an_associate_needs_a_managers_pin_to_open_a_managers_screen(
    staffed_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(staffed_store, idle_clock=IdleClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await sign_in(pilot, "anne", ANNE.pin)
        await pilot.press("f8")
        await settle(pilot)
        approval = app.screen
        assert isinstance(approval, SignInScreen)
        assert approval.approval == "Insights"
        await pilot.press("escape")  # cancelled: nothing opens
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        await pilot.press("f8")
        await settle(pilot)
        await sign_in(pilot, "anne", ANNE.pin)  # an associate cannot approve
        error = str(app.screen.query_one("#sign-in-error", Static).render())
        assert error.startswith("anne is not a manager")
        await sign_in(pilot, "marc", MARC.pin)
        assert isinstance(app.screen, InsightsScreen)
        assert staffed_store.shift.code() == "anne"  # still Anne's terminal


async def test_a_manager_signed_in_opens_a_managers_screen_at_once(
    staffed_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(staffed_store, idle_clock=IdleClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await sign_in(pilot, "marc", MARC.pin)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, InsightsScreen)


async def test_planning_counts_on_an_associates_session_carries_the_approving_manager(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    build_app: AppFactory,
) -> None:
    cable = Cable(ledger._transport)
    store = open_terminal(ledger, network, tmp_path / "till", clock, cable=cable)
    try:
        stock_and_sync(ledger, network, store)
        give_staff(store.engine, clock.now(), ANNE, MARC)
        app = build_app(store, idle_clock=IdleClock())
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await sign_in(pilot, "anne", ANNE.pin)
            await pilot.press("f7")
            await settle(pilot)
            assert isinstance(app.screen, CountScreen)
            await pilot.press("g")
            await settle(pilot)
            await sign_in(pilot, "marc", MARC.pin)
            assert isinstance(app.screen, CountScreen)
        plans = [r for r in cable.requests if r.url.path.endswith("/count-tasks/schedule")]
        assert [r.headers.get(PERSON_HEADER) for r in plans] == ["marc"]
        assert json.loads(plans[0].content)["location"] == "A"
        assert store.shift.code() == "anne"
    finally:
        store.close()


async def test_a_store_without_staff_has_nobody_to_sign_out(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store, idle_clock=IdleClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert not app.screen.query_one("#status-person", Static).display
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert synced_store.shift.code() is None
