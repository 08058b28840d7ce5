"""The no-oversell promise against a real ``ordersync serve --workers 2``, on both backends.

Many clients race for the last units of one position. Two server processes each run their own
group-commit writer, so the race crosses processes and transactions, not just threads.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from ordersync.contract import uuid7
from tests.support.ledger_server import LedgerServer, run_ordersync

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"
INSUFFICIENT = "urn:ordersync:problem:insufficient-stock"


def client_for(server: LedgerServer, location: str = "A") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.base_url,
        headers=server.headers(location),
        timeout=60.0,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
    )


async def receive(client: httpx.AsyncClient, sku: str, location: str, qty: int) -> None:
    reply = await client.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        },
    )
    assert reply.status_code == 201, reply.text


async def position(client: httpx.AsyncClient, location: str, sku: str) -> dict[str, Any]:
    reply = await client.get(f"/v1/positions/{location}/{sku}")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def reservation_body(lines: list[tuple[str, str, int]], op_id: str | None = None) -> dict[str, Any]:
    return {
        "op_id": op_id or str(uuid7()),
        "lines": [{"sku": sku, "location": loc, "qty": qty} for sku, loc, qty in lines],
    }


def assert_insufficient_stock(reply: httpx.Response, requested: int = 1) -> None:
    assert reply.status_code == 409, reply.text
    assert reply.headers["content-type"] == PROBLEM
    problem = reply.json()
    assert problem["type"] == INSUFFICIENT, problem
    assert problem["status"] == 409
    assert problem["requested"] == requested
    assert isinstance(problem["available"], int)
    assert 0 <= problem["available"] < requested


def assert_ledger_checks(server: LedgerServer, cwd: Path) -> None:
    result = run_ordersync("--database-url", server.database_url, "check", cwd=cwd)
    assert result.returncode == 0, result.describe() + "\n" + server.output()
    assert "ledger is consistent" in result.stdout


def assert_no_server_errors(server: LedgerServer) -> None:
    text = server.output()
    assert "Traceback" not in text, text


async def test_forty_reservations_race_for_five_units(
    ledger_server: LedgerServer, tmp_path: Path
) -> None:
    async with client_for(ledger_server) as client:
        await receive(client, "S1", "A", 5)
        bodies = [reservation_body([("S1", "A", 1)]) for _ in range(40)]
        assert len({body["op_id"] for body in bodies}) == 40
        replies = await asyncio.gather(*(client.post("/v1/reservations", json=b) for b in bodies))

        statuses = Counter(reply.status_code for reply in replies)
        assert statuses == {201: 5, 409: 35}, [(r.status_code, r.text) for r in replies]
        for reply in replies:
            if reply.status_code == 409:
                assert_insufficient_stock(reply)
            else:
                held = reply.json()
                assert held["state"] == "pending"
                assert held["lines"] == [
                    {"sku": "S1", "location": "A", "qty": 1, "committed_qty": 0}
                ]

        after = await position(client, "A", "S1")
        assert (after["on_hand"], after["reserved"], after["available"]) == (5, 5, 0)

        # Every client may resend: the same 40 requests get the same 40 answers, nothing moves.
        again = await asyncio.gather(*(client.post("/v1/reservations", json=b) for b in bodies))
        assert [r.status_code for r in again] == [r.status_code for r in replies]
        assert all(r.headers.get("idempotent-replayed") == "true" for r in again)
        assert await position(client, "A", "S1") == after

        # The feed a store bootstraps from shows the same final state.
        feed = await client.get("/v1/changes", params={"since": 0})
        assert feed.status_code == 200, feed.text
        seqs = [change["seq"] for change in feed.json()["changes"]]
        assert seqs == sorted(set(seqs))
        [s1_at_a] = [
            c["position"]
            for c in feed.json()["changes"]
            if c["kind"] == "position" and c["position"]["sku"] == "S1"
        ]
        assert (s1_at_a["reserved"], s1_at_a["available"]) == (5, 0)

    assert_ledger_checks(ledger_server, tmp_path)
    assert_no_server_errors(ledger_server)


async def test_counter_sales_are_never_refused_while_reservations_race_for_the_last_units(
    ledger_server: LedgerServer, tmp_path: Path
) -> None:
    """Sales and reservations hit the last 3 units at once: every sale is recorded, and no
    reservation is granted beyond what was on hand and unreserved when it was decided."""
    async with client_for(ledger_server) as client:
        await receive(client, "S2", "A", 3)

        def sale() -> dict[str, Any]:
            return {
                "op_id": str(uuid7()),
                "lines": [{"kind": "sale", "sku": "S2", "location": "A", "qty": 1}],
            }

        requests: list[tuple[str, dict[str, Any]]] = [
            ("/v1/movements", sale()) for _ in range(12)
        ] + [("/v1/reservations", reservation_body([("S2", "A", 1)])) for _ in range(12)]
        random.Random(7).shuffle(requests)
        replies = await asyncio.gather(*(client.post(path, json=b) for path, b in requests))

        sales = [r for (path, _), r in zip(requests, replies, strict=True) if path.endswith("ts")]
        holds = [r for (path, _), r in zip(requests, replies, strict=True) if "reserv" in path]
        assert [r.status_code for r in sales] == [201] * 12, ledger_server.output()
        granted = [r for r in holds if r.status_code == 201]
        for reply in holds:
            if reply.status_code != 201:
                assert_insufficient_stock(reply)
        # Never more holds than units there ever were.
        assert len(granted) <= 3

        after = await position(client, "A", "S2")
        assert after["on_hand"] == 3 - 12
        assert after["reserved"] == len(granted)
        assert after["suspect"] is True
        assert after["available"] == after["on_hand"] - after["reserved"]

        # Once the record is negative no one may hold a unit, while a sale still goes through.
        refused = await client.post("/v1/reservations", json=reservation_body([("S2", "A", 1)]))
        assert_insufficient_stock(refused)
        assert refused.json()["available"] == 0
        late_sale = await client.post("/v1/movements", json=sale())
        assert late_sale.status_code == 201, late_sale.text

    assert_ledger_checks(ledger_server, tmp_path)
    assert_no_server_errors(ledger_server)


async def test_two_line_reservations_in_crossed_order_hold_all_or_nothing(
    ledger_server: LedgerServer, tmp_path: Path
) -> None:
    """Holds of S1+S3 and S3+S1 race across stores A and B: the lines are taken in opposite
    orders, which is how writers deadlock; the ledger must still grant exactly the stock."""
    async with client_for(ledger_server, "A") as at_a, client_for(ledger_server, "B") as at_b:
        await receive(at_a, "S1", "A", 4)
        await receive(at_a, "S3", "A", 6)
        await receive(at_b, "S1", "B", 3)
        await receive(at_b, "S3", "B", 3)

        plans: list[tuple[httpx.AsyncClient, str, list[tuple[str, str, int]]]] = []
        for index in range(16):
            lines = [("S1", "A", 1), ("S3", "A", 1)]
            plans.append((at_a, "A", lines if index % 2 else lines[::-1]))
            lines = [("S1", "B", 1), ("S3", "B", 1)]
            plans.append((at_b, "B", lines if index % 2 else lines[::-1]))
        replies = await asyncio.gather(
            *(c.post("/v1/reservations", json=reservation_body(lines)) for c, _, lines in plans)
        )
        granted = Counter(
            loc for (_, loc, _), r in zip(plans, replies, strict=True) if r.is_success
        )
        for reply in replies:
            if not reply.is_success:
                assert_insufficient_stock(reply)
        # A: S1 runs out after 4 pairs; B: both run out after 3.
        assert granted == {"A": 4, "B": 3}, [(r.status_code, r.text) for r in replies]

        a_s1, a_s3 = await position(at_a, "A", "S1"), await position(at_a, "A", "S3")
        b_s1, b_s3 = await position(at_b, "B", "S1"), await position(at_b, "B", "S3")
        assert (a_s1["reserved"], a_s1["available"]) == (4, 0)
        assert (a_s3["reserved"], a_s3["available"]) == (4, 2)
        assert (b_s1["reserved"], b_s1["available"]) == (3, 0)
        assert (b_s3["reserved"], b_s3["available"]) == (3, 0)

    assert_ledger_checks(ledger_server, tmp_path)
    assert_no_server_errors(ledger_server)


async def test_refused_holds_mixed_with_receipts_keep_every_receipt_and_the_feed_whole(
    ledger_server: LedgerServer, tmp_path: Path
) -> None:
    """Refusals and writes land in the same group commits of both server processes: a refusal
    takes back its own statements and nothing else; every receipt lands, once, in the feed."""
    async with client_for(ledger_server, "A") as at_a, client_for(ledger_server, "B") as at_b:
        requests: list[tuple[httpx.AsyncClient, str, dict[str, Any]]] = []
        for index in range(30):
            requests.append((at_a, "/v1/reservations", reservation_body([("S1", "A", 1)])))
            receipt = {"kind": "receipt", "sku": "S2", "location": "B", "qty": index + 1}
            requests.append((at_b, "/v1/movements", {"op_id": str(uuid7()), "lines": [receipt]}))
        random.Random(11).shuffle(requests)
        replies = await asyncio.gather(*(c.post(path, json=b) for c, path, b in requests))
        for (_, path, _), reply in zip(requests, replies, strict=True):
            if path == "/v1/movements":
                assert reply.status_code == 201, reply.text + "\n" + ledger_server.output()
            else:
                assert_insufficient_stock(reply)
        received = await position(at_b, "B", "S2")
        assert received["on_hand"] == sum(range(1, 31))
        feed = await at_b.get("/v1/changes", params={"since": 0})
        assert feed.status_code == 200, feed.text
        page = feed.json()
        seqs = [change["seq"] for change in page["changes"]]
        assert seqs == sorted(set(seqs))
        assert page["next_since"] == page["head"] >= max(seqs)

    assert_ledger_checks(ledger_server, tmp_path)
    assert_no_server_errors(ledger_server)
