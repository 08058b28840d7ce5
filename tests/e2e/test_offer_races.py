"""Competitive allocation raced against a real ``ordersync serve --workers 2``, on both backends.

A web order's line is offered to the three best placed stores; their terminals, each on its own
connection, claim it at the same instant, through the claim route or the bulk push. The two
server processes each run their own group-commit writer, so the claims cross processes and
transactions: exactly one store may win, the others are refused naming it, one job and one hold
come of it, and every store's feed says how the offer ended for it.

An offer nobody claims moves on when its timer runs out. A served process reads the system
clock (the ledger has no setting that injects another one), so the timer is run out by moving
the offer's end into the past, in the database, as the clock passing it would; both processes'
housekeeping sweeps then race to end it, and it must move on exactly once: to the next stores,
then to the next rule. ``tests/api/test_offers.py`` runs the same timer on an injected clock.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from ordersync.contract import PROBLEM_TYPE_PREFIX, Role, uuid7
from tests.support.ledger_harness import Network, location
from tests.support.ledger_server import LedgerServer, ServerFactory, run_ordersync

pytestmark = pytest.mark.e2e

ROUNDS = 8
SWEEP_SECONDS = 0.2
SWEEP_WAIT_SECONDS = 30.0
PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}
PARIS_STORES = ("A", "C", "D")
LYON_STORES = ("B", "E")

POLICY = """
[[rule_sets]]
name = "web"
[rule_sets.when]
channels = ["web"]

[[rule_sets.rules]]
name = "stores"
kinds = ["store"]
[rule_sets.rules.competitive]
offer_to = 3
claim_minutes = 30

[[rule_sets.rules]]
name = "warehouses"
kinds = ["warehouse"]
"""

Answer = tuple[int, dict[str, Any]]
"""A claim's status and body, whichever way it was sent."""


def start_ledger(network: Network, factory: ServerFactory, tmp_path: Path) -> LedgerServer:
    """Two server processes on the competitive policy, sweeping often."""
    policy = tmp_path / "routing.toml"
    policy.write_text(POLICY)
    settings = (
        ("ORDERSYNC_ROUTING_POLICY", str(policy)),
        ("ORDERSYNC_EXPIRY_SWEEP_SECONDS", str(SWEEP_SECONDS)),
    )
    return factory(network, workers=2, settings=settings)


def client_for(server: LedgerServer, headers: dict[str, str]) -> httpx.AsyncClient:
    # A new connection per request spreads the requests over both server processes.
    return httpx.AsyncClient(
        base_url=server.base_url,
        headers=headers,
        timeout=60.0,
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=0),
    )


def terminal(server: LedgerServer, token: str) -> httpx.AsyncClient:
    """A store terminal: one connection, kept open, so a claim goes out without a handshake."""
    return httpx.AsyncClient(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60.0,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


async def add_stores(admin: httpx.AsyncClient) -> dict[str, str]:
    """Stores C and D in Paris beside A, E in Lyon beside B; a terminal token for each store."""
    added = [
        location("C", latitude=48.86, longitude=2.36),
        location("D", latitude=48.84, longitude=2.34),
        location("E", latitude=45.75, longitude=4.85),
    ]
    reply = await admin.put(
        "/v1/locations", json={"locations": [loc.model_dump(mode="json") for loc in added]}
    )
    assert reply.status_code == 200, reply.text
    tokens: dict[str, str] = {}
    for store in (*PARIS_STORES, *LYON_STORES):
        created = await admin.post(
            "/v1/tokens",
            json={"location": store, "role": Role.ASSOCIATE.value, "device": f"till-{store}"},
        )
        assert created.status_code == 201, created.text
        tokens[store] = created.json()["token"]
    return tokens


async def receive(admin: httpx.AsyncClient, store: str, qty: int) -> None:
    reply = await admin.post(
        "/v1/movements",
        json={
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": "S1", "location": store, "qty": qty}],
        },
    )
    assert reply.status_code == 201, reply.text


async def place_order(admin: httpx.AsyncClient) -> dict[str, Any]:
    """A web order of one unit of S1, delivered in Paris, as the ledger then shows it."""
    placed = await admin.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "web",
            "lines": [{"sku": "S1", "qty": 1}],
            "customer": {"name": "Camille Martin"},
            "delivery": PARIS,
        },
    )
    assert placed.status_code == 201, placed.text
    return await read_order(admin, placed.json()["id"])


async def read_order(admin: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    reply = await admin.get(f"/v1/orders/{order_id}")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def the_offer(order: dict[str, Any]) -> dict[str, Any]:
    """The one offer the order's latest routing decision made."""
    [offer] = order["routing"][-1]["explanation"]["offers"]
    found: dict[str, Any] = offer
    return found


async def claim_by_route(client: httpx.AsyncClient, offer_id: str, op_id: str) -> Answer:
    reply = await client.post(f"/v1/offers/{offer_id}/claim", json={"op_id": op_id})
    return reply.status_code, reply.json()


async def claim_by_push(client: httpx.AsyncClient, offer_id: str, op_id: str) -> Answer:
    reply = await client.post(
        "/v1/ops", json={"ops": [{"op": "claim_offer", "op_id": op_id, "offer_id": offer_id}]}
    )
    assert reply.status_code == 200, reply.text
    [result] = reply.json()["results"]
    return int(result["status"]), result["body"]


Claim = Callable[[httpx.AsyncClient, str, str], Awaitable[Answer]]


async def claim_together(
    terminals: dict[str, httpx.AsyncClient], ways: dict[str, Claim], offer_id: str
) -> dict[str, Answer]:
    """Every terminal claims at the same instant: each waits, connected, for one signal."""
    go = asyncio.Event()
    ready = 0

    async def claim(store: str) -> Answer:
        nonlocal ready
        ready += 1
        if ready == len(terminals):
            go.set()
        await go.wait()
        return await ways[store](terminals[store], offer_id, str(uuid7()))

    answers = await asyncio.gather(*(claim(store) for store in terminals))
    return dict(zip(terminals, answers, strict=True))


def rows(network: Network, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with network.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


async def feed_answers(client: httpx.AsyncClient) -> dict[str, str]:
    """What the caller's feed last said of each offer: offer id -> the store's answer."""
    reply = await client.get("/v1/changes", params={"since": 0, "limit": 10_000})
    assert reply.status_code == 200, reply.text
    return {
        change["offer"]["id"]: change["offer"]["answer"]
        for change in reply.json()["changes"]
        if change["kind"] == "offer"
    }


def assert_one_claim_held(network: Network, order_id: str, winner: str) -> None:
    """One job for the order's line, at the winner, holding its unit with one pending hold."""
    held = rows(
        network,
        "SELECT j.location, j.state, jl.order_line_no, r.state, rl.location, rl.qty "
        "FROM jobs j JOIN job_lines jl ON jl.job_id = j.id "
        "JOIN reservations r ON r.id = jl.reservation_id "
        "JOIN reservation_lines rl ON rl.reservation_id = r.id WHERE j.order_id = :order",
        order=order_id,
    )
    assert held == [(winner, "assigned", 1, "pending", winner, 1)]
    assert rows(
        network, "SELECT state FROM order_lines WHERE order_id = :order", order=order_id
    ) == [("routed",)]


def assert_answers(network: Network, offer_id: str, expected: dict[str, str]) -> None:
    answered = dict(
        rows(
            network,
            "SELECT location, state FROM offer_locations WHERE offer_id = :offer",
            offer=offer_id,
        )
    )
    assert answered == expected


def assert_no_server_errors(server: LedgerServer) -> None:
    assert "Traceback" not in server.output(), server.output()


async def test_three_stores_claiming_an_offer_at_the_same_instant_leave_one_winner(
    seeded_network: Network, ledger_server_factory: ServerFactory, tmp_path: Path
) -> None:
    server = start_ledger(seeded_network, ledger_server_factory, tmp_path)
    wins: Counter[str] = Counter()
    async with client_for(server, seeded_network.headers("WH", Role.ADMIN)) as admin:
        tokens = await add_stores(admin)
        for store in PARIS_STORES:
            await receive(admin, store, ROUNDS)
        for number in range(ROUNDS):
            order = await place_order(admin)
            assert order["jobs"] == []
            assert [line["state"] for line in order["lines"]] == ["offered"]
            offer_id = the_offer(order)["offer_id"]
            assert sorted(the_offer(order)["locations"]) == list(PARIS_STORES)
            # Each round, another store claims through the bulk push rather than the route.
            pushing = PARIS_STORES[number % len(PARIS_STORES)]
            ways: dict[str, Claim] = {
                store: claim_by_push if store == pushing else claim_by_route
                for store in PARIS_STORES
            }

            async with AsyncExitStack() as stack:
                terminals = {
                    store: await stack.enter_async_context(terminal(server, tokens[store]))
                    for store in PARIS_STORES
                }
                for store, client in terminals.items():
                    # Connected, and each sees the offer open, before anyone claims.
                    seen = (await client.get("/v1/offers")).json()
                    assert [(o["id"], o["answer"]) for o in seen] == [(offer_id, "open")], store
                answers = await claim_together(terminals, ways, offer_id)

                statuses = Counter(status for status, _ in answers.values())
                assert statuses == {200: 1, 409: 2}, answers
                [winner] = [store for store, (status, _) in answers.items() if status == 200]
                wins[winner] += 1
                won = answers[winner][1]
                assert (won["offer"]["answer"], won["offer"]["claimed_by"]) == ("won", winner)
                assert (won["job"]["location"], won["job"]["state"]) == (winner, "assigned")
                for store, (_, problem) in answers.items():
                    if store != winner:
                        assert problem["type"] == PROBLEM_TYPE_PREFIX + "offer-taken", problem
                        assert problem["claimed_by"] == winner, problem

                assert_one_claim_held(seeded_network, order["id"], winner)
                assert_answers(
                    seeded_network,
                    offer_id,
                    {store: "won" if store == winner else "lost" for store in PARIS_STORES},
                )
                for store, client in terminals.items():
                    assert (await feed_answers(client))[offer_id] == (
                        "won" if store == winner else "lost"
                    ), store
                    assert (await client.get("/v1/offers")).json() == [], store
            claimed = (await read_order(admin, order["id"]))["routing"][-1]
            assert claimed["trigger"] == "offer_claimed"
            assert claimed["explanation"]["summary"].startswith(f"{winner} claimed the offer")

        # Every unit is held once, by the store whose claim won.
        reserved = {
            store: int(qty)
            for store, qty in rows(
                seeded_network,
                "SELECT location, reserved FROM positions WHERE sku = 'S1' AND reserved <> 0",
            )
        }
        assert reserved == dict(wins)
        assert sum(wins.values()) == ROUNDS
        assert rows(
            seeded_network, "SELECT count(*) FROM reservations WHERE state = 'pending'"
        ) == [(ROUNDS,)]
        claims = Counter(
            operation
            for (operation,) in rows(
                seeded_network, "SELECT operation FROM audit_log WHERE operation LIKE 'offer.%'"
            )
        )
        assert claims == {"offer.claim": ROUNDS}

    check = run_ordersync("--database-url", server.database_url, "check", cwd=tmp_path)
    assert check.returncode == 0, check.describe() + "\n" + server.output()
    assert_no_server_errors(server)


async def wait_for_routing(admin: httpx.AsyncClient, order_id: str, records: int) -> dict[str, Any]:
    """The order once it has ``records`` routing decisions (the sweep runs every
    ``SWEEP_SECONDS``); fails if they do not come within ``SWEEP_WAIT_SECONDS``."""
    order = await read_order(admin, order_id)
    for _ in range(int(SWEEP_WAIT_SECONDS / SWEEP_SECONDS)):
        if len(order["routing"]) >= records:
            return order
        await asyncio.sleep(SWEEP_SECONDS)
        order = await read_order(admin, order_id)
    pytest.fail(f"no routing decision {records} for order {order_id}: {order['routing']}")


def run_out_timer(network: Network, offer_id: str) -> None:
    """What the clock passing the offer's end would do: its end is now in the past."""
    with network.engine.begin() as connection:
        moved = connection.execute(
            text("UPDATE offers SET expires_at = created_at WHERE id = :offer AND state = 'open'"),
            {"offer": offer_id},
        )
        assert moved.rowcount == 1


async def test_an_offer_nobody_claims_moves_on_once_to_the_next_stores_then_the_next_rule(
    seeded_network: Network, ledger_server_factory: ServerFactory, tmp_path: Path
) -> None:
    server = start_ledger(seeded_network, ledger_server_factory, tmp_path)
    async with client_for(server, seeded_network.headers("WH", Role.ADMIN)) as admin:
        tokens = await add_stores(admin)
        for store in (*PARIS_STORES, *LYON_STORES, "WH"):
            await receive(admin, store, 2)
        order = await place_order(admin)
        first = the_offer(order)
        assert sorted(first["locations"]) == list(PARIS_STORES)

        run_out_timer(seeded_network, first["offer_id"])
        order = await wait_for_routing(admin, order["id"], 2)
        step = order["routing"][-1]
        assert step["trigger"] == "offer_expired"
        assert step["explanation"]["summary"].startswith("nobody claimed the offer to ")
        unclaimed = {c["location"]: c for c in step["explanation"]["candidates"]}
        for store in PARIS_STORES:
            assert unclaimed[store]["reasons"][0]["code"] == "not_claimed"
        second = the_offer(order)
        # Round 2: the stores not yet asked, the Lyon ones; still nobody holds a unit.
        assert (second["round"], sorted(second["locations"])) == (2, list(LYON_STORES))
        assert [line["state"] for line in order["lines"]] == ["offered"]
        assert order["jobs"] == []
        assert_answers(seeded_network, first["offer_id"], dict.fromkeys(PARIS_STORES, "expired"))
        async with client_for(server, {"Authorization": f"Bearer {tokens['C']}"}) as at_c:
            assert (await feed_answers(at_c))[first["offer_id"]] == "expired"
            late = await at_c.post(
                f"/v1/offers/{first['offer_id']}/claim", json={"op_id": str(uuid7())}
            )
            assert late.status_code == 409, late.text
            assert late.json()["type"] == PROBLEM_TYPE_PREFIX + "offer-expired"
        async with client_for(server, {"Authorization": f"Bearer {tokens['E']}"}) as at_e:
            seen = (await at_e.get("/v1/offers")).json()
            assert [(o["id"], o["round"]) for o in seen] == [(second["offer_id"], 2)]

        # Nobody in Lyon claims either: the next rule sends the line to the warehouse.
        run_out_timer(seeded_network, second["offer_id"])
        order = await wait_for_routing(admin, order["id"], 3)
        step = order["routing"][-1]
        assert step["trigger"] == "offer_expired"
        assert step["explanation"]["rule"] == "warehouses"
        assert [(job["location"], job["state"]) for job in order["jobs"]] == [("WH", "assigned")]
        assert [line["state"] for line in order["lines"]] == ["routed"]
        assert_answers(seeded_network, second["offer_id"], dict.fromkeys(LYON_STORES, "expired"))

        # Both processes swept: each offer ended once, and nothing else was routed twice.
        assert len(order["routing"]) == 3
        expired = rows(
            seeded_network, "SELECT count(*) FROM audit_log WHERE operation = 'offer.expired'"
        )
        assert expired == [(2,)]
        assert rows(
            seeded_network,
            "SELECT location, reserved FROM positions WHERE sku = 'S1' AND reserved <> 0",
        ) == [("WH", 1)]

    check = run_ordersync("--database-url", server.database_url, "check", cwd=tmp_path)
    assert check.returncode == 0, check.describe() + "\n" + server.output()
    assert_no_server_errors(server)
