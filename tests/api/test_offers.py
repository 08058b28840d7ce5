"""Competitive allocation through the API, on each backend: a web order whose rule offers its line
to the two best placed stores, the first claim wins and the other is refused naming the winner,
each store's feed shows the offer and how it ended; an offer nobody claims goes, after its timer
(the injected clock), to the next store, then to the next rule, and last to follow-up, each step
explained in the order's routing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.config import LedgerSettings
from ordersync.contract import PROBLEM_TYPE_PREFIX, Role, uuid7
from ordersync.db.writer import execute_batch
from ordersync.services.operations import offer_work
from ordersync.services.routing_policy import parse_policy
from tests.support.ledger_harness import Network, location

POLICY = """
[[rule_sets]]
name = "web"
[rule_sets.when]
channels = ["web"]

[[rule_sets.rules]]
name = "stores"
kinds = ["store"]
[rule_sets.rules.competitive]
offer_to = 2
claim_minutes = 10

[[rule_sets.rules]]
name = "warehouses"
kinds = ["warehouse"]
"""

SWEEP_SECONDS = 0.05

PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "routing.toml"
    path.write_text(POLICY)
    return path


@pytest.fixture
def client(network: Network, clock: ManualClock, policy_file: Path) -> Iterator[TestClient]:
    settings = LedgerSettings(
        database_url=network.url,
        token_cache_seconds=0,
        expiry_sweep_seconds=3600,
        reservation_ttl_seconds=600,
        routing_policy=policy_file,
    )
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        _network_of_three_stores(client, network)
        yield client


def _admin(network: Network) -> dict[str, str]:
    return network.headers("WH", Role.ADMIN)


def _network_of_three_stores(client: TestClient, network: Network) -> None:
    """A and C in Paris, B in Lyon, WH in Paris."""
    reply = client.put(
        "/v1/locations",
        json={
            "locations": [
                loc.model_dump(mode="json")
                for loc in (location("A"), location("C", latitude=48.86, longitude=2.36))
            ]
        },
        headers=_admin(network),
    )
    assert reply.status_code == 200, reply.text


def _receive(client: TestClient, network: Network, place: str, qty: int = 2) -> None:
    reply = client.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": "S1", "location": place, "qty": qty}],
        },
        headers=_admin(network),
    )
    assert reply.status_code == 201, reply.text


def _order(client: TestClient, network: Network) -> dict[str, Any]:
    reply = client.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "web",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": PARIS,
        },
        headers=_admin(network),
    )
    assert reply.status_code == 201, reply.text
    return _read(client, network, reply.json()["id"])


def _read(client: TestClient, network: Network, order_id: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/v1/orders/{order_id}", headers=_admin(network)).json()
    return body


def _offers(client: TestClient, network: Network, store: str) -> list[dict[str, Any]]:
    reply = client.get("/v1/offers", headers=network.headers(store))
    assert reply.status_code == 200, reply.text
    found: list[dict[str, Any]] = reply.json()
    return found


def _claim(client: TestClient, network: Network, store: str, offer_id: str) -> Any:
    return client.post(
        f"/v1/offers/{offer_id}/claim",
        json={"op_id": str(uuid7())},
        headers=network.headers(store),
    )


def _sweep(network: Network, clock: ManualClock, policy_file: Path) -> int:
    [(ended, error)] = execute_batch(
        network.engine, clock, [offer_work(parse_policy(policy_file.read_text()))]
    )
    assert error is None, error
    return int(ended)


def _feed_offers(client: TestClient, network: Network, store: str) -> list[dict[str, Any]]:
    page = client.get(
        "/v1/changes", params={"since": 0, "limit": 10_000}, headers=network.headers(store)
    ).json()
    return [c["offer"] for c in page["changes"] if c["kind"] == "offer"]


def _available(client: TestClient, network: Network, store: str) -> int:
    position = client.get(f"/v1/positions/{store}/S1", headers=_admin(network)).json()
    return int(position["on_hand"]) - int(position["reserved"])


def test_the_first_claim_wins_and_the_other_store_sees_the_offer_lost(
    client: TestClient, network: Network
) -> None:
    for store in ("A", "B", "C"):
        _receive(client, network, store)
    order = _order(client, network)
    assert order["jobs"] == []
    assert [line["state"] for line in order["lines"]] == ["offered"]
    explanation = order["routing"][-1]["explanation"]
    [offer] = explanation["offers"]
    # The two best placed stores: A (the rule's own choice) and C, both in Paris; not B.
    assert offer["locations"] == ["A", "C"]
    assert "offered to A, C for 10 minutes" in explanation["summary"]
    [seen_by_c] = _offers(client, network, "C")
    assert (seen_by_c["answer"], seen_by_c["rank"], seen_by_c["competitors"]) == ("open", 2, 1)
    assert _offers(client, network, "B") == []

    won = _claim(client, network, "C", offer["offer_id"])
    assert won.status_code == 200, won.text
    assert won.json()["offer"]["answer"] == "won"
    assert won.json()["job"]["location"] == "C"
    lost = _claim(client, network, "A", offer["offer_id"])
    assert lost.status_code == 409, lost.text
    assert lost.json()["type"] == PROBLEM_TYPE_PREFIX + "offer-taken"
    assert lost.json()["claimed_by"] == "C"

    after = _read(client, network, order["id"])
    assert [job["location"] for job in after["jobs"]] == ["C"]
    assert [line["state"] for line in after["lines"]] == ["routed"]
    assert (_available(client, network, "C"), _available(client, network, "A")) == (1, 2)
    claimed = after["routing"][-1]
    assert claimed["trigger"] == "offer_claimed"
    assert claimed["explanation"]["summary"].startswith("C claimed the offer (round 1) first")
    assert [f["answer"] for f in _feed_offers(client, network, "A")][-1] == "lost"
    assert [f["answer"] for f in _feed_offers(client, network, "C")][-1] == "won"
    assert _offers(client, network, "A") == []


def test_a_store_not_offered_the_line_cannot_claim_it(client: TestClient, network: Network) -> None:
    for store in ("A", "C"):
        _receive(client, network, store)
    [offer] = _order(client, network)["routing"][-1]["explanation"]["offers"]
    refused = _claim(client, network, "B", offer["offer_id"])
    assert refused.status_code == 404, refused.text


def test_an_unclaimed_offer_goes_to_the_next_store_then_the_next_rule_then_follow_up(
    client: TestClient, network: Network, clock: ManualClock, policy_file: Path
) -> None:
    for store in ("A", "B", "C"):
        _receive(client, network, store)
    order = _order(client, network)
    [first] = order["routing"][-1]["explanation"]["offers"]
    clock.advance(timedelta(minutes=9))
    assert _sweep(network, clock, policy_file) == 0
    clock.advance(timedelta(minutes=1))
    late = _claim(client, network, "A", first["offer_id"])
    assert late.status_code == 409
    assert late.json()["type"] == PROBLEM_TYPE_PREFIX + "offer-expired"
    assert _sweep(network, clock, policy_file) == 1

    # B is the only store left: with nobody to compete with, it gets the job at once.
    rerouted = _read(client, network, order["id"])
    assert [job["location"] for job in rerouted["jobs"]] == ["B"]
    step = rerouted["routing"][-1]
    assert step["trigger"] == "offer_expired"
    assert step["explanation"]["summary"].startswith(
        "nobody claimed the offer to A, C within 10 minutes"
    )
    unclaimed = {c["location"]: c for c in step["explanation"]["candidates"]}
    assert unclaimed["A"]["reasons"][0]["code"] == "not_claimed"
    assert [f["answer"] for f in _feed_offers(client, network, "A")][-1] == "expired"
    assert _sweep(network, clock, policy_file) == 0


def test_with_no_store_left_nobody_claiming_sends_the_line_to_follow_up(
    client: TestClient, network: Network, clock: ManualClock, policy_file: Path
) -> None:
    for store in ("A", "C"):
        _receive(client, network, store)
    order = _order(client, network)
    clock.advance(timedelta(minutes=10))
    assert _sweep(network, clock, policy_file) == 1
    ended = _read(client, network, order["id"])
    assert ended["jobs"] == []
    assert ended["state"] == "follow_up"
    [line] = ended["lines"]
    assert (line["state"], line["cancel_reason"]) == ("unfulfillable", "not_claimed_in_time")
    assert (_available(client, network, "A"), _available(client, network, "C")) == (2, 2)


def test_the_running_ledger_sends_an_unclaimed_offer_on_when_its_clock_passes_the_end(
    network: Network, clock: ManualClock, policy_file: Path
) -> None:
    """The ledger's own housekeeping, every ``expiry_sweep_seconds``, on its injected clock."""
    settings = LedgerSettings(
        database_url=network.url,
        token_cache_seconds=0,
        expiry_sweep_seconds=SWEEP_SECONDS,
        routing_policy=policy_file,
    )
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        _network_of_three_stores(client, network)
        for store in ("A", "B", "C"):
            _receive(client, network, store)
        order = _order(client, network)
        clock.advance(timedelta(minutes=10))
        for _ in range(200):
            moved = _read(client, network, order["id"])
            if len(moved["routing"]) > 1:
                break
            time.sleep(SWEEP_SECONDS)
    assert [step["trigger"] for step in moved["routing"]] == ["order", "offer_expired"]
    assert [job["location"] for job in moved["jobs"]] == ["B"]
