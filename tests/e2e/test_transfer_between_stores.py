"""A transfer between two stores on real processes, on both backends: a real ``ordersync serve``
and two store terminals (A and B) driven through their TUI over real HTTP.

S1 sleeps at A (received six days ago, never sold) and sells at B (one a day for five days), so
the rebalancing report suggests moving A's units to B. B's manager requests the line with one
key on the insights screen; A opens the transfer on its Transfers screen, scans each unit and
sends it; B sees the units coming with their ETA on the item screen, then receives them on its
Receive screen with one unit short. At every step the ledger's stock, units in transit and
discrepancies are checked, and ``ordersync check`` finds the ledger consistent at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ordersync.contract import Role
from storeapp.context import StoreContext
from storeapp.i18n import Translator
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.insights import InsightsScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.receive import ReceiptScreen, ReceiveScreen
from storeapp.tui.screens.transfers import SendScreen, TransfersScreen
from storeapp.tui.widgets.item_header import ItemHeader
from tests.support.e2e_terminals import (
    HeadOffice,
    days_ago,
    parse_time,
    press,
    shown,
    synced,
    terminal,
)
from tests.support.ledger_harness import Network
from tests.support.ledger_server import LedgerServer, ServerFactory
from tests.support.store import gtin_of
from tests.support.tui import (
    SLOW,
    SteppingClock,
    deterministic_app,
    look_up,
    rows,
    scan,
    settle,
    text_of,
)

pytestmark = pytest.mark.e2e

SLEEPING = 5
"""Units of S1 at A, received six days ago and never sold."""


@pytest.fixture
def network(seeded_network: Network) -> Network:
    """The seeded network, with a manager's token for B issued before the server starts."""
    seeded_network.token("B", Role.MANAGER)
    return seeded_network


@pytest.fixture
def server(network: Network, ledger_server_factory: ServerFactory) -> LedgerServer:
    return ledger_server_factory(network, workers=2)


@pytest.fixture
def office(server: LedgerServer) -> Iterator[HeadOffice]:
    """The ledger with S1's history: sleeping at A, selling at B."""
    ledger = HeadOffice(server)
    now = ledger.now()
    ledger.movements("A", [("receipt", "S1", SLEEPING)], days_ago(now, 6))
    ledger.movements("B", [("receipt", "S1", 6)], days_ago(now, 6))
    for day in range(5, 0, -1):
        ledger.movements("B", [("sale", "S1", 1)], days_ago(now, day))
    yield ledger
    ledger.close()


@pytest.fixture
def manager_b(server: LedgerServer, office: HeadOffice, tmp_path: Path) -> Iterator[StoreContext]:
    store = terminal(server, tmp_path / "store-b", "B", Role.MANAGER)
    synced(store)
    yield store
    store.close()


@pytest.fixture
def till_a(server: LedgerServer, office: HeadOffice, tmp_path: Path) -> Iterator[StoreContext]:
    store = terminal(server, tmp_path / "store-a", "A")
    synced(store)
    yield store
    store.close()


async def request_from_rebalancing(store: StoreContext) -> int:
    """At B, the manager requests the report's transfer of S1 from A with one key; synced."""
    app = deterministic_app(store, Translator("en_GB"))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "f8")
        await press(pilot, "4")
        assert isinstance(app.screen, InsightsScreen)
        [line] = rows(app, "#rebalance-table")
        assert line[:4] == ["S1", "85B", "A", "B"]
        assert line[5:] == ["sleeps there", ""]
        qty = int(line[4])
        await press(pilot, "t")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == f"Request {qty} of S1 from A to B?"
        await press(pilot, "enter")
        assert isinstance(app.screen, InsightsScreen)
        assert rows(app, "#rebalance-table")[0][-1] == "requested"
        await press(pilot, "f5")  # sync now: the request reaches the ledger
    return qty


async def send_by_scan(store: StoreContext, qty: int) -> None:
    """At A, the transfer opened on the Transfers screen, each unit scanned, sent; synced."""
    clock = SteppingClock(SLOW)
    app = deterministic_app(store, Translator("en_GB"), monotonic=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "f10")
        assert isinstance(app.screen, TransfersScreen)
        [row] = rows(app, "#transfers-to-send")
        assert row[3:5] == ["A", "B"]
        await press(pilot, "enter")
        assert isinstance(app.screen, SendScreen)
        for _ in range(qty):
            await scan(pilot, clock, gtin_of(store, "S1"))
        assert [line[3:6] for line in rows(app, "#sheet-lines")] == [
            [str(qty), str(qty), "as expected"]
        ]
        await press(pilot, "s")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == f"Send this transfer: {qty} unit(s), 0 difference(s)?"
        await press(pilot, "enter")
        assert isinstance(app.screen, TransfersScreen)
        assert f"Transfer sent: {qty} unit(s) left the shelf." in text_of(app, "#transfers-message")
        await press(pilot, "f5")
        assert rows(app, "#transfers-to-send") == []


async def receive_one_short(
    store: StoreContext, transfer_id: str, qty: int, expected_at: datetime
) -> None:
    """At B, synced: the item screen shows the units coming; the transfer received by scan on
    the Receive screen (with its ETA) with one unit fewer than sent, closed after confirming;
    synced."""
    clock = SteppingClock(SLOW)
    app = deterministic_app(store, Translator("en_GB"), monotonic=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "f5")  # the sent transfer comes down the feed
        await look_up(pilot, "S1")
        assert isinstance(app.screen, ItemScreen)
        header = str(app.screen.query_one(ItemHeader).render())
        assert f"Coming: +{qty} in transit, due {shown(expected_at, 'd MMM')}" in header
        await press(pilot, "escape")

        await press(pilot, "f9")
        assert isinstance(app.screen, ReceiveScreen)
        [row] = rows(app, "#receive-documents")
        assert row == [
            transfer_id.replace("-", "")[-8:],  # lists show an id's last 8 hex digits
            "transfer",
            "",
            "A",
            "B",
            shown(expected_at, "dd/MM/y, HH:mm"),
            str(qty),
            "on its way",
        ]
        await press(pilot, "enter")
        assert isinstance(app.screen, ReceiptScreen)
        for _ in range(qty - 1):
            await scan(pilot, clock, gtin_of(store, "S1"))
        assert [line[3:6] for line in rows(app, "#sheet-lines")] == [
            [str(qty), str(qty - 1), "short"]
        ]
        await press(pilot, "c")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == f"Close this receipt: {qty - 1} unit(s), 1 difference(s)?"
        await press(pilot, "enter")
        assert isinstance(app.screen, ReceiveScreen)
        assert f"Receipt closed: {qty - 1} unit(s), 1 difference(s)." in text_of(
            app, "#receive-message"
        )
        await press(pilot, "f5")


async def test_a_rebalancing_transfer_is_requested_sent_by_scan_and_received_one_short(
    office: HeadOffice, manager_b: StoreContext, till_a: StoreContext, tmp_path: Path
) -> None:
    assert (office.on_hand("A", "S1"), office.on_hand("B", "S1")) == (SLEEPING, 1)

    qty = await request_from_rebalancing(manager_b)
    assert 1 < qty <= SLEEPING
    [requested] = office.transfers()
    transfer_id = str(requested["id"])
    assert (requested["from_location"], requested["to_location"]) == ("A", "B")
    assert (requested["state"], requested["origin"]) == ("requested", "rebalancing")
    assert [(line["sku"], line["requested_qty"]) for line in requested["lines"]] == [("S1", qty)]
    assert office.on_hand("A", "S1") == SLEEPING  # nothing moves on a request

    synced(till_a)  # the request reaches A through its feed
    await send_by_scan(till_a, qty)
    sent = office.transfer(transfer_id)
    assert sent["state"] == "sent"
    assert [(line["sent_qty"], line["received_qty"]) for line in sent["lines"]] == [(qty, None)]
    assert sent["discrepancies"] == []
    assert office.on_hand("A", "S1") == SLEEPING - qty
    assert office.on_hand("B", "S1") == 1  # in transit: on neither shelf
    assert office.incoming("B", "S1") == (0, qty, 0)
    expected_at = parse_time(sent["expected_at"])
    # A (Paris) and B (Lyon) are farther apart than near_km: far_days (2) on the road
    assert expected_at - parse_time(sent["sent_at"]) == timedelta(days=2)
    [arrival] = office.arrivals("S1")
    assert (arrival["location"], arrival["qty"], arrival["in_transit"], arrival["source"]) == (
        "B",
        qty,
        True,
        "A",
    )
    assert (
        parse_time(arrival["expected_from"]) == parse_time(arrival["expected_until"]) == expected_at
    )

    await receive_one_short(manager_b, transfer_id, qty, expected_at)
    received = office.transfer(transfer_id)
    assert received["state"] == "received"
    assert [(line["sent_qty"], line["received_qty"]) for line in received["lines"]] == [
        (qty, qty - 1)
    ]
    assert [
        (d["location"], d["sku"], d["kind"], d["expected"], d["actual"], d["reason"])
        for d in received["discrepancies"]
    ] == [("B", "S1", "under_received", qty, qty - 1, "missing")]
    assert office.on_hand("B", "S1") == 1 + qty - 1
    assert office.incoming("B", "S1") == (0, 0, 0)
    assert office.arrivals("S1") == []
    # the unit lost on the way is not credited back to A
    assert office.on_hand("A", "S1") == SLEEPING - qty

    checked = office.check(tmp_path)
    assert checked.returncode == 0, checked.describe()
    assert "ledger is consistent" in checked.stdout
