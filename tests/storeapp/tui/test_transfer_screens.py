"""Transfers in the terminal: the Transfers screen (F10) lists what this store is asked to send
and what it asked for; Enter opens a send where scans add units and s sends after a
confirmation that warns where the shelf seems to lack units; x cancels a transfer still
requested (a manager's terminal here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from textual.widgets import Input

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.count import EntryScreen
from storeapp.tui.screens.transfers import SendScreen, TransfersScreen
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, on_hand, open_terminal, receive, sync_terminal
from tests.support.store_motion import ledger_transfer, transfer_desk
from tests.support.tui import SLOW, AppFactory, SteppingClock, rows, scan, settle, text_of


@pytest.fixture
def manager_b(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreContext]:
    """Store B's manager terminal: B asked A for 2 x S1 (the transfer waits at A)."""
    context = open_terminal(ledger, network, tmp_path / "b", clock, role=Role.MANAGER, location="B")
    sync_terminal(context)
    transfer_desk(context, prefix=7).request("A", "B", [("S1", 2), ("S2", 1)])
    sync_terminal(context)
    yield context
    context.close()


@pytest.fixture
def till_a(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    manager_b: StoreContext,
) -> Iterator[StoreContext]:
    """Store A with 3 of S1 and none of S2, which it is asked to send to B."""
    receive(ledger, network, "S1", "A", 3)
    context = open_terminal(ledger, network, tmp_path / "a", clock)
    sync_terminal(context)
    yield context
    context.close()


async def test_scan_what_is_picked_and_send_with_a_warning_for_the_missing_shelf_units(
    ledger: TestClient, network: Network, till_a: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(till_a, monotonic=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, TransfersScreen)
        [row] = rows(app, "#transfers-to-send")
        assert row[1] == "transfer"
        assert row[3:5] == ["A", "B"]
        assert rows(app, "#transfers-coming") == []

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SendScreen)
        await scan(pilot, clock, gtin_of(till_a, "S1"))
        await scan(pilot, clock, gtin_of(till_a, "S1"))
        await scan(pilot, clock, gtin_of(till_a, "S2"))
        assert [row[3:6] for row in rows(app, "#sheet-lines")] == [
            ["2", "2", "as expected"],
            ["1", "1", "as expected"],
        ]
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == "Send this transfer: 3 unit(s), 0 difference(s)?"
        assert "S2: sending 1, the shelf shows 0" in app.screen.detail
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TransfersScreen)
        assert "Transfer sent: 3 unit(s) left the shelf." in text_of(app, "#transfers-message")
        assert rows(app, "#transfers-to-send") == []

    [entry] = outbox.pending(till_a.engine, 10)
    assert entry.kind == "send_transfer"
    assert till_a.sync.sync_once().online
    assert on_hand(ledger, network, "S1", "A") == 1
    assert ledger_transfer(ledger, network, entry.payload["transfer_id"])["state"] == "sent"


async def test_a_manager_cancels_a_transfer_the_store_asked_for(
    ledger: TestClient, network: Network, manager_b: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(manager_b)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        [row] = rows(app, "#transfers-coming")
        assert row[-1] == "requested"
        await pilot.press("tab", "x")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        app.screen.query_one(Input).value = "found them in the stockroom"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TransfersScreen)
        assert "cancelled" in text_of(app, "#transfers-message")
        assert rows(app, "#transfers-coming") == []
    [entry] = outbox.pending(manager_b.engine, 10)
    assert entry.payload["reason"] == "found them in the stockroom"
    sync_terminal(manager_b)
    assert ledger_transfer(ledger, network, entry.payload["transfer_id"])["state"] == "cancelled"
