"""Receiving in the terminal: the Receive screen (F9) lists what the store expects; Enter opens a
receipt where scans add units, + and - adjust, w gives a reason, and c closes it after a
confirmation that sums the differences up; b receives what came with no document. After the
sync the ledger holds the units and the discrepancies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from textual.widgets import Input

from ordersync.clock import ManualClock
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.count import EntryScreen
from storeapp.tui.screens.receive import ReasonScreen, ReceiptScreen, ReceiveScreen
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, on_hand, open_terminal
from tests.support.store_motion import announce, ledger_delivery
from tests.support.tui import SLOW, AppFactory, SteppingClock, rows, scan, settle, text_of

UNKNOWN_GTIN = "4006381333931"


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreContext]:
    """Store A expecting DN-1 (2 x S1, 1 x S2) from the warehouse, synced."""
    announce(ledger, network, "DN-1", [("S1", 2), ("S2", 1)], number=1)
    context = open_terminal(ledger, network, tmp_path / "till", clock)
    assert context.sync.sync_once().online
    yield context
    context.close()


async def test_scan_adjust_give_a_reason_close_and_the_ledger_holds_the_receipt(
    ledger: TestClient, network: Network, till: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(till, monotonic=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ReceiveScreen)
        [row] = rows(app, "#receive-documents")
        assert row[1:4] == ["delivery", "DN-1", "WH"]
        assert row[-2:] == ["3", "expected"]

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReceiptScreen)
        assert "Receiving delivery DN-1" in text_of(app, "#sheet-caption")
        await scan(pilot, clock, gtin_of(till, "S1"))
        await scan(pilot, clock, UNKNOWN_GTIN)
        assert "No item carries barcode" in text_of(app, "#sheet-message")
        await scan(pilot, clock, gtin_of(till, "S3"))
        assert "not on the document" in text_of(app, "#sheet-message")
        assert [row[0:6] for row in rows(app, "#sheet-lines")] == [
            ["S1", "Item S1", "85B", "2", "1", "short"],
            ["S2", "Item S2", "90C", "1", "0", "short"],
            ["S3", "Item S3", "85B", "", "1", "not on the document"],
        ]
        await pilot.press("up", "up", "plus")  # S1: the second unit was under the first
        await settle(pilot)
        await pilot.press("down", "w")
        await settle(pilot)
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press("down", "enter")  # damaged
        await settle(pilot)
        assert [row[4:] for row in rows(app, "#sheet-lines")] == [
            ["2", "as expected", ""],
            ["0", "short", "damaged"],
            ["1", "not on the document", "wrong item"],
        ]
        assert "3 of 3 unit(s) counted, 2 line(s) differ." in text_of(app, "#sheet-total")

        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == "Close this receipt: 3 unit(s), 2 difference(s)?"
        assert "S2: expected 1, counted 0: short (damaged)" in app.screen.detail
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReceiveScreen)
        assert "Receipt closed: 3 unit(s), 2 difference(s)." in text_of(app, "#receive-message")
        assert rows(app, "#receive-documents") == []

    [entry] = outbox.pending(till.engine, 10)
    assert entry.kind == "receive_delivery"
    assert entry.payload["lines"] == [
        {"sku": "S1", "qty": 2, "reason": None},
        {"sku": "S2", "qty": 0, "reason": "damaged"},
        {"sku": "S3", "qty": 1, "reason": "wrong_item"},
    ]
    assert till.sync.sync_once().online
    assert on_hand(ledger, network, "S1") == 2
    assert on_hand(ledger, network, "S3") == 1
    delivery = ledger_delivery(ledger, network, entry.payload["delivery_id"])
    assert sorted((d["sku"], d["kind"]) for d in delivery["discrepancies"]) == [
        ("S2", "under_received"),
        ("S3", "unexpected"),
    ]


async def test_leaving_a_receipt_keeps_its_scans_for_later(
    till: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(till, monotonic=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await scan(pilot, clock, gtin_of(till, "S2"))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReceiveScreen)
        assert "In progress: delivery DN-1" in text_of(app, "#receive-drafts")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReceiptScreen)
        assert [row[4] for row in rows(app, "#sheet-lines")] == ["0", "1"]
    assert outbox.pending(till.engine, 10) == []


async def test_a_blind_receipt_asks_the_source_and_reference(
    till: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(till, monotonic=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        app.screen.query_one(Input).value = "acme"
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one(Input).value = "BL-7"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReceiptScreen)
        assert text_of(app, "#sheet-caption") == "Blind receipt from ACME (BL-7)"
        await scan(pilot, clock, gtin_of(till, "S3"))
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReceiveScreen)
    [entry] = outbox.pending(till.engine, 10)
    assert (entry.payload["source"], entry.payload["reference"]) == ("ACME", "BL-7")
    assert entry.payload["lines"] == [{"sku": "S3", "qty": 1, "reason": None}]


async def test_the_receive_screens_look_like_the_rest_of_the_app(
    till: StoreContext, build_app: AppFactory, tmp_path: Path
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(till, monotonic=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        listing = app.export_screenshot()
        await pilot.press("enter")
        await settle(pilot)
        await scan(pilot, clock, gtin_of(till, "S1"))
        receipt = app.export_screenshot()
    listing, receipt = (svg.replace("&#160;", " ") for svg in (listing, receipt))
    (tmp_path / "receive.svg").write_text(listing)
    (tmp_path / "receipt.svg").write_text(receipt)
    assert "Expected here" in listing
    assert "DN-1" in listing
    assert "Receiving delivery DN-1" in receipt
    assert "Close receipt" in receipt  # the footer shows the screen's keys
