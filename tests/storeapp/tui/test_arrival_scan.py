"""The arrival scan at the collection store, against the real ledger in process: on the pick
screen of a collection whose parcel is on its way, scanning one of its units (or the parcel's
tracking number, when the job carries it) offers to record its arrival, and confirming it makes
the job ready for the customer; any other scan says it is not this parcel and records nothing."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient
from textual.pilot import Pilot
from textual.widgets import Static

from ordersync.contract import Role, uuid7
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.services.arrivals import is_arrival
from storeapp.services.job_views import JobView
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.pick import PickScreen
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, receive
from tests.support.tui import FAST, AppFactory, SteppingClock, settle

SLOW = 0.2
TRACKING = "87001234567"


def parcel_on_its_way(ledger: TestClient, network: Network, store: StoreContext) -> JobView:
    """A collection at A of a unit B ships to A: the job at A, after A's sync."""
    receive(ledger, network, "S1", "B", 1)
    receive(ledger, network, "S2", "A", 1)
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": str(uuid.uuid4()),
            "channel": "web",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": {"kind": "collect", "collect_at": "A"},
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    [shipping] = reply.json()["jobs"]
    assert shipping["location"] == "B"
    extras: dict[str, dict[str, Any]] = {
        "packed": {"parcels": 1, "weight_grams": 300},
        "shipped": {"tracking": TRACKING},
    }
    for to in ("picking", "picked", "packed", "shipped"):
        moved = ledger.post(
            f"/v1/jobs/{shipping['id']}/transitions",
            json={"op_id": str(uuid7()), "to": to, **extras.get(to, {})},
            headers=network.headers("B"),
        )
        assert moved.status_code == 200, moved.text
    assert store.sync.sync_once().online
    [job] = store.picking.queue().jobs
    assert job.on_its_way
    return job


async def scan(pilot: Pilot[None], clock: SteppingClock, code: str) -> None:
    clock.step = FAST
    await pilot.press(*code, "enter")
    clock.step = SLOW
    await settle(pilot)


async def open_job(app: Any, pilot: Pilot[None]) -> PickScreen:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    pick = app.screen
    assert isinstance(pick, PickScreen)
    return pick


def said(pick: PickScreen) -> str:
    return str(pick.query_one("#pick-message", Static).render())


def test_a_unit_of_the_parcel_or_its_tracking_number_is_its_arrival(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    job = parcel_on_its_way(ledger, network, store)
    arrived = store.picking.arrival(job.id, gtin_of(store, "S1"))
    assert arrived is not None
    assert arrived.id == job.id
    assert store.picking.arrival(job.id, gtin_of(store, "S2")) is None  # not in this parcel
    assert store.picking.arrival(job.id, "3760000000019") is None  # not a barcode at all
    with store.engine.connect() as connection:
        # The job at the collection store carries the shipped parcel's tracking number.
        assert job.tracking == TRACKING
        assert is_arrival(connection, job, f" {TRACKING} ")
        assert not is_arrival(connection, replace(job, tracking="87009999999"), TRACKING)
        ready = replace(job, state="ready")
        assert not is_arrival(connection, ready, gtin_of(store, "S1"))  # arrived already


async def test_scanning_a_unit_of_the_parcel_offers_its_arrival_and_confirming_makes_it_ready(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    parcel_on_its_way(ledger, network, store)
    clock = SteppingClock(SLOW)
    app = build_app(store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        pick = await open_job(app, pilot)
        assert "record the parcel's arrival" in pick.scan_help()

        await scan(pilot, clock, gtin_of(store, "S1"))
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert question.question == "The parcel has arrived?"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is pick
        assert pick.job is not None
        assert pick.job.state == "ready"
        assert "press h" in str(pick.query_one("#pick-next", Static).render())

    [entry] = outbox.pending(store.engine, 10)
    assert entry.payload["to"] == "ready"


async def test_a_scan_of_another_item_says_so_and_records_nothing(
    ledger: TestClient, network: Network, store: StoreContext, build_app: AppFactory
) -> None:
    parcel_on_its_way(ledger, network, store)
    clock = SteppingClock(SLOW)
    app = build_app(store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        pick = await open_job(app, pilot)
        await scan(pilot, clock, gtin_of(store, "S2"))
        assert app.screen is pick
        assert said(pick) == "✘ This is neither a unit of this parcel nor its tracking number."
        await scan(pilot, clock, gtin_of(store, "S1"))
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # not now: the parcel stays on its way
        await settle(pilot)
        assert app.screen is pick
        assert pick.job is not None
        assert pick.job.on_its_way
    assert outbox.pending(store.engine, 10) == []
