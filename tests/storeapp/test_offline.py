"""A store keeps working while the ledger is down, then catches up without losing or doubling.

A real ``ordersync serve`` runs on 127.0.0.1. The store bootstraps from it over HTTP; the ledger
process is stopped; the store sells and looks items up from its cache for a while (its clock is
injected, so the age of its view is exact); the ledger is started again on the same database
and port; one sync sends everything, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import Role, uuid7
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store, remember_location
from storeapp.services.lookup import Found
from tests.support.ledger_harness import START, Network, SqliteDatabases, seed_network
from tests.support.ledger_server import LedgerServer, free_port

pytestmark = pytest.mark.e2e


@dataclass
class Served:
    network: Network
    ledger: LedgerServer

    def api(self, location: str = "A", role: Role = Role.ASSOCIATE) -> httpx.Client:
        return httpx.Client(
            base_url=self.ledger.base_url,
            headers=self.network.headers(location, role),
            timeout=10.0,
        )


@pytest.fixture
def served(sqlite_databases: SqliteDatabases, tmp_path: Path) -> Iterator[Served]:
    """``ordersync serve`` over a fresh, seeded SQLite ledger; stopped at teardown."""
    url = sqlite_databases.fresh()
    network = seed_network(url, ManualClock(START))
    for location in ("A", "B"):
        network.token(location, Role.ASSOCIATE)
    network.token("WH", Role.ADMIN)
    ledger = LedgerServer(url, network, free_port(), tmp_path / "ledger")
    try:
        ledger.start()
        yield Served(network, ledger)
    finally:
        ledger.stop()
        network.engine.dispose()
        sqlite_databases.drop(url)


def receive(api: httpx.Client, sku: str, location: str, qty: int) -> None:
    reply = api.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        },
    )
    assert reply.status_code == 201, reply.text


def ledger_position(served: Served, sku: str, location: str = "A") -> dict[str, Any]:
    with served.api("WH", Role.ADMIN) as api:
        reply = api.get(f"/v1/positions/{location}/{sku}")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def sale_op_ids(served: Served) -> list[str]:
    with served.network.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT op_id FROM movements WHERE kind = 'sale' ORDER BY seq")
        ).scalars()
        return [str(op_id) for op_id in rows]


@pytest.fixture
def store(served: Served, tmp_path: Path) -> Iterator[tuple[StoreContext, ManualClock]]:
    clock = ManualClock(START)
    settings = StoreSettings(
        ledger_url=served.ledger.base_url,
        token=served.network.token("A", Role.ASSOCIATE),
        data_dir=tmp_path / "store-a",
        request_timeout_seconds=2.0,
        lookup_timeout_seconds=1.0,
    )
    engine = open_cache_engine(settings.cache_path)
    remember_location(engine, "A")
    engine.dispose()
    context = open_store(settings, now=clock.now)
    yield context, clock
    context.close()


def test_the_store_works_offline_and_catches_up_exactly_once(
    served: Served, store: tuple[StoreContext, ManualClock]
) -> None:
    context, clock = store
    with served.api("A") as api_a, served.api("B") as api_b:
        receive(api_a, "S1", "A", 5)
        receive(api_a, "S2", "A", 2)
        receive(api_b, "S1", "B", 4)
        gtin_s2 = api_a.get("/v1/items/S2").json()["gtins"][0]

    # Online: bootstrap, and one live lookup (its numbers are kept with their time).
    first = context.sync.sync_once()
    assert first.online, first
    assert first.bootstrapped
    live = context.lookup.item_view("S1")
    assert live is not None
    assert live.availability.live
    assert live.availability.fetched_at == START
    assert {loc.code: loc.available for loc in live.availability.locations}["B"] == 4
    online = context.status.status()
    assert online.online
    assert online.view_age == timedelta(0)

    # The ledger goes away.
    served.ledger.stop()
    assert not served.ledger.running
    clock.advance(timedelta(minutes=5))

    # Sales go on: more S2 than the record says there is (the units are in hand).
    made = [context.sales.record("S1", 1) for _ in range(3)]
    made += [context.sales.record("S2", 1) for _ in range(3)]
    refused = context.sync.sync_once()
    assert not refused.online
    assert "cannot reach the ledger" in (refused.error or "")
    assert refused.accepted == 0
    status = context.status.status()
    assert not status.online
    assert status.waiting == 6
    assert status.attention == 0
    assert status.view_age == timedelta(minutes=5)
    assert status.location_name == "Store A"

    # Looking items up works from the cache alone, and says how old its network view is.
    assert context.lookup.find("S1").found is Found.ITEM
    by_barcode = context.lookup.find(gtin_s2)
    assert by_barcode.found is Found.ITEM
    assert by_barcode.item is not None
    assert by_barcode.item.sku == "S2"
    assert context.lookup.find("item s2").found is Found.ITEM
    clock.advance(timedelta(minutes=25))
    offline_view = context.lookup.item_view("S1")
    assert offline_view is not None
    assert not offline_view.availability.live
    assert offline_view.availability.fetched_at == START  # 30 minutes old, and it says so
    assert offline_view.own.on_hand == 2
    assert offline_view.own.pending_delta == -3
    assert {loc.code: loc.available for loc in offline_view.availability.locations}["B"] == 4
    s2 = context.lookup.item_view("S2", live=False)
    assert s2 is not None
    assert s2.own.on_hand == -1
    later = context.status.status()
    assert later.view_age == timedelta(minutes=30)
    assert not later.online

    # One more sale, one more failed round: nothing is lost, each attempt is counted.
    made.append(context.sales.record("S1", 2))
    again = context.sync.sync_once()
    assert not again.online
    attempts = {entry.op_id: entry.attempts for entry in outbox.pending(context.engine, 100)}
    assert list(attempts) == [str(sale.op_id) for sale in made]
    assert attempts[str(made[0].op_id)] == 2
    assert attempts[str(made[-1].op_id)] == 1
    assert sale_op_ids(served) == []

    # The ledger comes back, on the same database and port.
    served.ledger.start()
    clock.advance(timedelta(minutes=1))
    back = context.sync.sync_once()

    assert back.online, back
    assert back.error is None
    assert back.accepted == 7
    assert back.refused == 0
    assert sale_op_ids(served) == [str(sale.op_id) for sale in made]
    s1 = ledger_position(served, "S1")
    s2_at_ledger = ledger_position(served, "S2")
    assert s1["on_hand"] == 5 - 3 - 2
    assert s2_at_ledger["on_hand"] == 2 - 3
    assert s2_at_ledger["suspect"]  # the record was wrong: a count is due
    assert outbox.pending(context.engine, 10) == []
    assert outbox.needing_attention(context.engine) == []
    status = context.status.status()
    assert status.online
    assert status.waiting == 0
    assert status.view_age == timedelta(0)
    fresh = context.lookup.item_view("S1")
    assert fresh is not None
    assert fresh.availability.live
    assert fresh.availability.fetched_at == clock.now()
    assert fresh.own.on_hand == 0
    assert fresh.own.pending_delta == 0
    view_s2 = context.lookup.item_view("S2", live=False)
    assert view_s2 is not None
    assert view_s2.own.on_hand == -1
    assert view_s2.own.suspect

    # Nothing is sent twice.
    quiet = context.sync.sync_once()
    assert quiet.online
    assert quiet.accepted == 0
    assert len(sale_op_ids(served)) == 7
    assert ledger_position(served, "S1")["on_hand"] == 0


def test_a_store_that_never_reached_the_ledger_says_so(
    served: Served, store: tuple[StoreContext, ManualClock]
) -> None:
    context, clock = store
    served.ledger.stop()
    sale = context.sales.record("S1", 1)

    report = context.sync.sync_once()

    assert not report.online
    assert report.error
    status = context.status.status()
    assert not status.online
    assert status.view_age is None  # never synced: no age to show
    assert status.last_contact is None
    assert status.waiting == 1
    assert context.lookup.find("S1").found is Found.NOT_FOUND  # no catalog yet

    served.ledger.start()
    clock.advance(timedelta(seconds=30))
    caught_up = context.sync.sync_once()
    assert caught_up.online, caught_up
    assert caught_up.bootstrapped
    assert caught_up.accepted == 1
    assert sale_op_ids(served) == [str(sale.op_id)]
    assert ledger_position(served, "S1")["on_hand"] == -1
    assert context.lookup.find("S1").found is Found.ITEM
    assert context.status.status().online
