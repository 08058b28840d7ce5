"""The sync engine against the real ledger app in process, with store caches on real SQLite files.

Every test speaks HTTP (through the Starlette test transport) to a real ``ordersync`` app on a
fresh ledger database, and checks three things: what the store's cache holds, what the ledger
holds (through its API, and its movements table), and what the ``SyncReport`` said.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.contract import (
    MovementsOp,
    Operation,
    ReservationLineIn,
    ReserveOp,
    Role,
    SaleLine,
    uuid7,
)
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.feed_apply import reset_view
from storeapp.cache.state import CURSOR, LEDGER_ID, LOCATION, read_all_state, write_state
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store, remember_location
from storeapp.services.lookup import Found
from storeapp.sync.engine import SyncReport
from tests.support.ledger_api import ledger_settings
from tests.support.ledger_harness import Network, SqliteDatabases, seed_network
from tests.support.store import receive

VIEW_TABLES = ("items", "barcodes", "locations", "positions", "network_totals")


# --- helpers ---------------------------------------------------------------------------------


class RecordingTransport(httpx.BaseTransport):
    """The ledger's in-process transport, keeping a copy of every request the store sent."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self._inner.handle_request(request)

    def pushes(self) -> list[list[dict[str, Any]]]:
        """The ``ops`` of every POST /v1/ops, in the order sent."""
        return [
            json.loads(r.content)["ops"]
            for r in self.requests
            if r.method == "POST" and r.url.path == "/v1/ops"
        ]

    def feed_requests(self) -> list[tuple[int, int]]:
        """(since, limit) of every GET /v1/changes, in the order sent."""
        return [
            (int(r.url.params["since"]), int(r.url.params["limit"]))
            for r in self.requests
            if r.method == "GET" and r.url.path == "/v1/changes"
        ]

    def clear(self) -> None:
        self.requests.clear()


def open_store_at(
    ledger: TestClient,
    network: Network,
    data_dir: Path,
    clock: ManualClock,
    location: str = "A",
    *,
    transport: httpx.BaseTransport | None = None,
    push_batch_size: int = 200,
    feed_page_size: int = 5000,
) -> StoreContext:
    settings = StoreSettings(
        ledger_url="http://testserver",
        token=network.token(location, Role.ASSOCIATE),
        data_dir=data_dir,
        push_batch_size=push_batch_size,
        feed_page_size=feed_page_size,
    )
    engine = open_cache_engine(settings.cache_path)
    remember_location(engine, location)
    engine.dispose()
    return open_store(settings, now=clock.now, transport=transport or ledger._transport)


@pytest.fixture
def stores(ledger: TestClient) -> Iterator[list[StoreContext]]:
    """Extra store contexts opened by a test; all closed at teardown (before the ledger)."""
    opened: list[StoreContext] = []
    yield opened
    for context in opened:
        context.close()


def ledger_position(
    ledger: TestClient, network: Network, location: str, sku: str
) -> dict[str, Any]:
    reply = ledger.get(f"/v1/positions/{location}/{sku}", headers=network.headers("WH", Role.ADMIN))
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def ledger_total(ledger: TestClient, network: Network, sku: str) -> dict[str, Any]:
    reply = ledger.get(f"/v1/availability/skus/{sku}", headers=network.headers("WH", Role.ADMIN))
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()["total"]
    return body


def ledger_head(ledger: TestClient) -> tuple[str, int]:
    health = ledger.get("/v1/health").json()
    return str(health["ledger_id"]), int(health["head"])


def sale_movements(network: Network, location: str) -> list[tuple[str, str, int]]:
    """(op_id, sku, units sold) of every sale movement at ``location``, in ledger order."""
    with network.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT op_id, sku, qty FROM movements WHERE kind = 'sale' AND location = :loc "
                "ORDER BY seq"
            ),
            {"loc": location},
        ).all()
    return [(str(op_id), str(sku), -int(qty)) for op_id, sku, qty in rows]


def view_of(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the cache's ledger view, sorted: to compare two caches."""
    with engine.connect() as connection:
        return {
            table: sorted(tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}")))
            for table in VIEW_TABLES
        }


def cached_positions(engine: Engine) -> dict[tuple[str, str], int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sku, location, on_hand FROM positions")).all()
    return {(str(sku), str(loc)): int(on_hand) for sku, loc, on_hand in rows}


def cached_totals(engine: Engine) -> dict[str, tuple[int, int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sku, on_hand, reserved, available FROM network_totals")
        ).all()
    return {str(row[0]): (int(row[1]), int(row[2]), int(row[3])) for row in rows}


def enqueue_op(
    store: StoreContext, operation: Operation, summary: str, effects: list[outbox.Effect]
) -> int:
    with store.engine.begin() as connection:
        return outbox.enqueue(connection, operation, summary, effects, store.now(), person=None)


def over_reservation(location: str, sku: str, qty: int) -> ReserveOp:
    return ReserveOp(
        op="reserve",
        op_id=uuid7(),
        lines=[ReservationLineIn(sku=sku, location=location, qty=qty)],
    )


def sale_op(location: str, sku: str, qty: int, clock: ManualClock) -> MovementsOp:
    return MovementsOp(
        op="movements",
        op_id=uuid7(),
        lines=[SaleLine(kind="sale", sku=sku, location=location, qty=qty)],
        occurred_at=clock.now(),
    )


def shown_on_hand(store: StoreContext, sku: str) -> int:
    view = store.lookup.item_view(sku, live=False)
    assert view is not None, f"{sku} is not in the cache"
    return view.own.on_hand


def pending_op_ids(store: StoreContext) -> list[str]:
    return [entry.op_id for entry in outbox.pending(store.engine, 10_000)]


def assert_cache_agrees_with_ledger(
    store: StoreContext, ledger: TestClient, network: Network, skus: list[str]
) -> None:
    """Own positions and network totals of the cache are the ledger's, and nothing waits."""
    status = store.status.status()
    assert status.waiting == 0
    location = store.location
    positions = cached_positions(store.engine)
    assert {loc for _sku, loc in positions} <= {location}, "another store's position leaked in"
    totals = cached_totals(store.engine)
    for sku in skus:
        truth = ledger.get(
            f"/v1/positions/{location}/{sku}", headers=network.headers("WH", Role.ADMIN)
        )
        if truth.status_code == 404:
            assert (sku, location) not in positions
        else:
            assert truth.status_code == 200, truth.text
            assert positions[(sku, location)] == truth.json()["on_hand"], sku
            assert shown_on_hand(store, sku) == truth.json()["on_hand"], sku
        total = ledger_total(ledger, network, sku)
        if total["on_hand"] or total["reserved"] or sku in totals:
            assert totals[sku] == (total["on_hand"], total["reserved"], total["available"]), sku
    ledger_id, head = ledger_head(ledger)
    state = read_all_state(store.engine)
    assert state[LEDGER_ID] == ledger_id
    assert int(state[CURSOR]) == head


# --- bootstrap and incremental pulls ---------------------------------------------------------


def test_bootstrap_fills_catalog_locations_own_positions_and_network_totals(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 4)
    receive(ledger, network, "S2", "B", 5)
    receive(ledger, network, "S3", "WH", 6)

    report = store.sync.sync_once()

    assert report.online
    assert report.error is None
    assert report.bootstrapped
    assert (report.accepted, report.refused) == (0, 0)
    # 3 locations, 3 items, A's one position, 3 network totals; B's positions are not A's business.
    assert report.pulled == 10
    with store.engine.connect() as connection:
        items = connection.execute(text("SELECT sku, reference, name FROM items")).all()
        locations = connection.execute(text("SELECT code, kind, name FROM locations")).all()
        barcodes = connection.execute(text("SELECT sku FROM barcodes")).scalars().all()
    assert sorted(items) == [
        ("S1", "REF-1", "Item S1"),
        ("S2", "REF-1", "Item S2"),
        ("S3", "REF-2", "Item S3"),
    ]
    assert sorted(locations) == [
        ("A", "store", "Store A"),
        ("B", "store", "Store B"),
        ("WH", "warehouse", "Store WH"),
    ]
    assert sorted(barcodes) == ["S1", "S2", "S3"]
    assert cached_positions(store.engine) == {("S1", "A"): 3}
    assert cached_totals(store.engine) == {"S1": (7, 0, 7), "S2": (5, 0, 5), "S3": (6, 0, 6)}

    ledger_id, head = ledger_head(ledger)
    state = read_all_state(store.engine)
    assert (state[LEDGER_ID], int(state[CURSOR]), state[LOCATION]) == (ledger_id, head, "A")

    # The catalog answers from the cache alone.
    item = store.lookup.find("S2").item
    assert item is not None
    gtin = ledger.get("/v1/items/S2", headers=network.headers()).json()["gtins"][0]
    by_barcode = store.lookup.find(gtin)
    assert by_barcode.found is Found.ITEM
    assert by_barcode.item == item
    assert store.lookup.find("REF-1").found is Found.MATCHES
    status = store.status.status()
    assert status.online
    assert status.location_name == "Store A"
    assert (status.waiting, status.attention) == (0, 0)


def test_incremental_pull_asks_from_the_cursor_and_brings_only_new_changes(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    stores: list[StoreContext],
) -> None:
    receive(ledger, network, "S1", "A", 3)
    recorder = RecordingTransport(ledger._transport)
    store = open_store_at(ledger, network, tmp_path / "a", clock, transport=recorder)
    stores.append(store)
    assert store.sync.sync_once().bootstrapped
    _, head_after_bootstrap = ledger_head(ledger)

    receive(ledger, network, "S1", "A", 2)  # A's position and the network total change
    receive(ledger, network, "S3", "B", 1)  # only the network total matters to A
    recorder.clear()
    second = store.sync.sync_once()

    assert second.online
    assert not second.bootstrapped
    assert second.pulled == 3  # position S1@A, total S1, total S3
    assert recorder.feed_requests() == [(head_after_bootstrap, 5000)]
    assert recorder.pushes() == []  # nothing waiting: no push request at all
    assert cached_positions(store.engine) == {("S1", "A"): 5}
    assert cached_totals(store.engine)["S3"] == (1, 0, 1)
    assert_cache_agrees_with_ledger(store, ledger, network, ["S1", "S2", "S3"])

    recorder.clear()
    third = store.sync.sync_once()
    assert third.online
    assert third.pulled == 0
    assert not third.bootstrapped
    _, head = ledger_head(ledger)
    assert recorder.feed_requests() == [(head, 5000)]


def test_feed_is_read_in_small_pages_and_gives_the_same_cache(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    stores: list[StoreContext],
) -> None:
    for sku, qty in (("S1", 3), ("S2", 4), ("S3", 5)):
        receive(ledger, network, sku, "A", qty)
        receive(ledger, network, sku, "B", qty + 1)
    recorder = RecordingTransport(ledger._transport)
    paged = open_store_at(
        ledger, network, tmp_path / "paged", clock, transport=recorder, feed_page_size=2
    )
    whole = open_store_at(ledger, network, tmp_path / "whole", clock)
    stores.extend([paged, whole])

    report = paged.sync.sync_once()
    assert whole.sync.sync_once().pulled == report.pulled

    # 3 locations + 3 items + 3 own positions + 3 totals, two per page.
    assert report.online
    assert report.bootstrapped
    assert report.pulled == 12
    requests = recorder.feed_requests()
    assert len(requests) == 6
    assert all(limit == 2 for _since, limit in requests)
    sinces = [since for since, _limit in requests]
    assert sinces[0] == 0
    assert sinces == sorted(sinces)
    assert len(set(sinces)) == len(sinces)
    assert view_of(paged.engine) == view_of(whole.engine)
    assert_cache_agrees_with_ledger(paged, ledger, network, ["S1", "S2", "S3"])

    # Later changes also come in pages, from where the cursor stopped.
    for sku in ("S1", "S2", "S3"):
        receive(ledger, network, sku, "A", 1)
    recorder.clear()
    later = paged.sync.sync_once()
    assert later.pulled == 6
    assert not later.bootstrapped
    assert len(recorder.feed_requests()) == 3
    whole.sync.sync_once()
    assert view_of(paged.engine) == view_of(whole.engine)


# --- pushing the outbox ----------------------------------------------------------------------


def test_outbox_is_pushed_in_order_and_in_batches(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    stores: list[StoreContext],
) -> None:
    receive(ledger, network, "S1", "A", 10)
    receive(ledger, network, "S2", "A", 10)
    recorder = RecordingTransport(ledger._transport)
    store = open_store_at(
        ledger, network, tmp_path / "a", clock, transport=recorder, push_batch_size=2
    )
    stores.append(store)
    store.sync.sync_once()

    sales = [
        store.sales.record(sku, qty)
        for sku, qty in (("S1", 1), ("S2", 2), ("S1", 3), ("S2", 1), ("S1", 1))
    ]
    assert store.status.status().waiting == 5
    assert shown_on_hand(store, "S1") == 5
    assert shown_on_hand(store, "S2") == 7
    recorder.clear()

    report = store.sync.sync_once()

    assert report.online
    assert (report.accepted, report.refused) == (5, 0)
    pushes = recorder.pushes()
    assert [len(batch) for batch in pushes] == [2, 2, 1]
    sent = [op["op_id"] for batch in pushes for op in batch]
    assert sent == [str(sale.op_id) for sale in sales]
    assert sale_movements(network, "A") == [(str(s.op_id), s.sku, s.qty) for s in sales]
    assert ledger_position(ledger, network, "A", "S1")["on_hand"] == 5
    assert ledger_position(ledger, network, "A", "S2")["on_hand"] == 7
    assert pending_op_ids(store) == []
    assert_cache_agrees_with_ledger(store, ledger, network, ["S1", "S2", "S3"])

    # Sent once: another round sends nothing and changes nothing.
    recorder.clear()
    again = store.sync.sync_once()
    assert again.accepted == 0
    assert recorder.pushes() == []
    assert len(sale_movements(network, "A")) == 5


@pytest.mark.parametrize("push_batch_size", [1, 2, 200])
def test_a_refused_operation_goes_to_attention_and_never_blocks_the_queue(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    stores: list[StoreContext],
    push_batch_size: int,
) -> None:
    receive(ledger, network, "S1", "A", 5)
    receive(ledger, network, "S1", "B", 5)
    store = open_store_at(ledger, network, tmp_path / "a", clock, push_batch_size=push_batch_size)
    stores.append(store)
    store.sync.sync_once()

    first = store.sales.record("S1", 1)
    too_many = over_reservation("A", "S1", 50)
    enqueue_op(store, too_many, "reserve 50 x S1", [])
    elsewhere = sale_op("B", "S1", 1, clock)
    enqueue_op(store, elsewhere, "sale 1 x S1 at B", [outbox.Effect("S1", "B", -1)])
    second = store.sales.record("S1", 2)
    third = store.sales.record("S1", 1)

    report = store.sync.sync_once()

    assert report.online
    assert report.error is None
    assert (report.accepted, report.refused) == (3, 2)
    assert report.refusals == ["reserve 50 x S1", "sale 1 x S1 at B"]
    attention = outbox.needing_attention(store.engine)
    assert [entry.op_id for entry in attention] == [str(too_many.op_id), str(elsewhere.op_id)]
    refused_reservation, refused_sale = attention
    assert refused_reservation.problem is not None
    assert refused_sale.problem is not None
    assert refused_reservation.problem["status"] == 409
    assert refused_reservation.problem["type"] == "urn:ordersync:problem:insufficient-stock"
    assert refused_sale.problem["status"] == 403
    assert refused_sale.problem["type"] == "urn:ordersync:problem:forbidden"
    # The entries after the refusals reached the ledger, in order, once.
    assert sale_movements(network, "A") == [
        (str(first.op_id), "S1", 1),
        (str(second.op_id), "S1", 2),
        (str(third.op_id), "S1", 1),
    ]
    assert sale_movements(network, "B") == []
    assert ledger_position(ledger, network, "A", "S1")["on_hand"] == 1
    assert ledger_position(ledger, network, "A", "S1")["reserved"] == 0
    assert ledger_position(ledger, network, "B", "S1")["on_hand"] == 5
    # A refused entry's local effect is taken back; the store's numbers are the ledger's.
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM outbox_effects")).scalar_one() == 0
    status = store.status.status()
    assert (status.waiting, status.attention) == (0, 2)
    assert_cache_agrees_with_ledger(store, ledger, network, ["S1"])

    # Refused entries are never sent again; dismissing one keeps it on record.
    assert store.sync.sync_once().refused == 0
    assert outbox.dismiss(store.engine, refused_sale.id, clock.now())
    assert store.status.status().attention == 1
    assert len(outbox.needing_attention(store.engine, include_resolved=True)) == 2


# --- the local effect of unsent operations ---------------------------------------------------


def test_downloaded_data_never_overwrites_the_effect_of_unsent_sales(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 5)
    store.sync.sync_once()
    store.sales.record("S1", 1)
    store.sales.record("S1", 1)
    assert shown_on_hand(store, "S1") == 3

    # While the sales wait, the ledger moves on (a delivery at A) and the store pulls the feed
    # without pushing (as when the push cannot get through).
    receive(ledger, network, "S1", "A", 4)
    report = SyncReport()
    store.sync.pull(report)

    assert report.pulled > 0
    assert cached_positions(store.engine) == {("S1", "A"): 9}  # the ledger's own number
    view = store.lookup.item_view("S1", live=False)
    assert view is not None
    assert view.own.on_hand == 7
    assert view.own.pending_delta == -2
    assert view.availability.network_available == 7
    # A live lookup brings the ledger's numbers for other places; this store's own line still
    # counts the unsent sales.
    live = store.lookup.availability("S1", live=True)
    assert live.live
    here = next(loc for loc in live.locations if loc.is_here)
    assert here.on_hand == 7
    assert live.network_available == 7
    assert store.status.status().waiting == 2

    drained = store.sync.sync_once()
    assert (drained.accepted, drained.refused) == (2, 0)
    assert ledger_position(ledger, network, "A", "S1")["on_hand"] == 7
    assert shown_on_hand(store, "S1") == 7
    assert_cache_agrees_with_ledger(store, ledger, network, ["S1"])


# --- full re-bootstrap -----------------------------------------------------------------------


def _ask_for_reset(engine: Engine) -> None:
    with engine.begin() as connection:  # a cursor ahead of the ledger: restored from a backup
        write_state(connection, CURSOR, str(10**12))


def _pretend_other_ledger(engine: Engine) -> None:
    with engine.begin() as connection:
        write_state(connection, LEDGER_ID, "a-ledger-that-is-gone")


@pytest.mark.parametrize(
    "trigger",
    [
        pytest.param(_ask_for_reset, id="ledger-asks-for-reset"),
        pytest.param(_pretend_other_ledger, id="new-ledger-id"),
        pytest.param(reset_view, id="view-wiped"),
    ],
)
def test_full_rebootstrap_keeps_the_outbox(
    ledger: TestClient, network: Network, store: StoreContext, trigger: Any
) -> None:
    receive(ledger, network, "S1", "A", 5)
    receive(ledger, network, "S2", "B", 2)
    store.sync.sync_once()
    sales = [store.sales.record("S1", 1), store.sales.record("S1", 2)]
    with store.engine.begin() as connection:  # something the ledger does not know any more
        connection.execute(
            text(
                "INSERT INTO items (sku, reference, name, size, colour, price_minor, currency, "
                "search_text) VALUES ('GHOST', 'REF-X', 'Ghost', 'M', 'red', 1, 'EUR', 'ghost')"
            )
        )
    receive(ledger, network, "S1", "A", 1)

    trigger(store.engine)
    report = SyncReport()
    store.sync.pull(report)

    assert report.bootstrapped
    assert report.pulled == 9
    assert pending_op_ids(store) == [str(sale.op_id) for sale in sales]
    assert store.lookup.find("GHOST").found is Found.NOT_FOUND
    assert cached_positions(store.engine) == {("S1", "A"): 6}
    assert cached_totals(store.engine)["S2"] == (2, 0, 2)
    assert shown_on_hand(store, "S1") == 3  # 6 at the ledger, 3 sold here and not yet sent
    ledger_id, head = ledger_head(ledger)
    state = read_all_state(store.engine)
    assert (state[LEDGER_ID], int(state[CURSOR])) == (ledger_id, head)

    drained = store.sync.sync_once()
    assert (drained.accepted, drained.refused) == (2, 0)
    assert not drained.bootstrapped
    assert [op_id for op_id, _sku, _qty in sale_movements(network, "A")] == [
        str(sale.op_id) for sale in sales
    ]
    assert_cache_agrees_with_ledger(store, ledger, network, ["S1", "S2", "S3"])


def test_a_store_moved_to_a_new_ledger_sends_its_outbox_there_and_bootstraps_again(
    ledger: TestClient,
    network: Network,
    sqlite_databases: SqliteDatabases,
    tmp_path: Path,
    clock: ManualClock,
    stores: list[StoreContext],
) -> None:
    receive(ledger, network, "S1", "A", 5)
    old = open_store_at(ledger, network, tmp_path / "a", clock)
    old.sync.sync_once()
    sales = [old.sales.record("S1", 1), old.sales.record("S2", 1)]
    old.close()

    url = sqlite_databases.fresh()
    replacement = seed_network(url, clock)
    # Test databases are copies of one migrated template, so they share its ledger id; a real
    # new ledger gets its own at migration.
    with replacement.engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_meta SET value = :id WHERE key = 'ledger_id'"), {"id": str(uuid7())}
        )
    try:
        with TestClient(
            create_app(ledger_settings(url), clock=clock), raise_server_exceptions=False
        ) as new_ledger:
            receive(new_ledger, replacement, "S1", "A", 8)
            moved = open_store_at(new_ledger, replacement, tmp_path / "a", clock)
            stores.append(moved)
            assert pending_op_ids(moved) == [str(sale.op_id) for sale in sales]

            report = moved.sync.sync_once()

            assert report.online
            assert report.bootstrapped
            assert (report.accepted, report.refused) == (2, 0)
            assert [op for op, _sku, _qty in sale_movements(replacement, "A")] == [
                str(sale.op_id) for sale in sales
            ]
            assert sale_movements(network, "A") == []  # the old ledger never saw them
            assert ledger_position(new_ledger, replacement, "A", "S1")["on_hand"] == 7
            assert ledger_position(new_ledger, replacement, "A", "S2")["on_hand"] == -1
            assert_cache_agrees_with_ledger(moved, new_ledger, replacement, ["S1", "S2", "S3"])
    finally:
        replacement.engine.dispose()
        sqlite_databases.drop(url)


# --- several stores --------------------------------------------------------------------------


def test_two_stores_keep_independent_caches(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    stores: list[StoreContext],
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 4)
    store_a = open_store_at(ledger, network, tmp_path / "a", clock, "A")
    store_b = open_store_at(ledger, network, tmp_path / "b", clock, "B")
    stores.extend([store_a, store_b])
    store_a.sync.sync_once()
    store_b.sync.sync_once()
    assert cached_positions(store_a.engine) == {("S1", "A"): 3}
    assert cached_positions(store_b.engine) == {("S1", "B"): 4}

    sale_a = store_a.sales.record("S1", 1)
    sale_b = store_b.sales.record("S1", 2)
    assert store_a.sync.sync_once().accepted == 1

    # A's sync sent A's sale only: B's stays in B's outbox, B's cache did not move.
    assert pending_op_ids(store_a) == []
    assert pending_op_ids(store_b) == [str(sale_b.op_id)]
    assert sale_movements(network, "A") == [(str(sale_a.op_id), "S1", 1)]
    assert sale_movements(network, "B") == []
    assert shown_on_hand(store_a, "S1") == 2
    assert shown_on_hand(store_b, "S1") == 2
    assert cached_positions(store_b.engine) == {("S1", "B"): 4}
    assert cached_totals(store_a.engine)["S1"] == (6, 0, 6)
    assert cached_totals(store_b.engine)["S1"] == (7, 0, 7)

    assert store_b.sync.sync_once().accepted == 1
    store_a.sync.sync_once()
    for store in (store_a, store_b):
        assert cached_totals(store.engine)["S1"] == (4, 0, 4)
        assert_cache_agrees_with_ledger(store, ledger, network, ["S1", "S2", "S3"])
    assert sale_movements(network, "B") == [(str(sale_b.op_id), "S1", 2)]


def test_caches_agree_with_the_ledger_after_a_busy_day(
    ledger: TestClient,
    network: Network,
    tmp_path: Path,
    clock: ManualClock,
    stores: list[StoreContext],
) -> None:
    """Receipts at the ledger, sales at two stores, syncs in between, small pages and batches."""
    rng = random.Random(20260302)
    skus = ["S1", "S2", "S3"]
    store_a = open_store_at(
        ledger, network, tmp_path / "a", clock, "A", push_batch_size=3, feed_page_size=4
    )
    store_b = open_store_at(
        ledger, network, tmp_path / "b", clock, "B", push_batch_size=2, feed_page_size=3
    )
    stores.extend([store_a, store_b])
    by_store = {"A": store_a, "B": store_b}
    sold = {(sku, code): 0 for sku in skus for code in by_store}
    received = {(sku, code): 0 for sku in skus for code in ("A", "B", "WH")}
    for _step in range(120):
        action = rng.random()
        if action < 0.2:
            sku, code, qty = rng.choice(skus), rng.choice(["A", "B", "WH"]), rng.randint(1, 5)
            receive(ledger, network, sku, code, qty)
            received[(sku, code)] += qty
        elif action < 0.8:
            code, sku, qty = rng.choice(["A", "B"]), rng.choice(skus), rng.randint(1, 2)
            by_store[code].sales.record(sku, qty)
            sold[(sku, code)] += qty
        else:
            report = by_store[rng.choice(["A", "B"])].sync.sync_once()
            assert report.online, report
            assert report.refused == 0, report
    for store in (store_a, store_b, store_a):
        report = store.sync.sync_once()
        assert report.online
        assert report.refused == 0
    for store in (store_a, store_b):
        assert outbox.needing_attention(store.engine) == []
        assert_cache_agrees_with_ledger(store, ledger, network, skus)
    for (sku, code), units in sold.items():
        expected = received[(sku, code)] - units
        reply = ledger.get(f"/v1/positions/{code}/{sku}", headers=network.headers("WH", Role.ADMIN))
        actual = reply.json()["on_hand"] if reply.status_code == 200 else 0
        assert actual == expected, (sku, code)
    for code in ("A", "B"):
        assert sum(qty for _op, _sku, qty in sale_movements(network, code)) == sum(
            units for (_sku, where), units in sold.items() if where == code
        )
