"""A store bootstraps from the real ledger, sells at the counter and syncs the sale once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ordersync.contract import Role
from storeapp.context import StoreContext
from storeapp.services.lookup import Found
from tests.support.ledger_harness import Network
from tests.support.store import receive


def test_bootstrap_then_counter_sale_reaches_the_ledger_once(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 4)
    first = store.sync.sync_once()
    assert first.online
    assert first.bootstrapped
    assert first.pulled > 0

    result = store.lookup.find("S1")
    assert result.found is Found.ITEM
    view = store.lookup.item_view("S1")
    assert view is not None
    assert view.own.on_hand == 3
    by_code = {loc.code: loc for loc in view.availability.locations}
    assert view.availability.live
    assert by_code["B"].available == 4

    store.sales.record("S1", 1)
    assert store.status.status().waiting == 1
    assert store.lookup.item_view("S1", live=False).own.on_hand == 2  # type: ignore[union-attr]

    second = store.sync.sync_once()
    assert second.accepted == 1
    assert second.refused == 0
    position = ledger.get("/v1/positions/A/S1", headers=network.headers("A", Role.ASSOCIATE))
    assert position.json()["on_hand"] == 2
    assert store.status.status().waiting == 0
    assert store.lookup.item_view("S1", live=False).own.on_hand == 2  # type: ignore[union-attr]
    third = store.sync.sync_once()
    assert third.accepted == 0
    assert (
        ledger.get("/v1/positions/A/S1", headers=network.headers("A", Role.ASSOCIATE)).json()[
            "on_hand"
        ]
        == 2
    )
