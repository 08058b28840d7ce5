"""Lateness in every open state and a collection's parcel on its way, as the terminal shows them,
against the real ledger in process: a picked job not packed in time is late in the jobs list; a
collection whose parcel is still travelling is "on its way" at the collection store, not picked,
and its pick screen offers the arrival (y), after which the customer is handed over."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from textual.widgets import Static

from ordersync.clock import ManualClock
from ordersync.contract import Role, uuid7
from storeapp.context import StoreContext
from storeapp.tui.screens.jobs import JobsScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.widgets.jobs_table import JobsTable
from tests.support.ledger_harness import Network
from tests.support.store import receive
from tests.support.tui import AppFactory, settle

TO_PACK = timedelta(minutes=120)  # the packaged routing.toml's [service_level]
PARIS = {"address": "1 rue de Rivoli, Paris", "latitude": 48.86, "longitude": 2.34}


def place(ledger: TestClient, network: Network, delivery: dict[str, Any]) -> dict[str, Any]:
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": str(uuid.uuid4()),
            "channel": "web",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": delivery,
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def step(ledger: TestClient, network: Network, job: dict[str, Any], to: str, **extra: Any) -> None:
    reply = ledger.post(
        f"/v1/jobs/{job['id']}/transitions",
        json={"op_id": str(uuid7()), "to": to, **extra},
        headers=network.headers(job["location"]),
    )
    assert reply.status_code == 200, reply.text


def states(table: JobsTable) -> list[tuple[str, str]]:
    """(due, state) of each row."""
    return [
        (table.get_row_at(i)[1].plain, table.get_row_at(i)[2].plain) for i in range(table.row_count)
    ]


async def test_a_picked_job_not_packed_in_time_shows_late(
    ledger: TestClient,
    network: Network,
    store: StoreContext,
    clock: ManualClock,
    build_app: AppFactory,
) -> None:
    receive(ledger, network, "S1", "A", 2)
    [job] = place(ledger, network, {"kind": "home", **PARIS})["jobs"]
    step(ledger, network, job, "picking")
    step(ledger, network, job, "picked")
    assert store.sync.sync_once().online
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        [(due, state)] = states(jobs.query_one(JobsTable))
        assert (due, state) == ("12:00", "picked")  # picked at 10:00, to pack within 2 h

        clock.advance(TO_PACK + timedelta(minutes=1))
        jobs.reload()  # what its timer does: lateness follows the clock, offline too
        await settle(pilot)
        [(due, state)] = states(jobs.query_one(JobsTable))
        assert (due, state) == ("12:00 LATE", "picked")
        assert "LATE: 1" in str(jobs.query_one("#jobs-counts", Static).render())


async def test_a_parcel_on_its_way_is_not_picked_at_the_collection_store_until_it_arrives(
    ledger: TestClient,
    network: Network,
    store: StoreContext,
    build_app: AppFactory,
) -> None:
    receive(ledger, network, "S1", "B", 1)
    order = place(ledger, network, {"kind": "collect", "collect_at": "A"})
    [shipping] = order["jobs"]
    assert shipping["location"] == "B"
    for to, extra in (
        ("picking", {}),
        ("picked", {}),
        ("packed", {"parcels": 1, "weight_grams": 300}),
        ("shipped", {"tracking": "COLIS-9"}),
    ):
        step(ledger, network, shipping, to, **extra)
    assert store.sync.sync_once().online
    app = build_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        [(_, state)] = states(jobs.query_one(JobsTable))
        assert state == "on its way"

        await pilot.press("enter")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        next_step = str(pick.query_one("#pick-next", Static).render())
        assert next_step.startswith("The parcel is on its way to this store.")
        assert "press y" in next_step
        assert "on its way" in str(pick.query_one("#pick-header", Static).render())

        await pilot.press("y")  # it arrived: ready for the customer
        await settle(pilot)
        assert pick.job is not None
        assert pick.job.state == "ready"
        assert "press h" in str(pick.query_one("#pick-next", Static).render())
