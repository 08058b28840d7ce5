"""Offers on the jobs screen, on each backend: a line offered to stores A and B at once shows at
the top of A's jobs with its lines, the customer's delivery, A's rank and a countdown that
follows the terminal's clock second by second; ``c`` claims it (the footer says so), the sync
sends the claim and the job comes in its place; an offer another store claims first, or whose
time runs out, leaves the list with a short notice. Everything fits 80x24."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from textual.widgets import Static

from ordersync.clock import ManualClock
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.jobs import JobsScreen
from storeapp.tui.widgets.offer_list import OfferList
from tests.support.ledger_api import in_process_ledger
from tests.support.ledger_harness import Network
from tests.support.offers import OFFER_POLICY, offered_order
from tests.support.store import open_terminal, sync_terminal
from tests.support.tui import AppFactory, rows, settle, text_of


@pytest.fixture
def ledger(network: Network, clock: ManualClock, tmp_path: Path) -> Iterator[TestClient]:
    """The real ledger in process, with a policy that offers web orders to two stores."""
    policy = tmp_path / "routing.toml"
    policy.write_text(OFFER_POLICY, encoding="utf-8")
    with in_process_ledger(network.url, clock, policy) as client:
        yield client


@pytest.fixture
def store_b(
    ledger: TestClient, network: Network, clock: ManualClock, tmp_path: Path
) -> Iterator[StoreContext]:
    terminal = open_terminal(ledger, network, tmp_path / "store-b", clock, location="B")
    yield terminal
    terminal.close()


def notices(app: StoreApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def keys(screen: JobsScreen) -> dict[str, str]:
    """The keys the footer offers now, with what they do."""
    return {
        b.binding.key: b.binding.description
        for b in screen.active_bindings.values()
        if b.enabled and b.binding.show
    }


def offers_shown(app: StoreApp) -> bool:
    return bool(app.screen.query_one("#offers-box").display)


def fits(app: StoreApp) -> None:
    """Every widget of the screen lies within 80x24, and the offers need no sideways scroll."""
    for widget in app.screen.query("*"):
        if widget.display and widget.region.area:
            assert widget.region.right <= 80, widget
            assert widget.region.bottom <= 24, widget
    assert app.screen.query_one(OfferList).virtual_size.width <= 80


async def test_an_offer_counts_down_and_is_claimed_with_one_key(
    ledger: TestClient,
    network: Network,
    clock: ManualClock,
    store: StoreContext,
    build_app: AppFactory,
) -> None:
    offered_order(ledger, network)
    sync_terminal(store)
    [offer] = store.offers.offers()
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        assert offers_shown(app)
        assert rows(app, "#offers") == [
            [offer.short_id, "10:00 left", "1 × S1", "home delivery", "1/2"]  # noqa: RUF001
        ]
        hint = text_of(app, "#offers-hint")
        assert "Camille Martin" in hint
        assert "rank 1 of 2" in hint
        assert keys(screen)["c"] == "Claim offer"
        fits(app)

        clock.advance(timedelta(minutes=3, seconds=26))
        screen.count_down()
        assert rows(app, "#offers")[0][1] == "06:34 left"
        clock.advance(timedelta(seconds=1))
        screen.count_down()
        assert rows(app, "#offers")[0][1] == "06:33 left"

        await pilot.press("c")
        await settle(pilot)
        with store.engine.connect() as connection:
            assert outbox.counts(connection) == (1, 0)
        assert rows(app, "#offers")[0][1].startswith("claim waiting")
        assert any(f"Offer {offer.short_id} claimed" in note for note in notices(app))

        await pilot.press("f5")
        await settle(pilot)
        assert not offers_shown(app)
        assert f"Offer {offer.short_id} is yours: its job is in the queue." in notices(app)
        [job] = rows(app, "#jobs")
        assert job[-1] == "0/1"
        fits(app)


async def test_an_offer_claimed_elsewhere_or_run_out_leaves_the_list_with_a_notice(
    ledger: TestClient,
    network: Network,
    clock: ManualClock,
    store: StoreContext,
    store_b: StoreContext,
    build_app: AppFactory,
) -> None:
    offered_order(ledger, network)
    offered_order(ledger, network)
    sync_terminal(store)
    sync_terminal(store_b)
    first, second = store.offers.offers()
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobsScreen(store))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        assert [row[0] for row in rows(app, "#offers")] == [first.short_id, second.short_id]

        store_b.offers.claim(first.id)
        sync_terminal(store_b)
        await pilot.press("f5")
        await settle(pilot)
        assert [row[0] for row in rows(app, "#offers")] == [second.short_id]
        assert f"Offer {first.short_id}: B claimed it first." in notices(app)

        clock.advance(timedelta(minutes=10))
        screen.count_down()
        await settle(pilot)
        assert not offers_shown(app)
        assert f"Offer {second.short_id}: too late, it expired." in notices(app)
        assert "c" not in keys(screen)  # nothing left to claim: the footer stops offering it
        assert text_of(app, "#jobs-hint").startswith("No job waiting")
        assert isinstance(app.screen.query_one("#offers-hint"), Static)
