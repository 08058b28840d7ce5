"""The item screen: own stock, the size grid, the network table, and a counter sale."""

# ruff: noqa: RUF001
# (the screens print the multiplication sign and the en dash on purpose)

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Input, Static

from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.lookup import LookupScreen
from storeapp.tui.screens.sale import SaleScreen
from storeapp.tui.widgets.availability_table import AvailabilityTable
from storeapp.tui.widgets.item_header import ItemHeader
from storeapp.tui.widgets.size_grid import SizeGridTable
from storeapp.tui.widgets.status_bar import StatusBar
from tests.support.tui import AppFactory, look_up, settle


def cell(grid: SizeGridTable, row: str, column: str) -> Text:
    return grid.get_cell(row, column)


def rendered(widget: Static) -> str:
    return str(widget.render())


async def open_item(app: StoreApp, pilot: object, sku: str) -> ItemScreen:
    await look_up(pilot, sku)  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, ItemScreen)
    assert screen.view is not None
    return screen


async def test_the_size_grid_shows_here_and_network_available_per_band_and_cup(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "S1")
        grid = screen.query_one(SizeGridTable)
        assert [str(c.label).strip() for c in grid.columns.values()] == ["B", "C"]
        # S1 85B: 3 here, 3 + 4 at B in the network; S2 90C: none here, 2 at B + 5 at WH.
        assert cell(grid, "85", "B").plain.strip() == "3 · 7"
        assert cell(grid, "90", "C").plain.strip() == "0 · 7"
        assert cell(grid, "85", "C").plain.strip() == "–"  # no such size
        assert grid.cursor_coordinate == (0, 0)  # on the size shown
        out_here = grid.get_component_rich_style("size-grid--out-here", partial=True)
        assert any(span.style == out_here for span in cell(grid, "90", "C").spans)
        assert not any(span.style == out_here for span in cell(grid, "85", "B").spans)
        assert "3 on hand · 0 reserved · 3 available" in rendered(screen.query_one(ItemHeader))


async def test_arrows_then_enter_open_another_size_on_the_same_screen(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "S1")
        await pilot.press("down", "right", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.sku == "S2"
        assert screen.view is not None
        assert screen.view.item.size == "90C"
        assert "0 on hand" in rendered(screen.query_one(ItemHeader))
        assert screen.query_one(SizeGridTable).cursor_coordinate == (1, 1)


async def test_the_network_table_lists_locations_nearest_first_with_a_live_caption(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "S1")
        panel = screen.query_one(AvailabilityTable)
        assert rendered(panel.query_one("#availability-caption", Static)) == (
            "Network availability · live from the ledger, just now"
        )
        table = panel.query_one(DataTable)
        rows = [[c.plain.strip() for c in table.get_row_at(i)] for i in range(table.row_count)]
        # Store A is here; B is about 390 km away (Paris to Lyon).
        assert rows == [
            ["A", "Store A", "here", "3", "0", "3", ""],
            ["B", "Store B", "391", "4", "0", "4", ""],
        ]


async def test_a_counter_sale_updates_own_stock_and_the_waiting_count(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "S1")
        waiting = screen.query_one(StatusBar).query_one("#status-waiting", Static)
        assert rendered(waiting) == "0 to sync"
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SaleScreen)
        assert app.screen.query_one("#sale-qty", Input).value == "1"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert rendered(waiting) == "1 to sync"
        assert waiting.has_class("-busy")
        header = rendered(screen.query_one(ItemHeader))
        assert "2 on hand" in header
        assert "-1 not yet synced" in header
        assert cell(screen.query_one(SizeGridTable), "85", "B").plain.strip() == "2 · 6"
    assert synced_store.status.status().waiting == 1


async def test_a_sale_of_several_units_and_a_cancelled_one(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "S1")
        await pilot.press("s")
        await settle(pilot)
        assert "total €49.90" in rendered(app.screen.query_one("#sale-total", Static))
        await pilot.press("2")  # the 1 is selected: typing replaces it
        assert "total €99.80" in rendered(app.screen.query_one("#sale-total", Static))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s", "escape")
        await settle(pilot)
        assert app.screen is screen
        assert "1 on hand" in rendered(screen.query_one(ItemHeader))
    assert synced_store.status.status().waiting == 1


async def test_a_zero_quantity_is_refused_in_the_dialog(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_item(app, pilot, "S1")
        await pilot.press("s", "0", "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SaleScreen)
        assert "A sale is of 1 to" in rendered(dialog.query_one("#sale-error", Static))
    assert synced_store.status.status().waiting == 0


async def test_a_lingerie_grid_of_bands_and_cups_with_suggestions(
    lingerie_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(lingerie_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "BRA-90C")
        grid = screen.query_one(SizeGridTable)
        column_b = [grid.get_row_at(i)[0].plain.strip() for i in range(3)]
        assert column_b == ["0 · 0", "1 · 1", "0 · 0"]
        assert cell(grid, "90", "C").plain.strip() == "0 · 6"
        assert cell(grid, "85", "C").plain.strip() == "2 · 5"
        assert cell(grid, "95", "D").plain.strip() == "0 · 12"
        assert grid.cursor_coordinate == (1, 1)
        suggestions = rendered(screen.query_one("#suggestions", Static)).replace("\xa0", " ")
        # Both one step away from 90C: the same band's next cup before the same cup's next band.
        assert suggestions == "In stock here: nearby size 90B 1 · 1  85C 2 · 5"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)


async def test_a_position_the_ledger_flagged_suspect_says_a_count_is_due(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    synced_store.sales.record("S2", 1)  # none on record here: the ledger flags the position
    assert synced_store.sync.sync_once().accepted == 1
    app = build_app(synced_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_item(app, pilot, "S2")
        assert screen.view is not None
        assert screen.view.own.suspect
        assert "stock record suspect, count due" in rendered(screen.query_one(ItemHeader))
