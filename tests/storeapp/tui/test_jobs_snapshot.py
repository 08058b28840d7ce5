"""A screenshot of the jobs queue at 80x24 (compared with the accepted one in __snapshots__/).

Deterministic: the orders' ids are fixed (a job's id derives from its order's), the ledger's
clock is fixed, no sync thread and no status timer run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from textual.pilot import Pilot

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.context import StoreContext
from tests.support.ledger_harness import Network, SqliteDatabases
from tests.support.store import receive
from tests.support.tui import AppFactory, settle

SnapCompare = Callable[..., bool]
PARIS = {"latitude": 48.86, "longitude": 2.34}


@pytest.fixture
def ledger_url(sqlite_databases: SqliteDatabases) -> Iterator[str]:
    """SQLite only: one set of screenshots serves every run."""
    url = sqlite_databases.fresh()
    yield url
    sqlite_databases.drop(url)


def order(
    ledger: TestClient, network: Network, number: int, lines: list[tuple[str, int]], **who: Any
) -> str:
    delivery = who.pop("delivery", {"kind": "home", "address": "1 rue de Rivoli", **PARIS})
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": f"0190a0a0-0000-7000-8000-{number:012d}",
            "channel": "web",
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "customer": {"email": "client@example.org", **who},
            "delivery": delivery,
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["jobs"][0]["id"])


def test_jobs_queue_with_a_late_job_at_80x24(
    ledger: TestClient,
    network: Network,
    store: StoreContext,
    clock: ManualClock,
    build_app: AppFactory,
    snap_compare: SnapCompare,
) -> None:
    receive(ledger, network, "S1", "A", 5)
    receive(ledger, network, "S2", "A", 3)
    order(ledger, network, 1, [("S1", 2), ("S2", 1)], name="Camille Martin")
    clock.advance(timedelta(minutes=40))
    second = order(ledger, network, 2, [("S2", 1)], name="Jean-Baptiste Poquelin-Dufresne")
    clock.advance(timedelta(minutes=20))
    order(
        ledger,
        network,
        3,
        [("S1", 1)],
        name="Léa Dubois",
        delivery={"kind": "collect", "collect_at": "A"},
    )
    clock.advance(timedelta(minutes=75))  # the first job missed its service level
    assert store.sync.sync_once().online
    store.picking.start(second)  # not yet confirmed by the ledger

    async def open_jobs(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)

    app = build_app(store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_jobs)
