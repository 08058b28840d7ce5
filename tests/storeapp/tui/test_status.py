"""The status bar: store, online or offline, how old the network view is, what waits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from textual.widgets import Static

from ordersync.clock import ManualClock
from storeapp.context import StoreContext, open_store
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.sync import SyncScreen
from storeapp.tui.widgets.availability_table import AvailabilityTable
from storeapp.tui.widgets.status_bar import StatusBar
from tests.support.tui import AppFactory, look_up, settle


def bar(app: object) -> dict[str, str]:
    status_bar = app.screen.query_one(StatusBar)  # type: ignore[attr-defined]
    return {
        part.id.removeprefix("status-"): str(part.render())
        for part in status_bar.query(Static)
        if part.id
    }


@pytest.fixture
def unreachable(store: StoreContext, clock: ManualClock) -> Iterator[StoreContext]:
    """Store A's terminal on the same cache, with the ledger out of reach."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    context = open_store(store.settings, now=clock.now, transport=httpx.MockTransport(refuse))
    yield context
    context.close()


async def test_after_a_sync_the_bar_shows_the_store_online_and_an_up_to_date_view(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert bar(app) == {
            "store": "A · Store A",
            "person": "",  # a store without staff signs nobody in
            "link": "ONLINE",
            "age": "view up to date",
            "waiting": "0 to sync",
            "attention": "0 to check",
        }
        link = app.screen.query_one("#status-link", Static)
        assert link.has_class("-online")
        assert not link.has_class("-offline")


async def test_a_terminal_never_synced_says_so(store: StoreContext, build_app: AppFactory) -> None:
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert bar(app)["link"] == "OFFLINE"
        assert bar(app)["age"] == "never synced"


async def test_with_the_ledger_unreachable_the_bar_says_offline_and_how_old_the_view_is(
    synced_store: StoreContext,
    unreachable: StoreContext,
    clock: ManualClock,
    build_app: AppFactory,
) -> None:
    synced_store.lookup.availability("S1")  # a live answer, kept in the cache
    clock.advance(timedelta(minutes=3))
    app = build_app(unreachable)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f5")  # sync now: the ledger does not answer
        await settle(pilot)
        assert app.last_sync is not None
        assert not app.last_sync.report.online
        assert bar(app)["link"] == "OFFLINE"
        assert bar(app)["age"] == "view 3 mins old"
        link = app.screen.query_one("#status-link", Static)
        assert link.has_class("-offline")
        assert not link.has_class("-online")

        # The lookup still works from the cache, and says how old the network numbers are.
        await look_up(pilot, "S1")
        screen = app.screen
        assert isinstance(screen, ItemScreen)
        assert screen.view is not None
        assert not screen.view.availability.live
        caption = screen.query_one(AvailabilityTable).query_one("#availability-caption", Static)
        assert str(caption.render()) == "Network availability · this terminal's copy, 3 mins old"

        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        last = str(app.screen.query_one("#sync-last", Static).render())
        assert last.startswith("Last sync 10:03 failed: cannot reach the ledger")
        assert "Last answer from the ledger: 10:00." in last


async def test_the_status_is_read_again_on_a_timer(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store, status_interval=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert bar(app)["waiting"] == "0 to sync"
        synced_store.sales.record("S1", 1)  # another window of this terminal sells
        for _ in range(100):
            await asyncio.sleep(0.02)
            if bar(app)["waiting"] == "1 to sync":
                break
        assert bar(app)["waiting"] == "1 to sync"
