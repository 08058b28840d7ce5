"""The sync screen: waiting operations, refused ones with the ledger's reason, sync now."""

# ruff: noqa: RUF001
# (the screens print the multiplication sign and the en dash on purpose)

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from textual.widgets import Static

from ordersync.clock import ManualClock
from storeapp.context import StoreContext, open_store
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.sync import SyncScreen
from storeapp.tui.widgets.attention_table import AttentionTable
from storeapp.tui.widgets.outbox_table import OutboxTable
from tests.support.tui import AppFactory, settle


def rows(table: OutboxTable | AttentionTable) -> list[list[str]]:
    return [[c.plain.strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(screen: SyncScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


@pytest.fixture
def unreachable(store: StoreContext, clock: ManualClock) -> Iterator[StoreContext]:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    context = open_store(store.settings, now=clock.now, transport=httpx.MockTransport(refuse))
    yield context
    context.close()


async def test_sync_now_sends_the_waiting_sale_and_reports_it(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    synced_store.sales.record("S1", 2)
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        assert text_of(screen, "#outbox-caption") == "Waiting to be sent (1)"
        assert rows(screen.query_one(OutboxTable)) == [["1", "Sale 2 × S1", "10:00", "0", "–"]]
        assert text_of(screen, "#sync-last").startswith("No sync yet in this session.")
        await pilot.press("f5")
        await settle(pilot)
        assert rows(screen.query_one(OutboxTable)) == []
        assert text_of(screen, "#sync-last").startswith(
            "Last sync 10:00: 1 sent, 0 refused, 2 changes received."
        )
        assert str(screen.query_one("#status-waiting", Static).render()) == "0 to sync"


async def test_an_operation_that_found_no_ledger_stays_waiting_with_its_error(
    synced_store: StoreContext, unreachable: StoreContext, build_app: AppFactory
) -> None:
    unreachable.sales.record("S1", 1)
    app = build_app(unreachable)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        [row] = rows(screen.query_one(OutboxTable))
        assert row[:4] == ["1", "Sale 1 × S1", "10:00", "1"]
        assert row[4].startswith("cannot reach the ledger")
        await pilot.press("shift+tab")  # to the waiting list: its whole error shows below
        await settle(pilot)
        assert text_of(screen, "#entry-detail").startswith(
            "Sale 1 × S1 · cannot reach the ledger: connection refused"
        )


async def test_a_refused_operation_shows_why_and_can_be_dismissed(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    synced_store.sales.record("GONE", 1)  # an item the ledger does not know
    report = synced_store.sync.sync_once()
    assert report.refused == 1
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert str(app.screen.query_one("#status-attention", Static).render()) == "1 to check"
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        assert text_of(screen, "#attention-caption") == "Refused by the ledger, to check (1)"
        [row] = rows(screen.query_one(AttentionTable))
        assert row[:3] == ["1", "Sale 1 × GONE", "10:00"]
        assert row[3].startswith("Unknown SKU: ")
        assert "GONE" in text_of(screen, "#entry-detail")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert rows(screen.query_one(AttentionTable)) == []
        assert text_of(screen, "#attention-caption") == "Refused by the ledger: nothing to check"
        assert str(screen.query_one("#status-attention", Static).render()) == "0 to check"
    assert synced_store.status.status().attention == 0
