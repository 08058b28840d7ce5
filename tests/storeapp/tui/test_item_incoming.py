"""Units on their way on the item screen: from the ledger's documents through the feed to the
cache, then to the header (``Coming: +6 on 3 Mar``), the size grid (``0 +6``, marked apart from
a plain zero, with its legend) and the network table (this store's from the cache, the others'
from the live answer only). Offline, this store's incoming units still show; the others' do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.text import Text
from textual.widgets import DataTable, Static

from ordersync.clock import ManualClock
from ordersync.contract import Role, uuid7
from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.help import HelpScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.widgets.availability_table import AvailabilityTable
from storeapp.tui.widgets.item_header import ItemHeader
from storeapp.tui.widgets.size_grid import SizeGridTable
from tests.support.ledger_harness import Network, SqliteDatabases
from tests.support.store import Cable, open_terminal
from tests.support.store_motion import announce
from tests.support.tui import AppFactory, look_up, settle, stock_lingerie_and_sync

SnapCompare = Callable[..., bool]


@pytest.fixture
def ledger_url(sqlite_databases: SqliteDatabases) -> Iterator[str]:
    """SQLite only: the screens do not depend on the ledger's backend (the feed's path to the
    cache is tested on both in tests/storeapp/test_incoming_display.py)."""
    url = sqlite_databases.fresh()
    yield url
    sqlite_databases.drop(url)


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def terminal(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    context = open_terminal(ledger, network, tmp_path / "till", clock, cable=cable)
    yield context
    context.close()


def send_transfer(
    ledger: TestClient, network: Network, sku: str, qty: int, source: str, to: str
) -> dict[str, Any]:
    """A transfer requested by an admin and sent at once by the source's floor staff."""
    transfer_id = str(uuid7())
    reply = ledger.post(
        "/v1/transfers",
        json={
            "op_id": transfer_id,
            "from_location": source,
            "to_location": to,
            "lines": [{"sku": sku, "qty": qty}],
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    reply = ledger.post(
        f"/v1/transfers/{transfer_id}/send",
        json={"op_id": str(uuid7()), "lines": [{"sku": sku, "qty": qty}]},
        headers=network.headers(source, Role.ASSOCIATE),
    )
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


@pytest.fixture
def coming(ledger: TestClient, network: Network, terminal: StoreContext) -> StoreContext:
    """The bra reference (see ``stock_lingerie_and_sync``) with units on their way: 6 of 90C on
    a shipping notice to A tomorrow (none on A's shelf), 2 of 85C sent from B to A (in transit),
    and 4 of 95D announced to B; then A syncs."""
    stock_lingerie_and_sync(ledger, network, terminal)
    announce(ledger, network, "ASN-1", [("BRA-90C", 6)], number=1)
    send_transfer(ledger, network, "BRA-85C", 2, "B", "A")
    announce(ledger, network, "ASN-2", [("BRA-95D", 4)], number=2, destination="B")
    assert terminal.sync.sync_once().online
    return terminal


def plain(text: Text) -> str:
    return text.plain.strip()


def rendered(widget: Static) -> str:
    return str(widget.render())


def table_rows(table: DataTable[Text]) -> list[list[str]]:
    return [[plain(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_item(app: StoreApp, pilot: Any, sku: str) -> ItemScreen:
    await look_up(pilot, sku)
    screen = app.screen
    assert isinstance(screen, ItemScreen)
    assert screen.view is not None
    return screen


async def test_the_feed_brings_incoming_units_to_the_cache(coming: StoreContext) -> None:
    view = coming.lookup.item_view("BRA-90C", live=False)
    assert view is not None
    own = view.own
    assert (own.available, own.coming.on_order, own.coming.in_transit) == (0, 6, 0)
    assert own.coming.next_from is not None
    assert own.coming.next_until is not None
    # announced 24 h after the ledger's 09:00 UTC, for a 4 h window
    assert (own.coming.next_from.isoformat(), own.coming.next_until.isoformat()) == (
        "2026-03-03T09:00:00+00:00",
        "2026-03-03T13:00:00+00:00",
    )
    cells = {cell.sku: cell for cell in view.grid.cells.values()}
    assert (cells["BRA-90C"].store_available, cells["BRA-90C"].store_incoming) == (0, 6)
    assert (cells["BRA-85C"].store_available, cells["BRA-85C"].store_incoming) == (2, 2)
    assert cells["BRA-85B"].store_incoming == 0


async def test_the_header_grid_and_table_show_what_is_coming(
    coming: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(coming)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "BRA-90C")
        header = rendered(screen.query_one(ItemHeader))
        assert "0 available" in header
        assert "Coming: +6 on 3 Mar" in header
        grid = screen.query_one(SizeGridTable)
        assert plain(grid.get_cell("90", "C")) == "0 +6 · 6"
        # 85C: 2 here, 2 in transit from B (which has 1 left): the network counts shelves only
        assert plain(grid.get_cell("85", "C")) == "2 +2 · 3"
        assert plain(grid.get_cell("85", "B")) == "0 · 0"
        coming_style = grid.get_component_rich_style("size-grid--coming", partial=True)
        out_style = grid.get_component_rich_style("size-grid--out-everywhere", partial=True)
        assert coming_style != out_style
        assert any(span.style == coming_style for span in grid.get_cell("90", "C").spans)
        assert not any(span.style == coming_style for span in grid.get_cell("85", "B").spans)
        assert any(span.style == out_style for span in grid.get_cell("85", "B").spans)
        caption = rendered(screen.query_one("#grid-caption", Static))
        assert caption.endswith("in the network · +N: coming here")
        # live: B's own delivery of another size is not this size's; 90C is coming only here
        panel = screen.query_one(AvailabilityTable)
        rows = table_rows(panel.query_one(DataTable))
        assert [row[0] for row in rows] == ["A", "B"]
        assert rows[0][6] == "+6 3 Mar"
        assert rows[1][6] == ""


async def test_units_in_transit_are_said_so_and_others_arrivals_show_live(
    coming: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(coming)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "BRA-85C")
        header = rendered(screen.query_one(ItemHeader))
        assert "Coming: +2 in transit" in header
        await pilot.press("escape")
        screen = await open_item(app, pilot, "BRA-95D")
        rows = table_rows(screen.query_one(AvailabilityTable).query_one(DataTable))
        by_code = {row[0]: row for row in rows}
        assert by_code["B"][6] == "+4 3 Mar"  # B's delivery, from the live answer
        assert by_code["A"][6] == ""


async def test_offline_this_stores_incoming_units_still_show_and_the_others_do_not(
    coming: StoreContext, build_app: AppFactory, cable: Cable
) -> None:
    cable.online = False
    app = build_app(coming)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "BRA-95D")
        rows = table_rows(screen.query_one(AvailabilityTable).query_one(DataTable))
        assert all(row[6] == "" for row in rows)
        await pilot.press("escape")
        screen = await open_item(app, pilot, "BRA-90C")
        assert "Coming: +6 on 3 Mar" in rendered(screen.query_one(ItemHeader))
        assert plain(screen.query_one(SizeGridTable).get_cell("90", "C")) == "0 +6 · 6"


async def test_the_help_says_what_0_plus_6_means(
    coming: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(coming)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_item(app, pilot, "BRA-90C")
        assert ("0 +6", "“0 +6”: none here now, 6 on their way here") in app.key_help()
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


def test_item_screen_with_units_coming_at_80x24(
    coming: StoreContext, build_app: AppFactory, snap_compare: SnapCompare, clock: ManualClock
) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await look_up(pilot, "BRA-90C")

    clock.advance(timedelta(minutes=0))
    assert snap_compare(build_app(coming), terminal_size=(80, 24), run_before=run_before)
