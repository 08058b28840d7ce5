"""Drop-ship through the API, on each backend: suppliers are locations of kind ``supplier`` with a
lead time, their stock is stated by their own token, a rule that names their kind may route a
line to one (promised after its lead time), and the supplier works its own jobs only: it
acknowledges, ships (shipment movements at its location) or rejects a line, which is routed
again. The default policy never sends a line to a supplier."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.config import LedgerSettings
from ordersync.contract import LocationKind, Role, uuid7
from tests.support.ledger_harness import START, Network, location
from tests.support.problems import assert_problem

POLICY = """
[[rule_sets]]
name = "drop-ship"
[rule_sets.when]
references = ["REF-2"]

[[rule_sets.rules]]
name = "shelves"

[[rule_sets.rules]]
name = "suppliers"
kinds = ["supplier"]
sort = ["cost", "distance"]
"""
"""Orders of REF-2 (S3) go to a store or warehouse shelf first, then to the cheapest supplier;
orders of anything else are routed by the default rule set."""

PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}
LEAD_DAYS = 3
NEAR_DAYS = 1
"""The packaged policy's shipping days within ``near_km`` of the customer."""


@pytest.fixture
def client(network: Network, clock: ManualClock, tmp_path: Path) -> Iterator[TestClient]:
    policy = tmp_path / "routing.toml"
    policy.write_text(POLICY)
    settings = LedgerSettings(
        database_url=network.url,
        token_cache_seconds=0,
        expiry_sweep_seconds=3600,
        reservation_ttl_seconds=600,
        routing_policy=policy,
    )
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        _suppliers(client, network)
        yield client


def _admin(network: Network) -> dict[str, str]:
    return network.headers("WH", Role.ADMIN)


def _supplier(network: Network, code: str = "DS1") -> dict[str, str]:
    return network.headers(code, Role.SUPPLIER)


def _suppliers(client: TestClient, network: Network) -> None:
    """DS1 ships after 3 days at 200 a parcel; DS2 after 5 days at 900."""
    suppliers = [
        location(
            "DS1",
            kind=LocationKind.SUPPLIER,
            name="Lise Charmel",
            lead_time_days=LEAD_DAYS,
            ship_cost_minor=200,
        ),
        location(
            "DS2", kind=LocationKind.SUPPLIER, name="Aubade", lead_time_days=5, ship_cost_minor=900
        ),
    ]
    reply = client.put(
        "/v1/locations",
        json={"locations": [loc.model_dump(mode="json") for loc in suppliers]},
        headers=_admin(network),
    )
    assert reply.status_code == 200, reply.text


def _state_stock(
    client: TestClient,
    headers: dict[str, str],
    code: str,
    counts: dict[str, int],
    *,
    complete: bool = False,
) -> httpx.Response:
    return client.put(
        f"/v1/suppliers/{code}/stock",
        json={
            "op_id": str(uuid7()),
            "lines": [{"sku": sku, "on_hand": n} for sku, n in counts.items()],
            "complete": complete,
        },
        headers=headers,
    )


def _stocked(client: TestClient, network: Network, code: str, counts: dict[str, int]) -> None:
    reply = _state_stock(client, _supplier(network, code), code, counts)
    assert reply.status_code == 200, reply.text


def _position(client: TestClient, network: Network, code: str, sku: str) -> dict[str, Any]:
    reply = client.get(f"/v1/positions/{code}/{sku}", headers=_admin(network))
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _place(client: TestClient, network: Network, sku: str) -> httpx.Response:
    return client.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "web",
            "lines": [{"sku": sku, "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": PARIS,
        },
        headers=_admin(network),
    )


def _order(client: TestClient, network: Network, sku: str) -> dict[str, Any]:
    reply = _place(client, network, sku)
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _job_at(order: dict[str, Any], code: str) -> dict[str, Any]:
    jobs = [job for job in order["jobs"] if job["location"] == code]
    assert len(jobs) == 1, order["jobs"]
    found: dict[str, Any] = jobs[0]
    return found


def _move(
    client: TestClient, headers: dict[str, str], job: dict[str, Any], to: str, **extra: Any
) -> httpx.Response:
    return client.post(
        f"/v1/jobs/{job['id']}/transitions",
        json={"op_id": str(uuid7()), "to": to, **extra},
        headers=headers,
    )


def _movements(network: Network, code: str, sku: str) -> list[tuple[str, int]]:
    with network.engine.connect() as connection:
        return [
            (str(kind), int(qty))
            for kind, qty in connection.execute(
                text(
                    "SELECT kind, qty FROM movements WHERE location = :code AND sku = :sku "
                    "ORDER BY seq"
                ),
                {"code": code, "sku": sku},
            )
        ]


def test_a_supplier_is_a_location_with_a_lead_time(client: TestClient, network: Network) -> None:
    listed = {
        loc["code"]: loc for loc in client.get("/v1/locations", headers=_admin(network)).json()
    }
    assert (listed["DS1"]["kind"], listed["DS1"]["lead_time_days"]) == ("supplier", LEAD_DAYS)
    assert listed["A"]["lead_time_days"] is None

    store_with_lead_time = {**location("B").model_dump(mode="json"), "lead_time_days": 2}
    reply = client.put(
        "/v1/locations", json={"locations": [store_with_lead_time]}, headers=_admin(network)
    )

    assert_problem(reply, 422, "validation")


def test_the_supplier_states_its_stock_as_reconciliation_movements(
    client: TestClient, network: Network
) -> None:
    _stocked(client, network, "DS1", {"S3": 5, "S2": 4})
    assert _position(client, network, "DS1", "S3")["on_hand"] == 5

    reply = _state_stock(client, _supplier(network), "DS1", {"S3": 7}, complete=True)

    assert reply.status_code == 200, reply.text
    assert reply.json() == {"location": "DS1", "lines": 2, "changed": 2}
    assert _position(client, network, "DS1", "S3")["on_hand"] == 7
    assert _position(client, network, "DS1", "S2")["on_hand"] == 0
    assert _movements(network, "DS1", "S3") == [("reconciliation", 5), ("reconciliation", 2)]
    assert _movements(network, "DS1", "S2") == [("reconciliation", 4), ("reconciliation", -4)]


def test_stock_is_stated_only_for_a_supplier_by_itself_or_an_admin(
    client: TestClient, network: Network
) -> None:
    own = _state_stock(client, _supplier(network, "DS2"), "DS1", {"S3": 1})
    store = _state_stock(client, network.headers("A", Role.MANAGER), "DS1", {"S3": 1})
    not_a_supplier = _state_stock(client, _admin(network), "A", {"S3": 1})
    unknown_sku = _state_stock(client, _supplier(network), "DS1", {"NOPE": 1})
    by_admin = _state_stock(client, _admin(network), "DS1", {"S3": 2})

    assert_problem(own, 403, "forbidden")
    assert_problem(store, 403, "forbidden")
    assert_problem(not_a_supplier, 422, "invalid-request")
    assert_problem(unknown_sku, 422, "unknown-sku")
    assert by_admin.status_code == 200, by_admin.text
    assert _position(client, network, "DS1", "S3")["on_hand"] == 2


def test_a_rule_naming_suppliers_routes_there_promised_after_its_lead_time(
    client: TestClient, network: Network
) -> None:
    _stocked(client, network, "DS1", {"S3": 5})
    _stocked(client, network, "DS2", {"S3": 5})

    order = _order(client, network, "S3")

    job = _job_at(order, "DS1")
    assert (job["kind"], job["state"]) == ("dropship", "assigned")
    promised = datetime.fromisoformat(order["promised_by"])
    assert promised == START + timedelta(days=LEAD_DAYS + NEAR_DAYS)
    routing = order["routing"][0]["explanation"]
    assert (routing["rule_set"], routing["rule"]) == ("drop-ship", "suppliers")
    verdicts = {c["location"]: c for c in routing["candidates"]}
    assert verdicts["DS1"]["won"]
    assert verdicts["DS2"]["reasons"][0]["code"] == "costlier"
    assert _position(client, network, "DS1", "S3")["reserved"] == 1
    followed = client.get(f"/v1/orders/{order['id']}", headers=network.headers("A", Role.WEB))
    assert followed.status_code == 200, followed.text
    assert followed.json()["promised_by"] == order["promised_by"]
    assert [j["location"] for j in followed.json()["jobs"]] == ["DS1"]


def test_a_shelf_in_the_network_comes_before_the_supplier(
    client: TestClient, network: Network
) -> None:
    _stocked(client, network, "DS1", {"S3": 5})
    reply = client.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": "S3", "location": "B", "qty": 2}],
        },
        headers=_admin(network),
    )
    assert reply.status_code == 201, reply.text

    order = _order(client, network, "S3")

    assert _job_at(order, "B")["kind"] == "ship"
    assert order["routing"][0]["explanation"]["rule"] == "shelves"


def test_the_supplier_sees_only_its_jobs_acknowledges_and_ships(
    client: TestClient, network: Network
) -> None:
    _stocked(client, network, "DS1", {"S3": 5})
    supplier = _supplier(network)
    order = _order(client, network, "S3")
    job = _job_at(order, "DS1")

    listed = client.get("/v1/jobs", headers=supplier)
    assert listed.status_code == 200, listed.text
    assert [j["id"] for j in listed.json()] == [job["id"]]
    assert client.get(f"/v1/jobs/{job['id']}", headers=supplier).status_code == 200
    to_ship = client.get(f"/v1/orders/{order['id']}", headers=supplier)
    assert to_ship.status_code == 200, to_ship.text
    assert to_ship.json()["delivery"]["address"] == PARIS["address"]
    assert_problem(_move(client, supplier, job, "picking"), 409, "invalid-state")

    acknowledged = _move(client, supplier, job, "acknowledged")
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["state"] == "acknowledged"
    due = datetime.fromisoformat(acknowledged.json()["due_at"])
    assert due >= START + timedelta(days=LEAD_DAYS)
    assert not acknowledged.json()["late"]
    assert_problem(_move(client, supplier, job, "shipped"), 422, "invalid-request")

    shipped = _move(client, supplier, job, "shipped", tracking="LC-0001")

    assert shipped.status_code == 200, shipped.text
    assert (shipped.json()["state"], shipped.json()["tracking"]) == ("shipped", "LC-0001")
    position = _position(client, network, "DS1", "S3")
    assert (position["on_hand"], position["reserved"]) == (4, 0)
    assert _movements(network, "DS1", "S3") == [("reconciliation", 5), ("shipment", -1)]
    after = client.get(f"/v1/orders/{order['id']}", headers=_admin(network)).json()
    assert (after["state"], after["lines"][0]["state"]) == ("closed", "shipped")


def test_a_line_the_supplier_cannot_serve_is_routed_again(
    client: TestClient, network: Network
) -> None:
    _stocked(client, network, "DS1", {"S3": 5})
    _stocked(client, network, "DS2", {"S3": 5})
    supplier = _supplier(network)
    order = _order(client, network, "S3")
    job = _job_at(order, "DS1")
    assert _move(client, supplier, job, "acknowledged").status_code == 200

    reply = client.post(
        f"/v1/jobs/{job['id']}/lines/1/reject",
        json={"op_id": str(uuid7()), "reason": "not_found"},
        headers=supplier,
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["rerouted_to"] == "DS2"
    assert reply.json()["job"]["state"] == "rejected"
    rerouted = _job_at(reply.json()["order"], "DS2")
    assert rerouted["kind"] == "dropship"
    assert _position(client, network, "DS1", "S3")["reserved"] == 0
    assert _position(client, network, "DS2", "S3")["reserved"] == 1
    assert [j["id"] for j in client.get("/v1/jobs", headers=_supplier(network, "DS2")).json()] == [
        rerouted["id"]
    ]


def test_only_the_network_cancels_a_drop_ship_job(client: TestClient, network: Network) -> None:
    _stocked(client, network, "DS1", {"S3": 5})
    order = _order(client, network, "S3")
    job = _job_at(order, "DS1")
    supplier = _supplier(network)
    assert _move(client, supplier, job, "acknowledged").status_code == 200

    by_supplier = _move(client, supplier, job, "cancelled", reason="other")
    by_admin = _move(client, _admin(network), job, "cancelled", reason="customer_cancelled")

    assert_problem(by_supplier, 403, "forbidden")
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["cancel_reason"] == "customer_cancelled"
    assert _position(client, network, "DS1", "S3")["reserved"] == 0
    assert _movements(network, "DS1", "S3") == [("reconciliation", 5)]


def test_a_supplier_token_is_refused_everything_else(client: TestClient, network: Network) -> None:
    _stocked(client, network, "DS1", {"S3": 5})
    reply = client.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": "S1", "location": "A", "qty": 2}],
        },
        headers=_admin(network),
    )
    assert reply.status_code == 201, reply.text
    store_job = _job_at(_order(client, network, "S1"), "A")
    supplier = _supplier(network)
    sale = {"kind": "sale", "sku": "S3", "location": "DS1", "qty": 1}
    refused = {
        "another location's jobs": client.get(
            "/v1/jobs", params={"location": "A"}, headers=supplier
        ),
        "a store's job": client.get(f"/v1/jobs/{store_job['id']}", headers=supplier),
        "a store's job moved": _move(client, supplier, store_job, "picking"),
        "a sale": client.post(
            "/v1/movements", json={"op_id": str(uuid7()), "lines": [sale]}, headers=supplier
        ),
        "its own position": client.get("/v1/positions/DS1/S3", headers=supplier),
        "the network's availability": client.get("/v1/availability/skus/S3", headers=supplier),
        "an order": _place_as(client, supplier),
        "the catalog": client.put(
            "/v1/locations",
            json={"locations": [location("DS1").model_dump(mode="json")]},
            headers=supplier,
        ),
        "the suppliers": client.put("/v1/suppliers/DS1", json={"name": "X"}, headers=supplier),
    }

    for what, reply in refused.items():
        assert reply.status_code == 403, (what, reply.status_code, reply.text)
        assert_problem(reply, 403, "forbidden")


def _place_as(client: TestClient, headers: dict[str, str]) -> httpx.Response:
    return client.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "web",
            "lines": [{"sku": "S3", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": PARIS,
        },
        headers=headers,
    )


def test_the_default_policy_never_routes_to_a_supplier(
    client: TestClient, network: Network
) -> None:
    _stocked(client, network, "DS1", {"S1": 5})

    reply = _place(client, network, "S1")

    problem = assert_problem(reply, 409, "order-unfulfillable")
    verdicts = {c["location"]: c for c in problem["routing"]["candidates"]}
    assert not verdicts["DS1"]["won"]
    assert verdicts["DS1"]["text"] == "suppliers are left out by the policy"
    assert _position(client, network, "DS1", "S1")["reserved"] == 0


def test_supplier_tokens_belong_to_suppliers_and_suppliers_get_no_store_token(
    client: TestClient, network: Network
) -> None:
    def issue(code: str, role: Role) -> httpx.Response:
        return client.post(
            "/v1/tokens",
            json={"location": code, "role": role.value, "device": f"{code}-api"},
            headers=_admin(network),
        )

    assert issue("DS1", Role.SUPPLIER).status_code == 201
    assert_problem(issue("A", Role.SUPPLIER), 422, "invalid-request")
    assert_problem(issue("DS1", Role.ASSOCIATE), 422, "invalid-request")
