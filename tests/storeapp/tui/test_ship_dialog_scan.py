"""The ship dialog takes the carrier's barcode: a scanned tracking number stays in its field
(it used to close the dialog and reach the pick list below as an item scan), Enter ships, and
the pick screen says where the parcel's label was written; against the real ledger in process.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from textual.pilot import Pilot
from textual.widgets import Input, Static

from storeapp.context import StoreContext
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.screens.ship import ShipScreen
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, job_here, ledger_job, receive, web_order
from tests.support.tui import FAST, SLOW, AppFactory, SteppingClock, settle


async def _scan(pilot: Pilot[None], clock: SteppingClock, code: str) -> None:
    """A scanner's burst: every key and Enter within a few milliseconds."""
    clock.step = FAST
    await pilot.press(*code, "enter")
    clock.step = SLOW
    await settle(pilot)


async def _packed_job_in_the_ship_dialog(
    pilot: Pilot[None], clock: SteppingClock, store: StoreContext
) -> PickScreen:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    pick = pilot.app.screen
    assert isinstance(pick, PickScreen)
    if pick.job is not None and pick.job.state == "assigned":
        await pilot.press("s")
        await settle(pilot)
    await _scan(pilot, clock, gtin_of(store, "S1"))
    await pilot.press("p")
    await settle(pilot)
    await pilot.press("k")
    await settle(pilot)
    await pilot.press("enter", *"640", "enter")
    await settle(pilot)
    assert pick.job is not None
    assert pick.job.state == "packed"
    await pilot.press("t")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ShipScreen)
    return pick


def _said(pick: PickScreen) -> str:
    return str(pick.query_one("#pick-message", Static).render())


async def test_a_scanned_tracking_number_stays_in_the_dialog_and_enter_ships_it(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    receive(ledger, network, "S1", "A", 2)
    job_id = job_here(web_order(ledger, network, [("S1", 1)]))
    assert store.sync.sync_once().online
    clock = SteppingClock(SLOW)
    app = build_app(store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        pick = await _packed_job_in_the_ship_dialog(pilot, clock, store)
        dialog = app.screen

        await _scan(pilot, clock, "8712345678901")  # a 13-digit parcel number: looks like a GTIN
        assert app.screen is dialog  # not closed, and not handed to the pick list
        assert dialog.query_one("#ship-tracking", Input).value == "8712345678901"
        assert "✘" not in _said(pick)
        assert pick.job is not None
        assert pick.job.state == "packed"

        await pilot.press("enter")  # staff check the number and confirm
        await settle(pilot)
        assert app.screen is pick
        assert pick.job.state == "shipped"
        assert pick.job.tracking == "8712345678901"
        label = store.settings.labels_path / f"{job_id}-parcel-1-of-1.pdf"
        assert label.is_file()
        assert label.read_bytes().startswith(b"%PDF")
        said = _said(pick)
        assert "Recorded: shipped." in said
        assert f"Label to print: {label}" in said.replace("\n", "")

    await settle_sync(store)
    assert ledger_job(ledger, network, job_id)["tracking"] == "8712345678901"


async def test_a_tracking_number_with_letters_scanned_stays_whole_in_the_dialog(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    receive(ledger, network, "S1", "A", 2)
    web_order(ledger, network, [("S1", 1)])
    assert store.sync.sync_once().online
    clock = SteppingClock(SLOW)
    app = build_app(store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        pick = await _packed_job_in_the_ship_dialog(pilot, clock, store)
        dialog = app.screen
        # Its last 11 characters are digits: the burst after the letter reads as a scan.
        await _scan(pilot, clock, "6A12345678901")
        assert app.screen is dialog
        assert dialog.query_one("#ship-tracking", Input).value == "6A12345678901"
        await pilot.press("enter")
        await settle(pilot)
        assert pick.job is not None
        assert (pick.job.state, pick.job.tracking) == ("shipped", "6A12345678901")


async def test_a_scan_still_closes_other_dialogs(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    receive(ledger, network, "S1", "A", 2)
    web_order(ledger, network, [("S1", 1)])
    assert store.sync.sync_once().online
    clock = SteppingClock(SLOW)
    app = build_app(store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        await pilot.press("f1")  # the help dialog
        await settle(pilot)
        assert app.screen is not pick
        await _scan(pilot, clock, gtin_of(store, "S1"))
        assert app.screen is pick


async def settle_sync(store: StoreContext) -> None:
    assert store.sync.sync_once().online


def test_the_label_directory_is_under_the_terminals_data(store: StoreContext) -> None:
    assert store.settings.labels_path == Path(store.settings.data_dir) / "labels"
