"""The terminal says where its figures come from and how old they are: the availability table's
caption (live from the ledger, or this terminal's copy with its age, for this store's row and the
others'), no time column that reads as stale data, and a status bar that says offline with the
view's age as soon as a sync failed (never "up to date" then)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from textual.widgets import DataTable, Static

from ordersync.clock import ManualClock
from storeapp.context import StoreContext, open_store
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.widgets.availability_table import AvailabilityTable
from tests.support.ledger_harness import Network
from tests.support.store import receive
from tests.support.tui import AppFactory, look_up, settle, text_of


@pytest.fixture
def unreachable(store: StoreContext, clock: ManualClock) -> Iterator[StoreContext]:
    """Store A's terminal on the same cache, with the ledger out of reach."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    context = open_store(store.settings, now=clock.now, transport=httpx.MockTransport(refuse))
    yield context
    context.close()


def caption_of(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ItemScreen)
    panel = screen.query_one(AvailabilityTable)
    return str(panel.query_one("#availability-caption", Static).render())


async def test_a_live_answer_shows_the_ledgers_row_here_and_says_so_without_a_time_column(
    ledger: TestClient,
    network: Network,
    synced_store: StoreContext,
    clock: ManualClock,
    build_app: AppFactory,
) -> None:
    receive(ledger, network, "S1", "A", 2)  # another till: the ledger says 5, the copy 3
    clock.advance(timedelta(minutes=14))
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        assert caption_of(app) == "Network availability · live from the ledger, just now"
        table = app.screen.query_one("#availability-rows", DataTable)
        assert [str(column.label) for column in table.columns.values()] == [
            "Code", "Location", "km", "On hand", "Res.", "Avail.", "Coming",
        ]  # fmt: skip
        here = [str(cell).strip() for cell in table.get_row("A")]
        assert here[3:6] == ["5", "0", "5"]


async def test_offline_each_source_comes_with_its_age_in_full(
    synced_store: StoreContext,
    unreachable: StoreContext,
    clock: ManualClock,
    build_app: AppFactory,
) -> None:
    synced_store.lookup.availability("S1")  # a live answer at 10:00, kept with its time
    clock.advance(timedelta(minutes=5))
    assert synced_store.sync.sync_once().online  # this store's copy: as of 10:05
    clock.advance(timedelta(minutes=9))
    app = build_app(unreachable)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        assert caption_of(app) == (
            "Network availability · here: this terminal's copy, 9 mins old · "
            "elsewhere: this terminal's copy, 14 mins old"
        )
        caption = app.screen.query_one("#availability-caption", Static)
        assert caption.size.height == 2  # at 80 columns, nothing of it is cut off


async def test_once_a_sync_failed_the_bar_says_offline_and_the_views_age_at_once(
    synced_store: StoreContext,
    unreachable: StoreContext,
    clock: ManualClock,
    build_app: AppFactory,
) -> None:
    clock.advance(timedelta(seconds=20))
    app = build_app(unreachable)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert text_of(app, "#status-age") == "view up to date"  # no sync has failed yet
        await pilot.press("f5")  # the ledger does not answer
        await settle(pilot)
        assert app.last_sync is not None
        assert not app.last_sync.report.online
        assert text_of(app, "#status-link") == "OFFLINE"
        assert text_of(app, "#status-age") == "view 20 secs old"
