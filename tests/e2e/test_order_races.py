"""Orders and jobs raced against a real ``ordersync serve --workers 2``, on both backends.

Two server processes each run their own group-commit writer, so these races cross processes and
transactions: devices of one store moving the same job at once, and web orders routed while the
counter sells the last units. No job may be done twice and no unit may be held twice.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from ordersync.contract import PROBLEM_TYPE_PREFIX, Role, uuid7, with_check_digit
from ordersync.db.writer import run_in_transaction
from ordersync.services.tokens import issue_token
from tests.support.ledger_harness import Network
from tests.support.ledger_server import LedgerServer, ServerFactory, run_ordersync

pytestmark = pytest.mark.e2e

ROUNDS = 8
PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


def second_device(network: Network, location: str) -> dict[str, str]:
    """Another terminal of the same store, issued before the server starts."""
    created = run_in_transaction(
        network.engine,
        network.clock,
        lambda tx: issue_token(tx, location, Role.ASSOCIATE, "till-2"),
    )
    return {"Authorization": f"Bearer {created.token}"}


def client_for(server: LedgerServer, headers: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.base_url,
        headers=headers,
        timeout=60.0,
        # A new connection per request spreads the requests over both server processes.
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=0),
    )


async def receive(client: httpx.AsyncClient, location: str, sku: str, qty: int) -> None:
    reply = await client.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        },
    )
    assert reply.status_code == 201, reply.text


def order_body(sku: str, qty: int = 1) -> dict[str, Any]:
    return {
        "op_id": str(uuid7()),
        "channel": "web",
        "lines": [{"sku": sku, "qty": qty}],
        "customer": {"name": "Camille Martin"},
        "delivery": PARIS,
    }


async def position(client: httpx.AsyncClient, location: str, sku: str) -> dict[str, Any]:
    reply = await client.get(f"/v1/positions/{location}/{sku}")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def rows(network: Network, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with network.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def reserved_by_position(network: Network) -> dict[tuple[str, str], int]:
    return {
        (location, sku): int(reserved)
        for location, sku, reserved in rows(
            network, "SELECT location, sku, reserved FROM positions WHERE reserved <> 0"
        )
    }


def open_job_units(network: Network) -> dict[tuple[str, str], int]:
    held: Counter[tuple[str, str]] = Counter()
    for location, sku, qty in rows(
        network,
        "SELECT j.location, l.sku, l.qty FROM job_lines l JOIN jobs j ON j.id = l.job_id "
        "WHERE l.state = 'open'",
    ):
        held[(location, sku)] += int(qty)
    return dict(held)


def assert_ledger_checks(server: LedgerServer, cwd: Path) -> None:
    result = run_ordersync("--database-url", server.database_url, "check", cwd=cwd)
    assert result.returncode == 0, result.describe() + "\n" + server.output()


def assert_no_server_errors(server: LedgerServer) -> None:
    assert "Traceback" not in server.output(), server.output()


def assert_lost_race(reply: httpx.Response, now: str, *, held_elsewhere: bool = False) -> None:
    """A step that lost the race: the job already moved on (``invalid-state``) or, for a
    device other than the one picking it, belongs to that device (``job-held``)."""
    assert reply.status_code == 409, reply.text
    problem = reply.json()
    expected = "job-held" if held_elsewhere else "invalid-state"
    assert problem["type"] == PROBLEM_TYPE_PREFIX + expected, problem
    assert problem["current_state"] == now, problem


async def test_devices_of_one_store_racing_on_a_job_move_it_once(
    seeded_network: Network, ledger_server_factory: ServerFactory, tmp_path: Path
) -> None:
    till_1 = seeded_network.headers("A", Role.ASSOCIATE)
    till_2 = second_device(seeded_network, "A")
    server = ledger_server_factory(seeded_network, workers=2)
    admin = seeded_network.headers("WH", Role.ADMIN)
    async with (
        client_for(server, till_1) as one,
        client_for(server, till_2) as two,
        client_for(server, admin) as web,
    ):
        await receive(web, "A", "S1", 3)
        await receive(web, "B", "S1", 3)  # B can take the line over after a short pick
        placed = await web.post("/v1/orders", json=order_body("S1"))
        assert placed.status_code == 201, placed.text
        [job] = placed.json()["jobs"]
        assert job["location"] == "A"
        path = f"/v1/jobs/{job['id']}/transitions"

        # Ten moves to "picking" at once, from both tills, each with its own operation id.
        op_ids = [str(uuid7()) for _ in range(10)]
        replies = await asyncio.gather(
            *(
                (one if n % 2 else two).post(path, json={"op_id": op, "to": "picking"})
                for n, op in enumerate(op_ids)
            )
        )
        statuses = Counter(r.status_code for r in replies)
        assert statuses == {200: 1, 409: 9}, [(r.status_code, r.text) for r in replies]
        [won_at] = [n for n, r in enumerate(replies) if r.status_code == 200]
        for n, reply in enumerate(replies):
            if n != won_at:
                # The job is the winning till's now: the other till's starts are not its own.
                assert_lost_race(reply, "picking", held_elsewhere=n % 2 != won_at % 2)
        winner = op_ids[won_at]
        holder = one if won_at % 2 else two
        audited = rows(
            seeded_network,
            "SELECT op_id, operation, location FROM audit_log WHERE operation LIKE 'job.%'",
        )
        assert audited == [(winner, "job.picking", "A")]

        # Both devices short-pick the same line at once: only the one picking the job may, and
        # the line is released and re-routed once.
        reject = f"/v1/jobs/{job['id']}/lines/1/reject"
        rejects = await asyncio.gather(
            *(
                (one if n % 2 else two).post(
                    reject, json={"op_id": str(uuid7()), "reason": "not_found"}
                )
                for n in range(8)
            )
        )
        assert Counter(r.status_code for r in rejects) == {200: 1, 409: 7}, [
            (r.status_code, r.text) for r in rejects
        ]
        [rejected_at] = [n for n, r in enumerate(rejects) if r.status_code == 200]
        assert (one if rejected_at % 2 else two) is holder
        [won] = [r.json() for r in rejects if r.status_code == 200]
        assert won["rerouted_to"] == "B"
        assert len(rows(seeded_network, "SELECT id FROM jobs")) == 2
        assert reserved_by_position(seeded_network) == {("B", "S1"): 1}
        assert open_job_units(seeded_network) == {("B", "S1"): 1}
        assert len(rows(seeded_network, "SELECT id FROM count_tasks")) == 1
        assert len(rows(seeded_network, "SELECT id FROM routing_decisions")) == 2

        # The new job is raced to the end: every step is done once, the unit ships once.
        [new_job] = [j for j in won["order"]["jobs"] if j["location"] == "B"]
        async with client_for(server, seeded_network.headers("B", Role.ASSOCIATE)) as at_b:
            path = f"/v1/jobs/{new_job['id']}/transitions"
            for step, extra in (
                ("picking", {}),
                ("picked", {}),
                ("packed", {"parcels": 1, "weight_grams": 300}),
                ("shipped", {"tracking": "COLIS-9"}),
            ):
                replies = await asyncio.gather(
                    *(
                        at_b.post(path, json={"op_id": str(uuid7()), "to": step, **extra})
                        for _ in range(6)
                    )
                )
                assert Counter(r.status_code for r in replies) == {200: 1, 409: 5}, [
                    (r.status_code, r.text) for r in replies
                ]
            after = await position(at_b, "B", "S1")
            assert (after["on_hand"], after["reserved"]) == (2, 0)
        shipments = rows(
            seeded_network, "SELECT qty FROM movements WHERE kind = 'shipment' AND sku = 'S1'"
        )
        assert shipments == [(-1,)]
        done = Counter(
            (operation, location)
            for operation, location in rows(
                seeded_network,
                "SELECT operation, location FROM audit_log WHERE operation LIKE 'job.%'",
            )
        )
        assert done == {
            ("job.picking", "A"): 1,
            ("job.reject_line", "A"): 1,
            ("job.picking", "B"): 1,
            ("job.picked", "B"): 1,
            ("job.packed", "B"): 1,
            ("job.shipped", "B"): 1,
        }
        order = await web.get(f"/v1/orders/{job['order_id']}")
        assert order.json()["state"] == "closed"

    assert_ledger_checks(server, tmp_path)
    assert_no_server_errors(server)


async def new_sku(client: httpx.AsyncClient, number: int) -> str:
    sku = f"RACE-{number}"
    item = {
        "sku": sku,
        "reference": "REF-RACE",
        "name": f"Race item {number}",
        "size": str(number),
        "colour": "noir",
        "gtins": [with_check_digit(f"209{number:09d}")],
        "price_minor": 2990,
    }
    reply = await client.put("/v1/items", json={"items": [item]})
    assert reply.status_code == 200, reply.text
    return sku


async def test_web_orders_racing_counter_sales_never_hold_more_than_was_there(
    seeded_network: Network, ledger_server_factory: ServerFactory, tmp_path: Path
) -> None:
    """Each round: 3 units at the only store holding them, 10 web orders of one unit and 5
    counter sales of one unit at once. Several rounds, so the two server processes interleave."""
    server = ledger_server_factory(seeded_network, workers=2)
    counter = seeded_network.headers("A", Role.ASSOCIATE)
    admin = seeded_network.headers("WH", Role.ADMIN)
    shuffle = random.Random(3)
    accepted: list[dict[str, Any]] = []
    async with client_for(server, counter) as till, client_for(server, admin) as web:
        for number in range(ROUNDS):
            sku = await new_sku(web, number)
            await receive(web, "A", sku, 3)

            def sale(sku: str = sku) -> dict[str, Any]:
                return {
                    "op_id": str(uuid7()),
                    "lines": [{"kind": "sale", "sku": sku, "location": "A", "qty": 1}],
                }

            requests: list[tuple[httpx.AsyncClient, str, dict[str, Any]]] = [
                (web, "/v1/orders", order_body(sku)) for _ in range(10)
            ] + [(till, "/v1/movements", sale()) for _ in range(5)]
            shuffle.shuffle(requests)
            replies = await asyncio.gather(*(c.post(path, json=b) for c, path, b in requests))

            pairs = list(zip(requests, replies, strict=True))
            sales = [r for (_, path, _), r in pairs if path == "/v1/movements"]
            orders = [r for (_, path, _), r in pairs if path == "/v1/orders"]
            assert [r.status_code for r in sales] == [201] * 5, [r.text for r in sales]
            won = [r.json() for r in orders if r.status_code == 201]
            for reply in orders:
                if reply.status_code != 201:
                    # Refused as an order the network cannot serve, not as a lost hold.
                    assert reply.status_code == 409, reply.text
                    problem = reply.json()
                    assert problem["type"] == PROBLEM_TYPE_PREFIX + "order-unfulfillable", problem
                    assert problem["unserved"] == [{"line_no": 1, "sku": sku, "qty": 1}]
            assert len(won) <= 3
            for order in won:
                assert [(j["location"], j["state"]) for j in order["jobs"]] == [("A", "assigned")]
            accepted.extend(won)

            after = await position(till, "A", sku)
            assert after["on_hand"] == 3 - 5
            assert after["reserved"] == len(won)
            # Never more held than there were units, whatever the counter sold meanwhile.
            assert after["reserved"] <= after["on_hand"] + 5
            assert after["suspect"] is True

        assert reserved_by_position(seeded_network) == open_job_units(seeded_network)
        assert sum(open_job_units(seeded_network).values()) == len(accepted)
        assert len(rows(seeded_network, "SELECT id FROM jobs")) == len(accepted)
        assert len(rows(seeded_network, "SELECT id FROM orders")) == len(accepted)

        # With the record below zero, a new order is refused and a sale still goes through.
        late = await web.post("/v1/orders", json=order_body(sku))
        assert late.status_code == 409, late.text
        assert late.json()["type"] == PROBLEM_TYPE_PREFIX + "order-unfulfillable"
        last_sale = await till.post("/v1/movements", json=sale())
        assert last_sale.status_code == 201, last_sale.text

    assert_ledger_checks(server, tmp_path)
    assert_no_server_errors(server)
