"""Cancelling a job on the pick screen asks why, among the reasons a store gives, at 80x24: the
reason goes to the ledger with the cancel, and the job says it afterwards; Escape keeps the job.
The short-pick dialog offers every reason a store may give for a line, "not the item ordered"
too."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from textual.widgets import OptionList, RadioSet, Static

from ordersync.contract import RejectReason, Role, uuid7
from ordersync.contract.vocabulary import STORE_CANCEL_REASONS
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.i18n import Translator
from storeapp.tui.screens.confirm import ChoiceScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.screens.short_pick import ShortPickScreen
from tests.support.ledger_harness import Network
from tests.support.store import ledger_job, receive
from tests.support.tui import AppFactory, settle

PARIS = {"address": "1 rue de Rivoli, Paris", "latitude": 48.86, "longitude": 2.34}


def a_job(ledger: TestClient, network: Network, *states: str) -> str:
    """A web order's job at store A, moved through ``states`` by another device of A."""
    receive(ledger, network, "S1", "A", 2)
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": str(uuid.uuid4()),
            "channel": "web",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": {"kind": "home", **PARIS},
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    job: dict[str, Any] = reply.json()["jobs"][0]
    for to in states:
        moved = ledger.post(
            f"/v1/jobs/{job['id']}/transitions",
            json={"op_id": str(uuid7()), "to": to},
            headers=network.headers("A"),
        )
        assert moved.status_code == 200, moved.text
    return str(job["id"])


async def open_pick_screen(app: Any, pilot: Any) -> PickScreen:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    pick = app.screen
    assert isinstance(pick, PickScreen)
    return pick


def header(pick: PickScreen) -> str:
    return str(pick.query_one("#pick-header", Static).render())


def inside_the_screen(widget: Any) -> bool:
    region = widget.region
    return region.x >= 0 and region.y >= 0 and region.right <= 80 and region.bottom <= 24


async def test_a_job_is_cancelled_with_the_reason_chosen_and_says_it_afterwards(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    job_id = a_job(ledger, network, "picking", "picked")
    assert store.sync.sync_once().online
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        pick = await open_pick_screen(app, pilot)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceScreen)
        options = dialog.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            reason.value for reason in STORE_CANCEL_REASONS
        ]
        assert inside_the_screen(dialog.query_one("#choice-dialog"))
        assert inside_the_screen(options)
        await pilot.press("down", "down", "down")  # customer, damaged, not found, mismatch
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is pick
        assert pick.job is not None
        assert (pick.job.state, pick.job.cancel_reason) == ("cancelled", "mismatch")
        assert "cancelled (not the item ordered)" in header(pick)

        await pilot.press("f5")
        await settle(pilot)
        assert pick.job is not None
        assert pick.job.unconfirmed == 0
        assert "cancelled (not the item ordered)" in header(pick)

    assert ledger_job(ledger, network, job_id)["cancel_reason"] == "mismatch"


async def test_escape_keeps_the_job_and_queues_nothing(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    a_job(ledger, network, "picking", "picked")
    assert store.sync.sync_once().online
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        pick = await open_pick_screen(app, pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is pick
        assert pick.job is not None
        assert pick.job.state == "picked"
    assert outbox.pending(store.engine, 10) == []


async def test_the_reasons_are_offered_in_french(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    a_job(ledger, network, "picking", "picked")
    assert store.sync.sync_once().online
    app = build_app(store, translator=Translator("fr_FR", "Europe/Paris"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pick_screen(app, pilot)
        await pilot.press("c")
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0] == "Annulée par le client"
        assert "Pas l'article commandé" in labels


async def test_the_short_pick_dialog_offers_every_reason_a_store_gives(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    job_id = a_job(ledger, network)
    assert store.sync.sync_once().online
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        pick = await open_pick_screen(app, pilot)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ShortPickScreen)
        radios = dialog.query_one(RadioSet)
        assert [button.name for button in radios.query("RadioButton")] == [
            reason.value for reason in RejectReason
        ]
        assert inside_the_screen(dialog.query_one("#short-dialog"))
        await pilot.press("down", "down", "enter")  # not found, damaged, not the item ordered
        await pilot.press("tab", "enter")  # no note needed
        await settle(pilot)
        assert app.screen is pick
        assert pick.job is not None
        assert [line.reject_reason for line in pick.job.lines] == ["mismatch"]
        await pilot.press("f5")
        await settle(pilot)

    on_ledger = ledger_job(ledger, network, job_id)
    assert [line["reject_reason"] for line in on_ledger["lines"]] == ["mismatch"]
