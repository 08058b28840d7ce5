"""Counting in the terminal: the task list, a session where units are scanned and adjusted,
the confirmation, the outbox entry, and after the sync the ledger's stock is what was found,
sales made meanwhile included. Offline the count waits in the outbox; a count of an item with
unsent sales is refused with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.count import CountScreen, CountSessionScreen, EntryScreen
from tests.support.ledger_harness import Network
from tests.support.store import Cable, gtin_of, on_hand, open_terminal, receive
from tests.support.tui import AppFactory, SteppingClock, settle

FAST = 0.01
SLOW = 0.2


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """An associate's terminal at A: 5 of S1 and 2 of S2 on the record, a sale of S3 below zero
    (a count task), synced."""
    receive(ledger, network, "S1", "A", 5)
    receive(ledger, network, "S2", "A", 2)
    context = open_terminal(
        ledger, network, tmp_path / "till", clock, role=Role.ASSOCIATE, cable=cable
    )
    context.sales.record("S3", 1)
    assert context.sync.sync_once().online
    yield context
    context.close()


async def scan(pilot: Pilot[None], clock: SteppingClock, code: str) -> None:
    """A scanner's burst: the digits and Enter within a few milliseconds."""
    clock.step = FAST
    await pilot.press(*code, "enter")
    clock.step = SLOW
    await settle(pilot)


def rows(app: StoreApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def text_of(app: StoreApp, widget_id: str) -> str:
    rendered = app.screen.query_one(widget_id, Static).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


async def test_scan_units_adjust_submit_and_the_ledger_holds_what_was_found(
    ledger: TestClient, network: Network, till: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(till, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, CountScreen)
        assert rows(app, "#count-tasks") == [
            ["S3", "Item S3", "85B", "sold below zero", "10:00", ""]
        ]

        await scan(pilot, clock, gtin_of(till, "S1"))  # a scan on the list starts a count
        await settle(pilot)
        assert isinstance(app.screen, CountSessionScreen)
        for _ in range(3):
            await scan(pilot, clock, gtin_of(till, "S1"))
        await scan(pilot, clock, gtin_of(till, "S2"))
        assert rows(app, "#session-lines") == [
            ["S1", "Item S1", "85B", "noir", "4"],
            ["S2", "Item S2", "90C", "noir", "1"],
        ]
        await pilot.press("plus")  # the cursor is on S2, the last one scanned
        await settle(pilot)
        await pilot.press("up", "minus")
        await settle(pilot)
        assert [row[4] for row in rows(app, "#session-lines")] == ["3", "2"]
        assert "2 item(s), 5 unit(s) found" in text_of(app, "#session-total")

        till.sales.record("S1", 1)  # the counter sells one of the counted units meanwhile

        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CountScreen)
        assert "Count recorded for 2 item(s)" in text_of(app, "#count-message")

    counts = [e for e in outbox.pending(till.engine, 10) if e.kind == "count"]
    assert [(e.payload["sku"], e.payload["counted"]) for e in counts] == [("S1", 3), ("S2", 2)]
    assert till.sync.sync_once().online
    assert on_hand(ledger, network, "S1") == 2  # 3 found, then 1 sold: not lost
    assert on_hand(ledger, network, "S2") == 2


async def test_a_task_is_counted_from_the_list_with_a_typed_quantity(
    ledger: TestClient, network: Network, till: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(till)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("enter")  # count S3, the task on the list
        await settle(pilot)
        assert isinstance(app.screen, CountSessionScreen)
        assert rows(app, "#session-lines")[0][::4] == ["S3", "0"]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        await pilot.press("backspace", *"2", "enter")
        await settle(pilot)
        assert rows(app, "#session-lines")[0][4] == "2"
        await pilot.press("s", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CountScreen)
        assert rows(app, "#count-tasks")[0][-1] == "sent with the sync"
    assert till.sync.sync_once().online
    assert on_hand(ledger, network, "S3") == 2
    assert till.counting.tasks().tasks == []


async def test_offline_the_count_waits_in_the_outbox_and_unsent_sales_block_their_item(
    ledger: TestClient,
    network: Network,
    till: StoreContext,
    cable: Cable,
    build_app: AppFactory,
) -> None:
    assert till.counting.tasks().live  # the list is kept for offline
    cable.online = False
    till.sales.record("S2", 1)  # not sent: S2 cannot be counted until it is
    clock = SteppingClock(SLOW)
    app = build_app(till, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert text_of(app, "#count-source").startswith("OFFLINE: the list the ledger gave at")
        await pilot.press("n")
        await settle(pilot)
        await scan(pilot, clock, gtin_of(till, "S2"))
        message = text_of(app, "#session-message")
        assert message.startswith("✘ 1 operation(s) on S2 made here are not sent yet")
        assert rows(app, "#session-lines") == []
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"s1", "enter")  # typed: no barcode on the label
        await settle(pilot)
        assert rows(app, "#session-lines") == [["S1 *", "Item S1", "85B", "noir", "1"]]
        assert "started offline" in text_of(app, "#session-total")
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("backspace", *"5", "enter")
        await settle(pilot)
        await pilot.press("s", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CountScreen)
    assert [e.kind for e in outbox.pending(till.engine, 10)] == ["movements", "count"]
    cable.online = True
    assert till.sync.sync_once().online
    assert on_hand(ledger, network, "S1") == 5
    assert on_hand(ledger, network, "S2") == 1


async def test_leaving_a_count_asks_first_and_scheduling_is_for_managers(
    till: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(till)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert any("Managers only" in n.message for n in app._notifications)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # no: stay
        await settle(pilot)
        assert isinstance(app.screen, CountSessionScreen)
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CountScreen)
    assert outbox.pending(till.engine, 10) == []
