"""The e-commerce platform's own role: it places and follows web orders and reads availability,
and nothing else: no shelf, no store order, no token, no report."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ordersync.contract import Role, uuid7
from tests.support.ledger_harness import Network
from tests.support.problems import assert_problem

LYON = {"latitude": 45.76, "longitude": 4.83}


def _order(channel: str) -> dict[str, Any]:
    return {
        "op_id": str(uuid7()),
        "channel": channel,
        "external_ref": "WEB-77",
        "lines": [{"sku": "S1", "qty": 1}],
        "customer": {"name": "Inès Roux", "email": "ines@example.org"},
        "delivery": {"kind": "home", "address": "3 quai Saint-Antoine, Lyon", **LYON},
    }


def _stock(api: TestClient, network: Network) -> None:
    reply = api.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": "S1", "location": "B", "qty": 2}],
        },
        headers=network.headers("B", Role.ASSOCIATE),
    )
    assert reply.status_code == 201, reply.text


def test_the_web_platform_places_a_web_order_and_follows_it_wherever_it_went(
    api: TestClient, network: Network
) -> None:
    _stock(api, network)
    web = network.headers("WH", Role.WEB)
    assert api.get("/v1/availability/skus/S1", headers=web).json()["total"]["available"] == 2

    placed = api.post("/v1/orders", json=_order("web"), headers=web)

    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert [job["location"] for job in order["jobs"]] == ["B"]
    followed = api.get(f"/v1/orders/{order['id']}", headers=web)
    assert followed.status_code == 200
    assert followed.json()["state"] == order["state"]
    assert api.get(f"/v1/orders/{order['id']}/routing", headers=web).status_code == 200


def test_the_web_platform_touches_no_shelf_and_manages_nothing(
    api: TestClient, network: Network
) -> None:
    web = network.headers("WH", Role.WEB)
    sale = {
        "op_id": str(uuid7()),
        "lines": [{"kind": "sale", "sku": "S1", "location": "WH", "qty": 1}],
    }
    for method, path, body in (
        ("POST", "/v1/movements", sale),
        ("GET", "/v1/tokens", None),
        ("GET", "/v1/audit", None),
    ):
        reply = api.request(method, path, json=body, headers=web)
        assert_problem(reply, 403)


def test_a_store_order_is_not_the_web_platforms_to_place_nor_an_associates_to_follow(
    api: TestClient, network: Network
) -> None:
    _stock(api, network)
    web = network.headers("WH", Role.WEB)
    assert_problem(api.post("/v1/orders", json=_order("store"), headers=web), 403)
    order = api.post("/v1/orders", json=_order("web"), headers=web).json()
    elsewhere = network.headers("A", Role.ASSOCIATE)
    assert_problem(api.get(f"/v1/orders/{order['id']}", headers=elsewhere), 403)
