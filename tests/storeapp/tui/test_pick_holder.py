"""One picker per job through the terminal: three tills of store A against one ledger, each on
its own cache. The till that starts a job holds it; the jobs list and the pick screen of another
till say who holds it and since when, offer no step and refuse a scan; a manager's till takes
the job over with a confirmation, and the former holder then sees the manager hold it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from textual.widgets import Static

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.context import StoreContext
from storeapp.services.reports import remember_access
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.jobs import JobsScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.widgets.jobs_table import JobsTable
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, ledger_job, receive, sync_terminal, web_order
from tests.support.tills import open_till
from tests.support.tui import AppFactory, SteppingClock, scan, settle, text_of

SLOW = 0.2


@pytest.fixture
def tills(
    ledger: TestClient, network: Network, clock: ManualClock, tmp_path: Path
) -> Iterator[dict[str, StoreContext]]:
    """TILL-1 and TILL-2 (associates' devices) and DESK (a manager's) of store A, synced."""
    opened = {
        device: open_till(ledger, network, tmp_path / device, clock, device, role=role)
        for device, role in (
            ("TILL-1", Role.ASSOCIATE),
            ("TILL-2", Role.ASSOCIATE),
            ("DESK", Role.MANAGER),
        )
    }
    yield opened
    for terminal in opened.values():
        terminal.close()


def keys(screen: PickScreen) -> set[str]:
    """The keys the footer offers now."""
    return {binding.binding.key for binding in screen.active_bindings.values()}


async def test_two_tills_cannot_both_pick_a_job_and_a_manager_takes_it_over(
    ledger: TestClient,
    network: Network,
    tills: dict[str, StoreContext],
    build_app: AppFactory,
) -> None:
    receive(ledger, network, "S1", "A", 3)
    [placed] = web_order(ledger, network, [("S1", 2)])["jobs"]
    job_id = str(placed["id"])
    for terminal in tills.values():
        sync_terminal(terminal)
    first, second, desk = tills["TILL-1"], tills["TILL-2"], tills["DESK"]

    # TILL-1 starts the job with its first scan, and the ledger hears of it.
    clock = SteppingClock(SLOW)
    app = build_app(first, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PickScreen(first, job_id))
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        await scan(pilot, clock, gtin_of(first, "S1"))
        assert "picking on this terminal since" in text_of(app, "#pick-header")
        await pilot.press("f5")
        await settle(pilot)
    assert ledger_job(ledger, network, job_id)["held_by"]["device"] == "TILL-1"

    # TILL-2 sees who holds it, in the list and on the job, and cannot pick it.
    sync_terminal(second)
    remember_access(second.engine, False)  # the ledger once said it is no manager's device
    clock = SteppingClock(SLOW)
    app = build_app(second, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        [row] = [[c.plain for c in jobs.query_one(JobsTable).get_row_at(0)]]
        assert row[2] == "picking · TILL-1"
        assert text_of(app, "#jobs-hint") == "picking: device TILL-1 since 10:00"
        await pilot.press("enter")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert "State: picking: device TILL-1 since 10:00" in text_of(app, "#pick-header")
        assert not {"s", "p", "x", "o"} & keys(pick)
        await scan(pilot, clock, gtin_of(second, "S1"))
        assert text_of(app, "#pick-message") == (
            "✘ Another terminal has this job (picking: device TILL-1 since 10:00): only it "
            "continues, unless a manager takes it over."
        )
        assert str(pick.query_one("#pick-next", Static).render()).startswith(
            "Another terminal is picking this job"
        )

    # The manager's desk takes it over, after a confirmation.
    sync_terminal(desk)
    app = build_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PickScreen(desk, job_id))
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert "o" in keys(pick)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is pick
        assert text_of(app, "#pick-message") == (
            "Taken over: this terminal picks the job now; the other one can no longer."
        )
        assert "picking on this terminal since" in text_of(app, "#pick-header")
        assert {"s", "x"} & keys(pick) == {"x"}  # its steps are the manager's now
        await pilot.press("f5")
        await settle(pilot)
    assert ledger_job(ledger, network, job_id)["held_by"]["device"] == "DESK"

    # The former holder sees the manager hold it and is refused from now on.
    app = build_app(first)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PickScreen(first, job_id))
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert "picking: device DESK since 10:00" in text_of(app, "#pick-header")
        assert not {"p", "x", "u"} & keys(pick)
