"""Voiding a sale from the sync screen (F3): this terminal's recent sales, newest first, the voided
ones marked; v asks why (optional), then for a confirmation, and queues the void; the ledger then
takes the sale back. A sale of an earlier store day needs a manager's PIN."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from textual.pilot import Pilot
from textual.widgets import Input

from ordersync.clock import ManualClock
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.count import EntryScreen
from storeapp.tui.screens.sign_in import SignInScreen
from storeapp.tui.screens.sync import SyncScreen
from storeapp.tui.widgets.recent_sales_table import RecentSalesTable
from tests.support.ledger_harness import Network
from tests.support.staff import ANNE, MARC, give_staff
from tests.support.store import on_hand
from tests.support.tui import AppFactory, rows, settle, text_of


def queued_voids(store: StoreContext) -> list[dict[str, Any]]:
    return [e.payload for e in outbox.pending(store.engine, 50) if e.payload["op"] == "void_sale"]


async def recent_sales(pilot: Pilot[None]) -> RecentSalesTable:
    """The sync screen, its recent sales focused."""
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SyncScreen)
    table = pilot.app.screen.query_one(RecentSalesTable)
    table.focus()
    await settle(pilot)
    return table


async def type_in(pilot: Pilot[None], selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.value = text
    field.focus()
    await pilot.press("enter")
    await settle(pilot)


def notes(pilot: Pilot[None]) -> list[str]:
    return [note.message for note in pilot.app._notifications]


async def test_v_voids_the_selected_sale_and_the_ledger_takes_it_back(
    ledger: TestClient,
    network: Network,
    synced_store: StoreContext,
    clock: ManualClock,
    build_app: AppFactory,
) -> None:
    first = synced_store.sales.record("S1", 2)
    clock.advance(timedelta(minutes=5))
    synced_store.sales.record("S2", 1)
    assert synced_store.sync.sync_once().online
    assert on_hand(ledger, network, "S1") == 1
    app = build_app(synced_store)
    async with app.run_test(size=(100, 34)) as pilot:
        await recent_sales(pilot)
        assert [row[1:4] for row in rows(app, "#recent-sales")] == [
            ["S2", "Item S2", "1"],
            ["S1", "Item S1", "2"],
        ]
        assert text_of(app, "#recent-caption") == (
            "Recent sales of this terminal (2) · v voids the selected one"
        )
        await pilot.press("down")
        assert text_of(app, "#entry-detail") == f"Receipt reference: {first.op_id}"
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, EntryScreen)
        await type_in(pilot, "#entry-value", "rang up twice")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.question == "Void this sale?"
        assert "2 x S1" in dialog.detail
        assert "Reason: rang up twice" in dialog.detail
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        [void] = queued_voids(synced_store)
        assert (void["sale_op_id"], void["reason"]) == (str(first.op_id), "rang up twice")
        assert rows(app, "#recent-sales")[1][-1] == "voided"

        await pilot.press("v")  # again: refused here, nothing more queued
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        assert any("already voided" in note for note in notes(pilot))

        await pilot.press("f5")
        await settle(pilot)
    assert queued_voids(synced_store) == []
    assert on_hand(ledger, network, "S1") == 3


async def test_escape_at_the_confirmation_voids_nothing(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    synced_store.sales.record("S1", 1)
    app = build_app(synced_store)
    async with app.run_test(size=(100, 34)) as pilot:
        await recent_sales(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("escape")  # no reason
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Reason: none given" in app.screen.detail
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        assert rows(app, "#recent-sales")[0][-1] == ""
    assert queued_voids(synced_store) == []


async def test_a_sale_of_an_earlier_day_is_voided_with_a_managers_pin(
    synced_store: StoreContext, clock: ManualClock, build_app: AppFactory
) -> None:
    sale = synced_store.sales.record("S1", 1)
    clock.advance(timedelta(days=1))
    give_staff(synced_store.engine, clock.now(), ANNE, MARC)
    app = build_app(synced_store)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await type_in(pilot, "#staff-code", "anne")
        await type_in(pilot, "#staff-pin", ANNE.pin)
        await recent_sales(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("escape")  # no reason
        await settle(pilot)
        await pilot.press("enter")  # confirmed
        await settle(pilot)
        approval = app.screen
        assert isinstance(approval, SignInScreen)
        assert approval.approval == "Void sale"
        await type_in(pilot, "#staff-code", "marc")
        await type_in(pilot, "#staff-pin", MARC.pin)
        assert isinstance(app.screen, SyncScreen)
    [void] = queued_voids(synced_store)
    assert (void["sale_op_id"], void["person"]) == (str(sale.op_id), "marc")
