"""Pick & pack on the terminal against the real ledger in process: a web order routed to the
store shows in the jobs screen after a sync; units are confirmed by (simulated) scans, a wrong
item is refused with a clear message; pack, ship, short pick; the ledger agrees after a sync."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from textual.pilot import Pilot
from textual.widgets import RadioSet, Static

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.context import StoreContext
from storeapp.tui.screens.jobs import JobsScreen
from storeapp.tui.screens.pack import PackScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.screens.ship import ShipScreen
from storeapp.tui.screens.short_pick import ShortPickScreen
from storeapp.tui.widgets.jobs_table import JobsTable
from storeapp.tui.widgets.pick_list import PickListTable
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, ledger_job, ledger_position, open_terminal, receive
from tests.support.tui import AppFactory, SteppingClock, settle

FAST = 0.01
SLOW = 0.2
PARIS = {"latitude": 48.86, "longitude": 2.34}


def web_order(
    ledger: TestClient,
    network: Network,
    lines: list[tuple[str, int]],
    order_id: str | None = None,
    name: str = "Camille Martin",
) -> str:
    """A web order delivered in Paris; answers its first job's id."""
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": order_id or str(uuid.uuid4()),
            "channel": "web",
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "customer": {"name": name, "email": "camille@example.org"},
            "delivery": {"kind": "home", "address": "1 rue de Rivoli, Paris", **PARIS},
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    body: Any = reply.json()
    return str(body["jobs"][0]["id"])


def rows(table: JobsTable | PickListTable) -> list[list[str]]:
    return [[c.plain.strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


def said(screen: PickScreen) -> str:
    return str(screen.query_one("#pick-message", Static).render())


async def scan(pilot: Pilot[None], clock: SteppingClock, code: str) -> None:
    """A scanner's burst: the digits and Enter within a few milliseconds."""
    clock.step = FAST
    await pilot.press(*code, "enter")
    clock.step = SLOW
    await settle(pilot)


async def test_a_web_order_is_picked_by_scans_packed_and_shipped(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    for sku, qty in (("S1", 3), ("S2", 2), ("S3", 1)):
        receive(ledger, network, sku, "A", qty)
    assert store.sync.sync_once().online
    clock = SteppingClock(SLOW)
    app = build_app(store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        assert rows(jobs.query_one(JobsTable)) == []
        job_id = web_order(ledger, network, [("S1", 2), ("S2", 1)])
        await pilot.press("f5")  # the sync brings the job: nobody refreshes the list by hand
        await settle(pilot)
        [row] = rows(jobs.query_one(JobsTable))
        assert row == [job_id[:8], "12:00", "assigned", "ship", "Camille Martin", "0/3"]
        assert str(jobs.query_one("#jobs-counts", Static).render()) == "assigned: 1"

        await pilot.press("enter")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert "Camille Martin" in str(pick.query_one("#pick-header", Static).render())
        await scan(pilot, clock, gtin_of(store, "S1"))  # the first unit starts picking
        assert said(pick) == "✔ S1 · Item S1: 1 of 2. Picking started."
        assert pick.job is not None
        assert pick.job.state == "picking"
        await scan(pilot, clock, gtin_of(store, "S3"))
        assert said(pick) == (
            "✘ Wrong item: S3 is not on this pick list. Put it back on the shelf."
        )
        await scan(pilot, clock, gtin_of(store, "S1"))
        await scan(pilot, clock, gtin_of(store, "S1"))
        assert said(pick) == "✘ Too many: the 2 unit(s) of S1 are already scanned."
        await scan(pilot, clock, gtin_of(store, "S2"))
        assert said(pick).endswith("Every unit is scanned: press p (picked).")
        assert [r[5] for r in rows(pick.query_one(PickListTable))] == ["2/2", "1/1"]

        await pilot.press("p")
        await settle(pilot)
        assert pick.job.state == "picked"
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, PackScreen)
        await pilot.press("enter", *"640", "enter")  # 1 parcel (the default), 640 g
        await settle(pilot)
        assert app.screen is pick
        assert pick.job.state == "packed"
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ShipScreen)
        await pilot.press(*"COLIS-123", "enter")
        await settle(pilot)
        assert pick.job.state == "shipped"
        assert "Recorded: shipped." in said(pick)

        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is jobs
        assert rows(jobs.query_one(JobsTable)) == []  # done: out of the queue

    on_ledger = ledger_job(ledger, network, job_id)
    assert (on_ledger["state"], on_ledger["tracking"]) == ("shipped", "COLIS-123")
    assert (on_ledger["parcels"], on_ledger["weight_grams"]) == (1, 640)
    assert ledger_position(ledger, network, "A", "S1")["on_hand"] == 1
    assert ledger_position(ledger, network, "A", "S2")["on_hand"] == 1


async def test_a_line_short_picked_from_the_pick_screen_is_routed_elsewhere(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 3)
    job_id = web_order(ledger, network, [("S1", 1)])
    assert store.sync.sync_once().online
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("enter", "s")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ShortPickScreen)
        await pilot.press("down")  # from "not found" to "damaged"
        await pilot.press("enter")
        assert dialog.query_one(RadioSet).pressed_index == 1
        await pilot.press("tab", *"torn", "enter")
        await settle(pilot)
        assert app.screen is pick
        assert said(pick) == "Short pick recorded: the ledger routes the line elsewhere."
        [line] = rows(pick.query_one(PickListTable))
        assert line[6] == "rejected (damaged) *"
        await pilot.press("f5")
        await settle(pilot)
        assert pick.job is not None
        assert pick.job.unconfirmed == 0

    assert ledger_job(ledger, network, job_id)["state"] == "rejected"
    assert ledger_position(ledger, network, "B", "S1")["reserved"] == 1


async def test_a_refused_job_move_reads_well_in_the_sync_screen(
    ledger: TestClient,
    network: Network,
    store: StoreContext,
    build_app: AppFactory,
    tmp_path: Path,
    clock: ManualClock,
) -> None:
    receive(ledger, network, "S1", "A", 3)
    job_id = web_order(ledger, network, [("S1", 1)])
    assert store.sync.sync_once().online
    other = open_terminal(ledger, network, tmp_path / "till-2", clock)
    try:
        # Another till of the store takes the job first and tells the ledger before this one.
        assert other.sync.sync_once().online
        other.picking.start(job_id)
        other.picking.scan(job_id, gtin_of(other, "S1"))
        other.picking.mark_picked(job_id)
        assert other.sync.sync_once().accepted == 2
    finally:
        other.close()
    store.picking.start(job_id)
    report = store.sync.sync_once()
    assert report.refused == 1, report
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        detail = str(app.screen.query_one("#entry-detail", Static).render())
        assert detail.startswith(f"Job {job_id[:8]} → picking · ")
        assert "now picked" in detail
