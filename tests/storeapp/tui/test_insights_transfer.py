"""A report's line becomes a transfer request with one key, for a manager: on the rebalancing
tab, the suggestion under the cursor (origin ``rebalancing``); on the replenishment tab, every
suggested line, from the nearest warehouse (origin ``replenishment``). Confirmed first, queued as
exactly one outbox entry (so it works offline), said when done, the lines marked requested, and
asked again it is refused. Someone who is not a manager is refused, or needs a manager's PIN.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.text import Text
from textual.widgets import DataTable, Static, TabbedContent

from ordersync.clock import ManualClock
from ordersync.contract import Role, TransferSuggestion
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.services.report_requests import ReportRequests, RequestRefusal, RequestRefused
from storeapp.services.staff import StaffPerson
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.insights import InsightsScreen
from tests.support.ledger_harness import Network
from tests.support.store import Cable, open_terminal, receive, sell_elsewhere
from tests.support.store_motion import fixed_ids, ledger_transfer
from tests.support.tui import AppFactory, settle


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


def five_days(ledger: TestClient, network: Network, clock: ManualClock) -> None:
    """A sells 3 of S1 and 1 of S2 a day for five days; B holds 30 of S1 that do not sell."""
    receive(ledger, network, "S1", "A", 20)
    receive(ledger, network, "S2", "A", 40)
    receive(ledger, network, "S1", "B", 30)
    for _ in range(5):
        sell_elsewhere(ledger, network, "S1", 3, "A")
        sell_elsewhere(ledger, network, "S2", 1, "A")
        clock.advance(timedelta(days=1))


@pytest.fixture
def office(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """The manager's terminal at A after those five days, synced."""
    five_days(ledger, network, clock)
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


def requests_queued(context: StoreContext) -> list[outbox.Entry]:
    return [
        entry for entry in outbox.pending(context.engine, 100) if entry.kind == "request_transfer"
    ]


def notices(app: StoreApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def open_insights(app: StoreApp, pilot: Any, tab: str) -> InsightsScreen:
    await settle(pilot)
    await pilot.press("f8")
    await settle(pilot)
    await pilot.press(tab)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, InsightsScreen)
    return screen


async def test_one_key_requests_the_suggested_lines_from_the_warehouse(
    office: StoreContext, build_app: AppFactory, ledger: TestClient, network: Network
) -> None:
    app = build_app(office)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_insights(app, pilot, "3")
        suggested = {row[0]: row[1] for row in rows(app, "#replenish-table")}
        assert suggested["S1"] == "25"
        assert all(row[-1] == "" for row in rows(app, "#replenish-table"))

        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == (
            f"Request {len(suggested)} line(s), {sum(int(q) for q in suggested.values())} "
            "unit(s), from WH to A?"
        )
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert all(row[-1] == "requested" for row in rows(app, "#replenish-table"))
        assert any(text.startswith("Transfer requested: ") for text in notices(app))

        # asked again: nothing left, nothing queued
        await pilot.press("t")
        await settle(pilot)
        assert app.screen is screen
        assert "Nothing left to request on this report." in notices(app)

    [entry] = requests_queued(office)
    body = entry.payload
    assert (body["op"], body["from_location"], body["to_location"], body["origin"]) == (
        "request_transfer",
        "WH",
        "A",
        "replenishment",
    )
    assert {line["sku"]: line["qty"] for line in body["lines"]} == {
        sku: int(qty) for sku, qty in suggested.items()
    }
    assert office.sync.sync_once().online
    transfer = ledger_transfer(ledger, network, body["op_id"])
    assert (transfer["state"], transfer["origin"]) == ("requested", "replenishment")


async def test_a_rebalancing_line_becomes_a_request_offline_too(
    office: StoreContext, build_app: AppFactory, cable: Cable, ledger: TestClient, network: Network
) -> None:
    app = build_app(office)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_insights(app, pilot, "4")
        assert screen.query_one(TabbedContent).active == "rebalance"
        # the trend tab chose the reference most at risk, REF-1; B's S1 sleeps, A's sells
        table = rows(app, "#rebalance-table")
        assert table[0][:4] == ["S1", "85B", "B", "A"]
        assert table[0][5:] == ["sleeps there", ""]
        qty = int(table[0][4])
        assert qty > 0

        cable.online = False  # the request needs no ledger
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == f"Request {qty} of S1 from B to A?"
        await pilot.press("escape")  # not now: nothing queued
        await settle(pilot)
        assert requests_queued(office) == []

        await pilot.press("t")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert rows(app, "#rebalance-table")[0][-1] == "requested"
        assert f"Transfer requested: {qty} unit(s) from B to A. Sent with the next sync." in (
            notices(app)
        )
        await pilot.press("t")
        await settle(pilot)
        assert "Already requested: the transfer is on its way or waits to be sent." in notices(app)

    [entry] = requests_queued(office)
    assert (entry.payload["origin"], entry.payload["lines"]) == (
        "rebalancing",
        [{"sku": "S1", "qty": qty}],
    )
    cable.online = True
    assert office.sync.sync_once().online
    transfer = ledger_transfer(ledger, network, entry.payload["op_id"])
    assert (transfer["from_location"], transfer["to_location"], transfer["origin"]) == (
        "B",
        "A",
        "rebalancing",
    )


SUGGESTION = TransferSuggestion(
    sku="S1",
    reference="REF-1",
    name="Item S1",
    size="85B",
    from_location="B",
    to_location="A",
    qty=4,
    reason="sleeping_stock",
    from_days_of_cover=None,
    to_days_of_cover=1.7,
)


def test_only_a_manager_may_request_and_a_managers_pin_carries_the_request(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> None:
    till = open_terminal(ledger, network, tmp_path / "till", clock, role=Role.ASSOCIATE)
    try:
        assert till.sync.sync_once().online
        assert till.reports.replenishment().value is None  # the ledger said: not a manager's
        requests = ReportRequests(till.engine, "A", clock.now, till.shift, fixed_ids(7))
        assert not requests.may_request()
        with pytest.raises(RequestRefused) as refused:
            requests.request_suggestion(SUGGESTION)
        assert refused.value.refusal is RequestRefusal.MANAGERS_ONLY
        assert requests_queued(till) == []

        manager = StaffPerson("M01", "Nadia Chef", "manager")
        made = requests.request_suggestion(SUGGESTION, approver=manager)
        assert str(made.transfer_id) == "01900000-0007-7000-8000-000000000001"
        [entry] = requests_queued(till)
        assert entry.op_id == str(made.transfer_id)
        assert entry.payload["person"] == "M01"  # the manager whose PIN approved it

        till.shift.begin(StaffPerson("M02", "Paul Gérant", "manager"))
        assert requests.may_request()
    finally:
        till.close()


def test_the_replenishment_request_goes_to_the_nearest_warehouse_and_not_twice(
    office: StoreContext, clock: ManualClock
) -> None:
    requests = ReportRequests(office.engine, "A", clock.now, office.shift, fixed_ids(8))
    assert requests.nearest_warehouse() == "WH"
    report = office.reports.replenishment().value
    assert report is not None
    made = requests.request_replenishment(report.rows)
    assert made.from_location == "WH"
    assert made.lines == [(row.sku, row.suggested_qty) for row in report.rows if row.suggested_qty]
    assert requests.to_request(report.rows) == []
    with pytest.raises(RequestRefused) as refused:
        requests.request_replenishment(report.rows)
    assert refused.value.refusal is RequestRefusal.ALREADY_REQUESTED
    with pytest.raises(RequestRefused) as nothing:
        requests.request_suggestion(SUGGESTION.model_copy(update={"qty": 0}))
    assert nothing.value.refusal is RequestRefusal.NOTHING_TO_REQUEST
    assert len(requests_queued(office)) == 1
