"""Reading an order of another store: the refusal says whose order it is, not some other action's
words, and the stores that placed, serve or collect it (and admins) still read it; both backends.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX, Role, uuid7
from tests.support.ledger_harness import Network

PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


def _receive(api: TestClient, network: Network, location: str, sku: str, qty: int) -> None:
    reply = api.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        },
        headers=network.headers(location),
    )
    assert reply.status_code == 201, reply.text


def _store_order(api: TestClient, network: Network) -> dict[str, Any]:
    """An order placed in store A and served by A."""
    _receive(api, network, "A", "S1", 3)
    reply = api.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "store",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": PARIS,
        },
        headers=network.headers("A"),
    )
    assert reply.status_code == 201, reply.text
    order: dict[str, Any] = reply.json()
    assert {job["location"] for job in order["jobs"]} == {"A"}
    return order


def _forbidden(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code == 403, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    problem: dict[str, Any] = reply.json()
    assert problem["type"] == PROBLEM_TYPE_PREFIX + "forbidden"
    return problem


def test_another_stores_order_is_refused_with_whose_order_it_is(
    api: TestClient, network: Network
) -> None:
    order = _store_order(api, network)
    for role in (Role.ASSOCIATE, Role.MANAGER):
        problem = _forbidden(
            api.get(f"/v1/orders/{order['id']}", headers=network.headers("B", role))
        )
        assert problem["detail"] == (
            f"order {order['id']} belongs to another store: B did not place it, does not serve "
            "it and is not where it is collected"
        )
        assert problem["order_id"] == order["id"]
        assert problem["location"] == "B"
        assert "catalog" not in problem["detail"]
        assert "required_role" not in problem


def test_the_routing_of_another_stores_order_is_refused_with_the_same_words(
    api: TestClient, network: Network
) -> None:
    order = _store_order(api, network)
    problem = _forbidden(api.get(f"/v1/orders/{order['id']}/routing", headers=network.headers("B")))
    assert problem["detail"].startswith(f"order {order['id']} belongs to another store")


def test_the_store_of_the_order_and_an_admin_still_read_it(
    api: TestClient, network: Network
) -> None:
    order = _store_order(api, network)
    own = api.get(f"/v1/orders/{order['id']}", headers=network.headers("A"))
    assert own.status_code == 200, own.text
    admin = api.get(f"/v1/orders/{order['id']}", headers=network.headers("WH", Role.ADMIN))
    assert admin.status_code == 200, admin.text
    assert admin.json()["id"] == order["id"]
