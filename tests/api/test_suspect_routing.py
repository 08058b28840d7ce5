"""Suspect positions in routing: a store whose record of a SKU a short pick proved wrong gets no
order of that SKU until it is counted (``suspect_positions = "exclude"``, the packaged policy),
or gets one only when no store with a trusted record can serve it (``"last"``); the routing
explanation says so either way.

Each test runs the ledger over a fresh seeded network (store A and warehouse WH in Paris,
store B in Lyon) with a policy file of its own, and orders for a customer in Paris, so A is the
nearest store and B wins only when A may not serve.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.contract import PROBLEM_TYPE_PREFIX, Role, RoutingReason, SuspectRouting
from tests.support.ledger_api import ledger_settings, new_op_id
from tests.support.ledger_harness import Network

PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


class Shop:
    """The seeded network seen through the API: stock, orders, short picks and counts."""

    def __init__(self, client: TestClient, network: Network) -> None:
        self.client = client
        self.network = network
        self.admin = network.headers("WH", Role.ADMIN)

    def receive(self, location: str, sku: str, qty: int) -> None:
        body = {
            "op_id": new_op_id(),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        }
        reply = self.client.post("/v1/movements", json=body, headers=self.admin)
        assert reply.status_code == 201, reply.text

    def place(self, sku: str = "S1", delivery: dict[str, Any] | None = None) -> httpx.Response:
        body = {
            "op_id": new_op_id(),
            "channel": "web",
            "lines": [{"sku": sku, "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": delivery or PARIS,
        }
        reply: httpx.Response = self.client.post("/v1/orders", json=body, headers=self.admin)
        return reply

    def order(self, sku: str = "S1", delivery: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = self.place(sku, delivery)
        assert reply.status_code == 201, reply.text
        placed: dict[str, Any] = reply.json()
        return placed

    def read_order(self, order_id: str) -> dict[str, Any]:
        reply = self.client.get(f"/v1/orders/{order_id}", headers=self.admin)
        assert reply.status_code == 200, reply.text
        order: dict[str, Any] = reply.json()
        return order

    def short_pick(self, job: dict[str, Any]) -> dict[str, Any]:
        """The picker did not find the unit: the position is flagged suspect."""
        reply = self.client.post(
            f"/v1/jobs/{job['id']}/lines/1/reject",
            json={"op_id": new_op_id(), "reason": "not_found"},
            headers=self.network.headers(job["location"]),
        )
        assert reply.status_code == 200, reply.text
        rejected: dict[str, Any] = reply.json()
        return rejected

    def count(self, location: str, sku: str, counted: int) -> None:
        head = int(self.client.get("/v1/health").json()["head"])
        reply = self.client.post(
            "/v1/counts",
            json={
                "op_id": new_op_id(),
                "sku": sku,
                "location": location,
                "counted": counted,
                "as_of_seq": head,
            },
            headers=self.network.headers(location),
        )
        assert reply.status_code == 201, reply.text

    def suspect(self, location: str, sku: str) -> bool:
        reply = self.client.get(f"/v1/positions/{location}/{sku}", headers=self.admin)
        assert reply.status_code == 200, reply.text
        return bool(reply.json()["suspect"])


@contextmanager
def ledger(network: Network, clock: ManualClock, tmp_path: Path, policy: str) -> Iterator[Shop]:
    path = tmp_path / "routing.toml"
    path.write_text(policy)
    settings = ledger_settings(network.url).model_copy(update={"routing_policy": path})
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        yield Shop(client, network)


@pytest.fixture
def excluding(network: Network, clock: ManualClock, tmp_path: Path) -> Iterator[Shop]:
    with ledger(network, clock, tmp_path, "# the packaged defaults\n") as shop:
        yield shop


@pytest.fixture
def ranking_last(network: Network, clock: ManualClock, tmp_path: Path) -> Iterator[Shop]:
    with ledger(network, clock, tmp_path, 'suspect_positions = "last"\n') as shop:
        yield shop


def verdicts(explanation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["location"]: c for c in explanation["candidates"]}


def last_verdicts(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return verdicts(order["routing"][-1]["explanation"])


def job_locations(order: dict[str, Any]) -> list[str]:
    return [job["location"] for job in order["jobs"]]


def suspect_a(shop: Shop) -> None:
    """A (the nearest) takes an order of S1, its picker does not find the unit, B gets the line."""
    [job] = shop.order()["jobs"]
    assert job["location"] == "A"
    assert shop.short_pick(job)["rerouted_to"] == "B"
    assert shop.suspect("A", "S1")


# --- exclude (the packaged policy) -------------------------------------------------------------


def test_a_short_picked_store_gets_no_order_of_the_sku_until_counted(excluding: Shop) -> None:
    shop = excluding
    shop.receive("A", "S1", 3)
    shop.receive("B", "S1", 3)
    shop.receive("A", "S2", 3)
    suspect_a(shop)

    order = shop.order()
    assert job_locations(order) == ["B"]
    # The explanation a person reads (GET /v1/orders/{id}) names the reason.
    [record] = shop.read_order(order["id"])["routing"]
    at_a = verdicts(record["explanation"])["A"]
    assert at_a["won"] is False
    assert at_a["reasons"] == [
        {
            "code": RoutingReason.SUSPECT_RECORD,
            "sku": "S1",
            "suspect_positions": SuspectRouting.EXCLUDE,
        }
    ]
    assert at_a["text"] == "its record of S1 is suspect until counted"
    # Only that SKU: A still ships the SKUs it is trusted with.
    assert job_locations(shop.order("S2")) == ["A"]

    # A count clears the flag: A is the nearest again.
    shop.count("A", "S1", 3)
    assert not shop.suspect("A", "S1")
    assert job_locations(shop.order()) == ["A"]


def test_an_order_only_a_suspect_store_could_serve_is_refused_saying_why(
    excluding: Shop,
) -> None:
    shop = excluding
    shop.receive("A", "S1", 3)
    shop.receive("B", "S1", 1)
    suspect_a(shop)  # B's only unit now goes to the first order
    refused = shop.place()
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"] == PROBLEM_TYPE_PREFIX + "order-unfulfillable"
    assert [r["code"] for r in verdicts(problem["routing"])["A"]["reasons"]] == [
        RoutingReason.SUSPECT_RECORD
    ]
    # Nor is A suggested as a store to collect it from.
    assert problem["alternatives"]["collect_at"] == []


def test_collecting_at_a_suspect_store_ships_the_unit_from_a_trusted_one(
    excluding: Shop,
) -> None:
    shop = excluding
    shop.receive("A", "S1", 3)
    shop.receive("B", "S1", 3)
    suspect_a(shop)
    order = shop.order(delivery={"kind": "collect", "collect_at": "A"})
    [job] = order["jobs"]
    assert (job["location"], job["kind"], job["destination"]) == ("B", "ship", "A")
    assert last_verdicts(order)["A"]["reasons"][0]["code"] == RoutingReason.SUSPECT_RECORD


# --- last --------------------------------------------------------------------------------------


def test_ranked_last_a_suspect_store_wins_only_when_no_trusted_store_can_serve(
    ranking_last: Shop,
) -> None:
    shop = ranking_last
    shop.receive("A", "S1", 3)
    shop.receive("B", "S1", 2)
    suspect_a(shop)  # B holds one unit for that order, one is left

    order = shop.order()
    assert job_locations(order) == ["B"]
    at_a = last_verdicts(order)["A"]
    assert at_a["won"] is False
    assert at_a["reasons"] == [
        {"code": RoutingReason.SUSPECT_RECORD, "sku": "S1", "suspect_positions": "last"}
    ]
    assert at_a["text"] == (
        "its record of S1 is suspect until counted, so it comes after every location whose "
        "record is trusted"
    )

    # B has nothing left: A's shelf is the only one, so A gets the order, and says why.
    order = shop.order()
    assert job_locations(order) == ["A"]
    won = last_verdicts(order)["A"]
    assert won["won"] is True
    assert [r["code"] for r in won["reasons"]] == [RoutingReason.SUSPECT_RECORD]
    assert "suspect until counted" in won["text"]
    assert [r["code"] for r in last_verdicts(order)["B"]["reasons"]] == [RoutingReason.NO_STOCK]
