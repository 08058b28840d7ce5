"""A seeded network's orders and jobs driven over HTTP, for tests of holds, deadlines and reasons.

``JobShop`` places orders, moves jobs, rejects lines and reads stock and orders through the API
of a ledger seeded by ``tests.support.ledger_harness`` (stores A and B, warehouse WH; SKUs S1,
S2 and S3), and reads the few tables the API does not expose straight from the database.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX, Role, uuid7
from tests.support.ledger_harness import Network

PARIS = {"address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}
LOCATIONS = ("A", "B", "WH")
STEP_DETAILS: dict[str, dict[str, Any]] = {
    "packed": {"parcels": 1, "weight_grams": 420},
    "shipped": {"tracking": "COLIS-1"},
}
"""What packing and shipping need besides the target state."""


class JobShop:
    def __init__(self, api: TestClient, network: Network) -> None:
        self.api = api
        self.network = network

    def headers(self, location: str = "A", role: Role = Role.ASSOCIATE) -> dict[str, str]:
        return self.network.headers(location, role)

    def _movement(self, kind: str, location: str, sku: str, qty: int) -> None:
        reply = self.api.post(
            "/v1/movements",
            json={
                "op_id": str(uuid7()),
                "lines": [{"kind": kind, "sku": sku, "location": location, "qty": qty}],
            },
            headers=self.headers(location),
        )
        assert reply.status_code == 201, reply.text

    def receive(self, location: str, sku: str, qty: int) -> None:
        self._movement("receipt", location, sku, qty)

    def sell(self, location: str, sku: str, qty: int) -> None:
        self._movement("sale", location, sku, qty)

    def order(
        self,
        lines: list[tuple[str, int]],
        *,
        channel: str = "web",
        collect_at: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        delivery = (
            {"kind": "collect", "collect_at": collect_at}
            if collect_at is not None
            else {"kind": "home", **PARIS}
        )
        reply = self.api.post(
            "/v1/orders",
            json={
                "op_id": str(uuid7()),
                "channel": channel,
                "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
                "customer": {"name": "Camille Martin"},
                "delivery": delivery,
            },
            headers=headers or self.headers("WH", Role.ADMIN),
        )
        assert reply.status_code == 201, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def get_order(self, order_id: str) -> dict[str, Any]:
        reply = self.api.get(f"/v1/orders/{order_id}", headers=self.headers("WH", Role.ADMIN))
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def move(
        self, job: dict[str, Any], to: str, *, op_id: str | None = None, **extra: Any
    ) -> httpx.Response:
        reply: httpx.Response = self.api.post(
            f"/v1/jobs/{job['id']}/transitions",
            json={"op_id": op_id or str(uuid7()), "to": to, **extra},
            headers=self.headers(job["location"]),
        )
        return reply

    def walk(self, job: dict[str, Any], *steps: str) -> dict[str, Any]:
        body: dict[str, Any] = job
        for step in steps:
            reply = self.move(job, step, **STEP_DETAILS.get(step, {}))
            assert reply.status_code == 200, (step, reply.text)
            body = reply.json()
            assert body["state"] == step
        return body

    def reject(self, job: dict[str, Any], *, reason: str = "not_found") -> httpx.Response:
        reply: httpx.Response = self.api.post(
            f"/v1/jobs/{job['id']}/lines/1/reject",
            json={"op_id": str(uuid7()), "reason": reason},
            headers=self.headers(job["location"]),
        )
        return reply

    def jobs(self, location: str) -> list[dict[str, Any]]:
        reply = self.api.get("/v1/jobs", headers=self.headers(location))
        assert reply.status_code == 200, reply.text
        body: list[dict[str, Any]] = reply.json()
        return body

    def feed_jobs(self, location: str) -> dict[str, dict[str, Any]]:
        """The latest state of every job in the change feed a store device pulls."""
        reply = self.api.get(
            "/v1/changes", params={"since": 0, "limit": 10_000}, headers=self.headers(location)
        )
        assert reply.status_code == 200, reply.text
        return {
            change["job"]["id"]: change["job"]
            for change in reply.json()["changes"]
            if change["kind"] == "job"
        }

    def position(self, location: str, sku: str) -> dict[str, Any]:
        reply = self.api.get(
            f"/v1/positions/{location}/{sku}", headers=self.headers("WH", Role.ADMIN)
        )
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def stock(self, location: str, sku: str) -> tuple[int, int]:
        """(on hand, reserved)."""
        found = self.position(location, sku)
        return found["on_hand"], found["reserved"]

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        with self.network.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def movements(self, location: str, sku: str) -> list[tuple[str, int]]:
        return [
            (kind, int(qty))
            for kind, qty in self.rows(
                "SELECT kind, qty FROM movements WHERE location = :location AND sku = :sku "
                "ORDER BY seq",
                location=location,
                sku=sku,
            )
        ]


def assert_problem(reply: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    problem: dict[str, Any] = reply.json()
    assert problem["type"] == PROBLEM_TYPE_PREFIX + slug, problem
    return problem
