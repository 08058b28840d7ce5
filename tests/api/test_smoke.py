"""The ledger API's main paths, end to end in process, on every backend."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ordersync.contract import Role, uuid7
from tests.support.ledger_harness import Network


def test_receipt_then_sale_updates_position_and_feed(api: TestClient, network: Network) -> None:
    headers = network.headers("A")
    reply = api.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": "S1", "location": "A", "qty": 5}],
        },
        headers=headers,
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["positions"][0]["on_hand"] == 5
    sale = api.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "sale", "sku": "S1", "location": "A", "qty": 7}],
        },
        headers=headers,
    )
    assert sale.status_code == 201, sale.text
    body = sale.json()
    assert body["positions"][0]["on_hand"] == -2
    assert body["suspect"][0]["sku"] == "S1"
    feed = api.get("/v1/changes", params={"since": 0}, headers=headers).json()
    kinds = {change["kind"] for change in feed["changes"]}
    assert {"item", "location", "position", "network"} <= kinds
    positions = [c["position"] for c in feed["changes"] if c["kind"] == "position"]
    assert positions == [p for p in positions if p["location"] == "A"]
    assert positions[-1]["on_hand"] == -2


def test_reservation_refused_beyond_available(api: TestClient, network: Network) -> None:
    headers = network.headers("A")
    api.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": "S1", "location": "A", "qty": 2}],
        },
        headers=headers,
    )
    ok = api.post(
        "/v1/reservations",
        json={"op_id": str(uuid7()), "lines": [{"sku": "S1", "location": "A", "qty": 2}]},
        headers=headers,
    )
    assert ok.status_code == 201, ok.text
    refused = api.post(
        "/v1/reservations",
        json={"op_id": str(uuid7()), "lines": [{"sku": "S1", "location": "A", "qty": 1}]},
        headers=headers,
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "urn:ordersync:problem:insufficient-stock"
    assert (problem["requested"], problem["available"]) == (1, 0)
    assert network.headers("A", Role.MANAGER)
