"""The first scan of an assigned job starts picking it (no "start picking (s) before scanning"),
a wrong item does not, and a pick line whose units are all scanned no longer says "to pick"."""

from __future__ import annotations

from fastapi.testclient import TestClient

from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.widgets.pick_list import PickListTable
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, ledger_job, receive, web_order
from tests.support.tui import AppFactory, SteppingClock, scan, settle, text_of


def states(screen: PickScreen) -> list[str]:
    table = screen.query_one(PickListTable)
    return [table.get_row_at(i)[6].plain for i in range(table.row_count)]


async def test_the_first_scan_starts_picking_and_a_full_line_says_scanned(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S2", "A", 3)
    [placed] = web_order(ledger, network, [("S1", 1), ("S2", 2)])["jobs"]
    job_id = str(placed["id"])
    assert store.sync.sync_once().online
    clock = SteppingClock(0.2)
    app = build_app(store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PickScreen(store, job_id))
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert text_of(app, "#pick-next") == (
            "Scan a unit (or press s) to start picking, then scan each unit."
        )

        await scan(pilot, clock, gtin_of(store, "S3"))  # not on the list: nothing starts
        assert text_of(app, "#pick-message").startswith("✘ Wrong item: S3")
        assert pick.job is not None
        assert pick.job.state == "assigned"

        await scan(pilot, clock, gtin_of(store, "S1"))
        assert text_of(app, "#pick-message") == "✔ S1 · Item S1: 1 of 1. Picking started."
        assert pick.job.state == "picking"
        assert states(pick) == ["scanned", "to pick"]
        await scan(pilot, clock, gtin_of(store, "S2"))
        assert states(pick) == ["scanned", "to pick"]  # 1 of 2
        await scan(pilot, clock, gtin_of(store, "S2"))
        assert states(pick) == ["scanned", "scanned"]
        await pilot.press("u")  # one unit of the line under the cursor back on the shelf
        await settle(pilot)
        assert states(pick) == ["scanned", "to pick"]

    # One start went to the outbox, whatever the number of scans; the ledger agrees.
    with store.engine.connect() as connection:
        assert outbox.counts(connection)[0] == 1
    assert store.sync.sync_once().accepted == 1
    assert ledger_job(ledger, network, job_id)["state"] == "picking"
