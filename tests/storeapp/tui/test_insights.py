"""The manager's insights in the terminal: what runs out before its next delivery, the sales
trend of a reference as a sparkline per size, what to reorder; "managers only" for an
associate, "offline" when the ledger cannot be reached (reports are never shown stale)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.text import Text
from textual.widgets import DataTable, Sparkline, Static, TabbedContent

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.insights import InsightsScreen, TrendHeader, TrendLine
from tests.support.ledger_harness import Network
from tests.support.store import Cable, open_terminal, receive, sell_elsewhere
from tests.support.tui import AppFactory, settle


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def office(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """The manager's terminal at A after five days selling 3 of S1 and 1 of S2 a day."""
    receive(ledger, network, "S1", "A", 20)
    receive(ledger, network, "S2", "A", 40)
    for _ in range(5):
        sell_elsewhere(ledger, network, "S1", 3, "A")
        sell_elsewhere(ledger, network, "S2", 1, "A")
        clock.advance(timedelta(days=1))
    context = open_terminal(
        ledger, network, tmp_path / "office", clock, role=Role.MANAGER, cable=cable
    )
    assert context.sync.sync_once().online
    yield context
    context.close()


def rows(app: StoreApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def text_of(app: StoreApp, widget_id: str) -> str:
    rendered = app.screen.query_one(widget_id, Static).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


async def test_the_manager_sees_risk_trend_and_reorder(
    office: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(office)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, InsightsScreen)
        [risk] = rows(app, "#risk-table")
        assert risk[:2] == ["S1", "1.7 d"]  # 5 on hand, 3 sold a day
        assert risk[4:] == ["5", "3", "Item S1"]

        # The trend of the reference most at risk is ready on its tab.
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "trend"
        lines = list(app.screen.query(TrendLine))
        assert [line.label for line in lines] == ["All sizes", "85B noir A", "90C noir A"]
        assert app.screen.query(TrendHeader)
        total = lines[0].query_one(Sparkline)
        assert sum(total.data or []) == 20
        assert lines[1].series[-5:] == [3, 3, 3, 3, 3]
        assert "REF-1 · Item S1" in text_of(app, "#trend-title")

        await pilot.press("3")
        await settle(pilot)
        reorder = {row[0]: row[1] for row in rows(app, "#replenish-table")}
        assert reorder["S1"] == "25"


async def test_enter_on_a_risk_row_shows_its_reference_trend(
    office: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(office)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        assert screen.query_one(TabbedContent).active == "trend"
        assert screen.reference == "REF-1"


async def test_an_associate_is_told_reports_are_for_managers(
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
            await settle(pilot)
            await pilot.press("f8")
            await settle(pilot)
            assert text_of(app, "#risk-source").startswith("Managers only")
            assert not app.screen.query_one("#risk-table").display
            assert text_of(app, "#replenish-source").startswith("Managers only")
    finally:
        till.close()


async def test_offline_reports_say_so_rather_than_show_old_numbers(
    office: StoreContext, cable: Cable, build_app: AppFactory
) -> None:
    cable.online = False
    app = build_app(office)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert text_of(app, "#risk-source").startswith("OFFLINE (")
        assert not app.screen.query_one("#risk-table").display
