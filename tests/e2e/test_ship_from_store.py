"""Ship from store on real processes: a web order sent to a real `ordersync serve` is routed to
store A, picked in the store app's terminal by scans (Pilot, over real HTTP), packed and
shipped; the ledger's movements, positions and reservations are checked at every step."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from textual.pilot import Pilot

from ordersync.contract import Role
from storeapp.cache.engine import open_cache_engine
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store, remember_location
from storeapp.i18n import Translator
from storeapp.tui.app import make_app
from storeapp.tui.screens.pick import PickScreen
from tests.support.ledger_server import LedgerServer
from tests.support.store import gtin_of
from tests.support.tui import SteppingClock, settle

pytestmark = pytest.mark.e2e
PARIS = {"latitude": 48.86, "longitude": 2.34}


class Ledger:
    def __init__(self, server: LedgerServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, timeout=10)

    def send(self, method: str, path: str, body: Any, location: str, role: Role) -> Any:
        reply = self.http.request(
            method, path, json=body, headers=self.server.headers(location, role)
        )
        assert reply.status_code < 300, reply.text
        return reply.json()

    def receive(self, sku: str, qty: int) -> None:
        self.send(
            "POST",
            "/v1/movements",
            {
                "op_id": str(uuid.uuid4()),
                "lines": [{"kind": "receipt", "sku": sku, "location": "A", "qty": qty}],
            },
            "A",
            Role.ASSOCIATE,
        )

    def position(self, sku: str) -> tuple[int, int]:
        found = self.send("GET", f"/v1/positions/A/{sku}", None, "A", Role.ASSOCIATE)
        return int(found["on_hand"]), int(found["reserved"])

    def job(self, job_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.send("GET", f"/v1/jobs/{job_id}", None, "A", Role.ASSOCIATE)
        return found

    def movements(self, kind: str) -> int:
        engine = create_engine(self.server.database_url)
        try:
            with engine.connect() as connection:
                return int(
                    connection.execute(
                        text(
                            "SELECT COUNT(*) FROM movements WHERE kind = :kind AND location = 'A'"
                        ),
                        {"kind": kind},
                    ).scalar_one()
                )
        finally:
            engine.dispose()


def store_terminal(server: LedgerServer, data_dir: Path) -> StoreContext:
    settings = StoreSettings(
        ledger_url=server.base_url, token=server.token("A", Role.ASSOCIATE), data_dir=data_dir
    )
    remember_location(open_cache_engine(settings.cache_path), "A")
    return open_store(settings)


async def scan(pilot: Pilot[None], clock: SteppingClock, code: str) -> None:
    clock.step = 0.01
    await pilot.press(*code, "enter")
    clock.step = 0.2
    await settle(pilot)


async def test_a_web_order_is_routed_picked_by_scans_packed_and_shipped(
    ledger_server: LedgerServer, tmp_path: Path
) -> None:
    ledger = Ledger(ledger_server)
    ledger.receive("S1", 3)
    store = store_terminal(ledger_server, tmp_path / "store-a")
    try:
        assert store.sync.sync_once().online
        order = ledger.send(
            "POST",
            "/v1/orders",
            {
                "op_id": str(uuid.uuid4()),
                "channel": "web",
                "lines": [{"sku": "S1", "qty": 2}],
                "customer": {"name": "Camille Martin", "email": "camille@example.org"},
                "delivery": {"kind": "home", "address": "1 rue de Rivoli, Paris", **PARIS},
            },
            "WH",
            Role.ADMIN,
        )
        [job] = order["jobs"]
        assert job["location"] == "A"
        assert ledger.position("S1") == (3, 2)
        assert store.sync.sync_once().online  # the job reaches the store through the feed

        clock = SteppingClock(0.2)
        app = make_app(
            store,
            Translator("en_GB"),
            start_sync_worker=False,
            monotonic=clock,
            status_interval=None,
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("f4")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            pick = app.screen
            assert isinstance(pick, PickScreen)
            await pilot.press("s")
            await settle(pilot)
            await pilot.press("f5")
            await settle(pilot)
            assert ledger.job(job["id"])["state"] == "picking"

            for _ in range(2):
                await scan(pilot, clock, gtin_of(store, "S1"))
            await pilot.press("p")
            await settle(pilot)
            await pilot.press("k")
            await settle(pilot)
            await pilot.press("enter", *"480", "enter")
            await settle(pilot)
            await pilot.press("f5")
            await settle(pilot)
            packed = ledger.job(job["id"])
            assert (packed["state"], packed["parcels"], packed["weight_grams"]) == (
                "packed",
                1,
                480,
            )
            assert ledger.position("S1") == (3, 2)
            assert ledger.movements("shipment") == 0

            await pilot.press("t")
            await settle(pilot)
            await pilot.press(*"COLIS-42", "enter")
            await settle(pilot)
            await pilot.press("f5")
            await settle(pilot)

        shipped = ledger.job(job["id"])
        assert (shipped["state"], shipped["tracking"]) == ("shipped", "COLIS-42")
        assert ledger.position("S1") == (1, 0)
        assert ledger.movements("shipment") == 1
        final = ledger.send("GET", f"/v1/orders/{order['id']}", None, "WH", Role.ADMIN)
        assert final["state"] == "closed"
    finally:
        store.close()
