"""Orders end to end in process: routing, the job's life, short picks and re-routing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ordersync.contract import Role, uuid7
from tests.support.ledger_harness import Network

LYON = {"latitude": 45.76, "longitude": 4.83}


def receive(api: TestClient, network: Network, location: str, sku: str, qty: int) -> None:
    reply = api.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        },
        headers=network.headers(location, Role.ASSOCIATE),
    )
    assert reply.status_code == 201, reply.text


def web_order(api: TestClient, network: Network, lines: list[dict[str, Any]]) -> Any:
    return api.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "web",
            "external_ref": "WEB-1",
            "lines": lines,
            "customer": {"name": "Camille Martin", "email": "camille@example.org"},
            "delivery": {"kind": "home", "address": "1 rue de la République, Lyon", **LYON},
        },
        headers=network.headers("WH", Role.ADMIN),
    )


def position(api: TestClient, network: Network, location: str, sku: str) -> Any:
    return api.get(
        f"/v1/positions/{location}/{sku}", headers=network.headers(location, Role.ASSOCIATE)
    ).json()


def move(api: TestClient, network: Network, job: dict[str, Any], to: str, **extra: Any) -> Any:
    return api.post(
        f"/v1/jobs/{job['id']}/transitions",
        json={"op_id": str(uuid7()), "to": to, **extra},
        headers=network.headers(job["location"], Role.ASSOCIATE),
    )


def test_a_web_order_is_routed_to_the_nearest_store_and_shipped_from_it(
    api: TestClient, network: Network
) -> None:
    receive(api, network, "A", "S1", 3)
    receive(api, network, "B", "S1", 3)
    placed = web_order(api, network, [{"sku": "S1", "qty": 1}])
    assert placed.status_code == 201, placed.text
    order = placed.json()
    [job] = order["jobs"]
    assert job["location"] == "B"
    explanation = order["routing"][0]["explanation"]
    losers = {c["location"]: c for c in explanation["candidates"] if not c["won"]}
    assert losers["A"]["reasons"][0]["code"] == "farther"
    assert losers["WH"]["reasons"][0]["code"] == "no_stock"
    assert position(api, network, "B", "S1")["reserved"] == 1

    assert move(api, network, job, "packed").status_code == 409
    for step, extra in (
        ("picking", {}),
        ("picked", {}),
        ("packed", {"parcels": 1, "weight_grams": 350}),
        ("shipped", {"tracking": "COLIS-123"}),
    ):
        reply = move(api, network, job, step, **extra)
        assert reply.status_code == 200, reply.text
        assert reply.json()["state"] == step
    after = position(api, network, "B", "S1")
    assert (after["on_hand"], after["reserved"]) == (2, 0)
    final = api.get(f"/v1/orders/{order['id']}", headers=network.headers("WH", Role.ADMIN)).json()
    assert final["state"] == "closed"
    assert final["lines"][0]["state"] == "shipped"


def test_a_short_pick_reroutes_the_line_and_flags_the_shelf(
    api: TestClient, network: Network
) -> None:
    receive(api, network, "A", "S1", 3)
    receive(api, network, "B", "S1", 3)
    order = web_order(api, network, [{"sku": "S1", "qty": 1}]).json()
    [job] = order["jobs"]
    assert job["location"] == "B"
    rejected = api.post(
        f"/v1/jobs/{job['id']}/lines/1/reject",
        json={"op_id": str(uuid7()), "reason": "not_found"},
        headers=network.headers("B", Role.ASSOCIATE),
    )
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert body["rerouted_to"] == "A"
    assert body["job"]["state"] == "rejected"
    shelf = position(api, network, "B", "S1")
    assert shelf["suspect"] is True
    assert shelf["reserved"] == 0
    assert position(api, network, "A", "S1")["reserved"] == 1
    tasks = api.get("/v1/count-tasks", headers=network.headers("B", Role.ASSOCIATE)).json()
    assert [(t["sku"], t["reason"]) for t in tasks] == [("S1", "short_pick")]
    routing = body["order"]["routing"]
    assert [r["trigger"] for r in routing] == ["order", "short_pick"]
    excluded = {c["location"]: c for c in routing[1]["explanation"]["candidates"]}
    assert excluded["B"]["reasons"][0]["code"] == "excluded"

    [new_job] = [j for j in body["order"]["jobs"] if j["location"] == "A"]
    again = api.post(
        f"/v1/jobs/{new_job['id']}/lines/1/reject",
        json={"op_id": str(uuid7()), "reason": "damaged"},
        headers=network.headers("A", Role.ASSOCIATE),
    ).json()
    assert again["rerouted_to"] is None
    assert again["order"]["lines"][0]["state"] == "unfulfillable"
    assert again["order"]["state"] == "follow_up"


def test_an_order_nobody_can_serve_is_refused_with_alternatives(
    api: TestClient, network: Network
) -> None:
    receive(api, network, "A", "S2", 2)
    refused = web_order(api, network, [{"sku": "S1", "qty": 1}])
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "urn:ordersync:problem:order-unfulfillable"
    assert problem["unserved"] == [{"line_no": 1, "sku": "S1", "qty": 1}]
    assert [s["sku"] for s in problem["alternatives"]["other_sizes"]] == ["S2"]


def test_a_store_token_cannot_move_another_stores_job(api: TestClient, network: Network) -> None:
    receive(api, network, "B", "S1", 3)
    [job] = web_order(api, network, [{"sku": "S1", "qty": 1}]).json()["jobs"]
    reply = api.post(
        f"/v1/jobs/{job['id']}/transitions",
        json={"op_id": str(uuid7()), "to": "picking"},
        headers=network.headers("A", Role.ASSOCIATE),
    )
    assert reply.status_code == 403


def test_a_parcel_sent_to_the_collection_store_is_handed_over_there(
    api: TestClient, network: Network
) -> None:
    receive(api, network, "A", "S1", 2)
    placed = api.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "store",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Léa Dubois", "phone": "06 12 34 56 78"},
            "delivery": {"kind": "collect", "collect_at": "B"},
        },
        headers=network.headers("B", Role.ASSOCIATE),
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    [shipping] = order["jobs"]
    assert (shipping["location"], shipping["kind"], shipping["destination"]) == ("A", "ship", "B")
    for step, extra in (
        ("picking", {}),
        ("picked", {}),
        ("packed", {"parcels": 1, "weight_grams": 200}),
        ("shipped", {"tracking": "NAVETTE-7"}),
    ):
        assert move(api, network, shipping, step, **extra).status_code == 200
    assert position(api, network, "A", "S1")["on_hand"] == 1
    in_transit = api.get(f"/v1/orders/{order['id']}", headers=network.headers("B")).json()
    assert in_transit["state"] == "open"
    assert in_transit["lines"][0]["state"] == "in_transit"
    [handover] = [j for j in in_transit["jobs"] if j["location"] == "B"]
    assert (handover["kind"], handover["state"]) == ("collect", "picked")
    feed = api.get("/v1/changes", headers=network.headers("B")).json()["changes"]
    assert handover["id"] in {c["job"]["id"] for c in feed if c["kind"] == "job"}

    assert move(api, network, handover, "ready").status_code == 200
    assert move(api, network, handover, "collected").status_code == 200
    done = api.get(f"/v1/orders/{order['id']}", headers=network.headers("B")).json()
    assert (done["state"], done["lines"][0]["state"]) == ("closed", "collected")
    assert api.get("/v1/positions/B/S1", headers=network.headers("B")).status_code == 404
