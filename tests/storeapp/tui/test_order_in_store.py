"""Order in store from the item screen, against the real ledger in process: placed online (where
it comes from, why, the promised date), kept offline (pending, then refused with alternatives in
the sync screen), refused at once (the alternatives), and input errors next to their field."""

# ruff: noqa: RUF001
# (the screens print the multiplication sign on purpose)

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.cache import outbox
from storeapp.context import StoreContext, open_store
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.order import OrderScreen
from storeapp.tui.screens.sync import SyncScreen
from storeapp.tui.widgets.order_outcome import OrderOutcomeView
from tests.support.ledger_harness import Network
from tests.support.store import receive
from tests.support.tui import AppFactory, look_up, settle


@pytest.fixture
def unreachable(store: StoreContext, clock: ManualClock) -> Iterator[StoreContext]:
    """Store A's terminal with its network cable out (the same cache)."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    context = open_store(store.settings, now=clock.now, transport=httpx.MockTransport(refuse))
    yield context
    context.close()


def outcome_text(screen: OrderScreen) -> str:
    return str(screen.query_one(OrderOutcomeView).render())


def error_at(screen: OrderScreen, field: str) -> str:
    return str(screen.query_one(f"#error-{field}", Static).render())


async def open_order_form(pilot: Pilot[None], sku: str) -> OrderScreen:
    """Look ``sku`` up and press o on the item screen."""
    await look_up(pilot, sku)
    assert isinstance(pilot.app.screen, ItemScreen)
    await pilot.press("o")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, OrderScreen)
    return screen


async def test_an_order_for_home_delivery_shows_where_why_and_when(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    receive(ledger, network, "S1", "B", 3)
    assert store.sync.sync_once().online
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_order_form(pilot, "S1")
        assert [(line.item.sku, line.qty) for line in screen.lines] == [("S1", 1)]
        assert not screen.query_one("#row-address").display
        await pilot.press("tab", "down", "down", "enter")  # delivery: home
        await settle(pilot)
        assert screen.delivery_choice() == "home"
        assert screen.query_one("#row-address").display
        screen.field("address").value = "1 rue de Rivoli"
        screen.field("name").value = "Camille Martin"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (
            error_at(screen, "postal-code") == "A French postal code has 5 digits, such as 69002."
        )
        screen.field("postal_code").value = "75001"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_at(screen, "city") == "Give the town."
        assert app.focused is screen.field("city")
        screen.field("city").value = "Paris"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_at(screen, "email") == "Give an email address or a phone number."
        assert app.focused is screen.field("email")
        await pilot.press(*"camille@example.org", "enter")  # to the phone field
        assert app.focused is screen.field("phone")
        await pilot.press("enter")  # Enter on the last field places the order
        await settle(pilot)
        text = outcome_text(screen)
        assert "✔ Order placed: 1 × S1 for Camille Martin." in text
        assert "B — Store B: 1 × S1, shipped from there (" in text
        assert "✔ B — Store B: chosen" in text
        assert "✘ A — Store A: no stock of S1 (0 of 1)" in text
        assert "Promised by Wednesday 4 March 2026." in text
        assert not screen.query_one("#order-form").display
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
    assert outbox.pending(store.engine, 10) == []


async def test_an_order_kept_offline_then_refused_shows_in_the_sync_screen_with_alternatives(
    ledger: TestClient,
    network: Network,
    store: StoreContext,
    unreachable: StoreContext,
    build_app: AppFactory,
) -> None:
    receive(ledger, network, "S1", "B", 1)
    receive(ledger, network, "S2", "B", 2)
    assert store.sync.sync_once().online
    app = build_app(unreachable)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_order_form(pilot, "S1")
        await pilot.press("tab", "down", "enter")  # collect at another store
        await settle(pilot)
        screen.field("collect_at").value = "zz"
        screen.field("name").value = "Camille Martin"
        screen.field("phone").value = "0612345678"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_at(screen, "collect-at") == "Not a store customers can collect at."
        screen.field("collect_at").value = "b"
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = outcome_text(screen)
        assert text.startswith("⏳ Order kept: 1 × S1 for Camille Martin.")
        assert "will be sent when the ledger is back" in text
        assert str(screen.query_one("#status-waiting", Static).render()) == "1 to sync"

    # Meanwhile the web takes the last unit; back online, the ledger refuses the kept order.
    web = ledger.post(
        "/v1/orders",
        json={
            "op_id": "0190a0a0-0000-7000-8000-0000000000aa",
            "channel": "web",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Web", "email": "web@example.org"},
            "delivery": {"kind": "collect", "collect_at": "B"},
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert web.status_code == 201, web.text
    assert store.sync.sync_once().refused == 1
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        sync_screen = app.screen
        assert isinstance(sync_screen, SyncScreen)
        detail = str(sync_screen.query_one("#entry-detail", Static).render())
        assert detail.startswith("Order 1 × S1 for Camille Martin · ")
        assert "other sizes: S2 (nearby size 90C noir, 2 available)" in detail


async def test_a_refused_order_shows_the_alternatives_and_nothing_is_kept(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    receive(ledger, network, "S2", "B", 2)
    assert store.sync.sync_once().online
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_order_form(pilot, "S1")
        assert app.focused is screen.field("add")
        screen.query_one("#order-lines", DataTable).focus()
        await pilot.press("minus")  # below one unit: refused, the line keeps its unit
        assert error_at(screen, "add") == "Order 1 to 100 units."
        assert [line.qty for line in screen.lines] == [1]
        screen.field("name").value = "Camille Martin"
        screen.field("email").value = "camille@example.org"
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = outcome_text(screen)
        assert "✘ The ledger cannot serve 1 × S1 for Camille Martin now." in text
        assert "Nobody can serve 1 × S1 now." in text
        assert "S2 — nearby size 90C, noir: 2 available (instead of S1)" in text
        assert "Stores holding it" not in text
    assert outbox.pending(store.engine, 10) == []
