"""The manager's day in the terminal: the manager sees the queue (late first, rejections with
their reasons, collections, sales saved, deliveries and transfers, devices), an associate is
told it is for managers, and offline the terminal shows its own partial view with its age.
Snapshots at 80x24 and 120x36 (fixed clock and ids)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from ordersync.clock import ManualClock
from ordersync.contract import Role, uuid7
from storeapp.context import StoreContext
from storeapp.i18n import Translator
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.count import CountScreen
from storeapp.tui.screens.day_queue import DayQueueScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.screens.receive import ReceiveScreen
from storeapp.tui.screens.transfers import TransfersScreen
from tests.support.ledger_harness import Network, SqliteDatabases
from tests.support.store import BusyDay, Cable, busy_day, open_terminal, receive
from tests.support.store_motion import announce
from tests.support.tui import AppFactory, settle

SnapCompare = Callable[..., bool]


@pytest.fixture
def ledger_url(sqlite_databases: SqliteDatabases) -> Iterator[str]:
    """SQLite only: one set of screenshots serves every run."""
    url = sqlite_databases.fresh()
    yield url
    sqlite_databases.drop(url)


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def office(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    context = open_terminal(
        ledger, network, tmp_path / "office", clock, role=Role.MANAGER, cable=cable
    )
    yield context
    context.close()


@pytest.fixture
def day(ledger: TestClient, network: Network, clock: ManualClock, office: StoreContext) -> BusyDay:
    return busy_day(ledger, network, clock, office)


async def open_day(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)


def rows(app: StoreApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def text_of(app: StoreApp, widget_id: str) -> str:
    rendered = app.screen.query_one(widget_id, Static).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


async def test_the_manager_sees_the_day_late_first_with_rejections_and_devices(
    office: StoreContext, day: BusyDay, build_app: AppFactory
) -> None:
    app = build_app(office)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_day(pilot)
        assert isinstance(app.screen, DayQueueScreen)
        assert "From the ledger at 12:20" in text_of(app, "#day-source")
        facts = text_of(app, "#day-facts")
        assert "LATE: 1" in facts
        assert "saved: 1 order(s), €49.90" in facts
        jobs = rows(app, "#day-jobs")
        assert jobs[0][0] == day.late_job[:8]
        assert jobs[0][5] == "██████ late 20 min"  # its service level ended 20 minutes ago
        assert jobs[0][4] == "2 h 20"
        assert [row[1] for row in jobs] == ["assigned", "picking", "assigned"]
        assert all("late" not in row[5] for row in jobs[1:])
        [rejection] = rows(app, "#day-rejections")
        assert rejection[1:3] == [day.rejected_job[:8], "S2"]
        assert rejection[-1] == "not found"
        assert [row[0] for row in rows(app, "#day-collections")] == [day.collection_job[:8]]
        [order] = rows(app, "#day-orders")
        assert order[3] == "€49.90"
        [device] = rows(app, "#day-devices")
        assert device[:2] == ["test-device", "manager"]
        assert device[4] == "1"  # the refused sale waits for a person

        await pilot.press("enter")  # the late job's pick list
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        assert app.screen.job_id == day.late_job
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CountScreen)


async def test_an_associate_is_told_the_day_is_for_managers(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    build_app: AppFactory,
) -> None:
    till = open_terminal(ledger, network, tmp_path / "till", clock, role=Role.ASSOCIATE)
    try:
        assert till.sync.sync_once().online
        app = build_app(till)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_day(pilot)
            assert isinstance(app.screen, DayQueueScreen)
            assert text_of(app, "#day-source").startswith("Managers only")
            assert not app.screen.query_one("#day-jobs", DataTable).display
    finally:
        till.close()


async def test_offline_the_manager_sees_this_terminals_view_with_its_age(
    office: StoreContext, day: BusyDay, cable: Cable, clock: ManualClock, build_app: AppFactory
) -> None:
    clock.advance(timedelta(minutes=12))
    cable.online = False
    app = build_app(office)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_day(pilot)
        source = text_of(app, "#day-source")
        assert source.startswith("OFFLINE: this terminal's own view (12 min old)")
        jobs = rows(app, "#day-jobs")
        assert jobs[0][0] == day.late_job[:8]
        assert jobs[0][5].endswith("late 32 min")
        assert "Orders saved today: known when the ledger answers." in text_of(
            app, "#day-orders-caption"
        )
        [device] = rows(app, "#day-devices")
        assert device[0] == "this terminal"
        assert device[4] == "1"


async def test_the_day_speaks_french(
    office: StoreContext, day: BusyDay, build_app: AppFactory
) -> None:
    app = build_app(office, translator=Translator("fr_FR", "Europe/Paris"))
    async with app.run_test(size=(120, 36)) as pilot:
        await open_day(pilot)
        facts = text_of(app, "#day-facts")
        assert "EN RETARD : 1" in facts
        assert "49,90\xa0€" in facts
        assert "lundi 2 mars" in text_of(app, "#day-title")


# --- stock in motion --------------------------------------------------------------------------


@dataclass(frozen=True)
class MotionDay:
    late_delivery: str
    today_delivery: str
    to_send: str
    to_receive: str


@pytest.fixture
def motion(ledger: TestClient, network: Network, office: StoreContext) -> MotionDay:
    """Store A's morning in motion, synced by the office: a shipping notice that should have come
    yesterday, one due this afternoon, a transfer asked of A for B, and one B sent to A."""
    late = announce(ledger, network, "ASN-LATE", [("S1", 3)], number=11, in_hours=-30)
    today = announce(ledger, network, "ASN-PM", [("S1", 2), ("S2", 4)], number=12, in_hours=4)
    receive(ledger, network, "S2", "B", 5)
    admin = network.headers("WH", Role.ADMIN)
    ids = {}
    for name, source, to in (("send", "A", "B"), ("receive", "B", "A")):
        ids[name] = f"01900000-7a00-7000-8000-00000000000{len(ids) + 1}"
        reply = ledger.post(
            "/v1/transfers",
            json={
                "op_id": ids[name],
                "from_location": source,
                "to_location": to,
                "lines": [{"sku": "S2", "qty": 2}],
            },
            headers=admin,
        )
        assert reply.status_code == 201, reply.text
    reply = ledger.post(
        f"/v1/transfers/{ids['receive']}/send",
        json={"op_id": str(uuid7()), "lines": [{"sku": "S2", "qty": 2}]},
        headers=network.headers("B", Role.ASSOCIATE),
    )
    assert reply.status_code == 200, reply.text
    assert office.sync.sync_once().online
    return MotionDay(late["id"], today["id"], ids["send"], ids["receive"])


async def test_the_day_shows_deliveries_and_transfers_live_and_offline(
    office: StoreContext, motion: MotionDay, cable: Cable, build_app: AppFactory
) -> None:
    expected = {
        "#day-deliveries": [
            ["ASN-LATE", "WH", "1 Mar", "1", "3", "LATE"],
            ["ASN-PM", "WH", "2 Mar", "2", "6", ""],
        ],
        # transfers by the last 8 digits of their ids (as the Transfers screen lists them);
        # Lyon is far from Paris: two days on the road
        "#day-send": [["00000001", "B", "10:00", "1", "2"]],
        "#day-receive": [["00000002", "B", "10:00", "4 Mar 10:00", "2", ""]],
    }
    for online in (True, False):
        cable.online = online
        app = build_app(office)
        async with app.run_test(size=(120, 36)) as pilot:
            await open_day(pilot)
            for table_id, table_rows in expected.items():
                assert rows(app, table_id) == table_rows, (online, table_id)
            assert text_of(app, "#day-motion") == (
                "deliveries: 2 · to send: 1 · to receive: 1 · 1 late arrival(s)"
            )
            assert text_of(app, "#day-deliveries-caption") == (
                "Deliveries expected today (2), 1 late: late first"
            )
            assert text_of(app, "#day-receive-caption") == (
                "Transfers to receive (1), soonest first"
            )
            late = app.screen.query_one("#day-deliveries", DataTable).get_row_at(0)
            assert "red" in str(late[0].style)
            # Enter on a delivery goes where it is received, on a transfer to send where it is sent
            for table_id, screen in (
                ("#day-deliveries", ReceiveScreen),
                ("#day-send", TransfersScreen),
            ):
                app.screen.query_one(table_id, DataTable).focus()
                await pilot.press("enter")
                await settle(pilot)
                assert isinstance(app.screen, screen), table_id
                await pilot.press("escape")
                await settle(pilot)


def test_the_days_queue_with_stock_in_motion_at_120x36(
    office: StoreContext, motion: MotionDay, build_app: AppFactory, snap_compare: SnapCompare
) -> None:
    assert snap_compare(build_app(office), terminal_size=(120, 36), run_before=open_day)


# --- snapshots -------------------------------------------------------------------------------


def test_the_days_queue_at_80x24(
    office: StoreContext, day: BusyDay, build_app: AppFactory, snap_compare: SnapCompare
) -> None:
    assert snap_compare(build_app(office), terminal_size=(80, 24), run_before=open_day)


def test_the_days_queue_at_120x36(
    office: StoreContext, day: BusyDay, build_app: AppFactory, snap_compare: SnapCompare
) -> None:
    assert snap_compare(build_app(office), terminal_size=(120, 36), run_before=open_day)
