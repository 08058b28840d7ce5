"""Rule sets through the API, on each backend: locations carry their groups and shipping cost,
an order whose attributes meet a rule set is routed by it, and the order's routing explanation
names the rule set and the rule; an order meeting none is routed as before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.config import LedgerSettings
from ordersync.contract import Role, uuid7
from tests.support.ledger_harness import Network, location

POLICY = """
[[rule_sets]]
name = "bulky"
[rule_sets.when]
channels = ["web"]
references = ["REF-2"]

[[rule_sets.rules]]
name = "paris group"
groups = ["paris"]
split = false
promise_tolerance_days = 0

[[rule_sets.rules]]
name = "cheapest"
sort = ["cost", "distance"]
"""

PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


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
        yield client


def _admin(network: Network) -> dict[str, str]:
    return network.headers("WH", Role.ADMIN)


def _receive(client: TestClient, network: Network, location: str, sku: str, qty: int) -> None:
    reply = client.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        },
        headers=_admin(network),
    )
    assert reply.status_code == 201, reply.text


def _order(client: TestClient, network: Network, sku: str) -> dict[str, Any]:
    reply = client.post(
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
    assert reply.status_code == 201, reply.text
    placed: dict[str, Any] = client.get(
        f"/v1/orders/{reply.json()['id']}", headers=_admin(network)
    ).json()
    return placed


def _costs(client: TestClient, network: Network) -> None:
    """A costs 900 a shipment; WH 300 and belongs to no group; B (Lyon) is in "paris" only by
    name, to show that groups, not places, decide."""
    locations = [
        location("A", ship_cost_minor=900),
        location("B", latitude=45.76, longitude=4.83, groups=["paris"]),
        location("WH", kind="warehouse", ship_cost_minor=300),
    ]
    reply = client.put(
        "/v1/locations",
        json={"locations": [loc.model_dump(mode="json") for loc in locations]},
        headers=_admin(network),
    )
    assert reply.status_code == 200, reply.text


def test_locations_keep_their_groups_and_shipping_cost(
    client: TestClient, network: Network
) -> None:
    _costs(client, network)
    listed = {
        loc["code"]: loc for loc in client.get("/v1/locations", headers=_admin(network)).json()
    }
    assert listed["B"]["groups"] == ["paris"]
    assert listed["A"]["groups"] == []
    assert (listed["A"]["ship_cost_minor"], listed["WH"]["ship_cost_minor"]) == (900, 300)


def test_an_order_meeting_a_rule_set_is_routed_by_it_and_says_so(
    client: TestClient, network: Network
) -> None:
    _costs(client, network)
    for place in ("A", "WH"):
        _receive(client, network, place, "S3", 5)
    _receive(client, network, "A", "S1", 5)

    # S3 is of REF-2: the "bulky" set. B (the paris group) holds none, so the first rule passes
    # it on; the cheapest of A and WH (both in Paris) is WH.
    order = _order(client, network, "S3")
    [job] = order["jobs"]
    assert job["location"] == "WH"
    explanation = order["routing"][-1]["explanation"]
    assert explanation["rule_set"] == "bulky"
    assert explanation["rule"] == "cheapest"
    assert [t["rule"] for t in explanation["rules_tried"]] == ["paris group"]
    assert explanation["rules_tried"][0]["why"] == "no_stock"
    assert explanation["summary"] == (
        'rule set "bulky", rule "cheapest": WH ships the whole order (0.0 km)'
    )
    verdicts = {c["location"]: c for c in explanation["candidates"]}
    assert verdicts["A"]["reasons"][0]["code"] == "costlier"
    assert verdicts["A"]["text"] == "costs more to ship from (900 against 300)"

    # S1 (REF-1) meets no rule set: the default one routes it, as before rule sets.
    plain = _order(client, network, "S1")
    assert [j["location"] for j in plain["jobs"]] == ["A"]
    default = plain["routing"][-1]["explanation"]
    assert (default["rule_set"], default["rule"]) == ("default", "default")
    assert default["summary"] == "A ships the whole order (0.0 km)"
