"""Orders, routing explanations and fulfilment jobs through the API, on both backends.

Each test gets a fresh seeded network (stores A in Paris and B in Lyon, warehouse WH at A's
coordinates; S1 and S2 are sizes of REF-1, S3 is REF-2) and drives it only over HTTP, then reads
the tables the API does not expose (count tasks, movements, audit) straight from the database.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX, Role, uuid7
from tests.support.ledger_harness import START, Network

PARIS = {"address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}
LYON = {"address": "1 rue de la République, Lyon", "latitude": 45.76, "longitude": 4.83}
CUSTOMER = {"name": "Camille Martin", "email": "camille@example.org"}
LOCATIONS = ("A", "B", "WH")
SKUS = ("S1", "S2", "S3")
SERVICE_LEVEL = timedelta(minutes=120)  # the packaged routing.toml


# --- driving the API -------------------------------------------------------------------------


class Shop:
    """The seeded network seen through the API, with the few database reads tests need."""

    def __init__(self, api: TestClient, network: Network) -> None:
        self.api = api
        self.network = network

    def headers(self, location: str = "A", role: Role = Role.ASSOCIATE) -> dict[str, str]:
        return self.network.headers(location, role)

    @property
    def admin(self) -> dict[str, str]:
        return self.network.headers("WH", Role.ADMIN)

    def receive(self, location: str, sku: str, qty: int) -> None:
        reply = self.api.post(
            "/v1/movements",
            json={
                "op_id": str(uuid7()),
                "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
            },
            headers=self.headers(location),
        )
        assert reply.status_code == 201, reply.text

    def sell(self, location: str, sku: str, qty: int) -> None:
        reply = self.api.post(
            "/v1/movements",
            json={
                "op_id": str(uuid7()),
                "lines": [{"kind": "sale", "sku": sku, "location": location, "qty": qty}],
            },
            headers=self.headers(location),
        )
        assert reply.status_code == 201, reply.text

    def set_location(self, code: str, **changes: Any) -> None:
        reply = self.api.get("/v1/locations", headers=self.admin)
        assert reply.status_code == 200, reply.text
        [current] = [loc for loc in reply.json() if loc["code"] == code]
        reply = self.api.put(
            "/v1/locations", json={"locations": [{**current, **changes}]}, headers=self.admin
        )
        assert reply.status_code == 200, reply.text

    def safety_stock(self, location: str, sku: str, units: int) -> None:
        reply = self.api.put(
            f"/v1/positions/{location}/{sku}/safety-stock",
            json={"op_id": str(uuid7()), "safety_stock": units},
            headers=self.headers(location, Role.MANAGER),
        )
        assert reply.status_code == 200, reply.text

    def order_body(
        self,
        lines: list[tuple[str, int]],
        *,
        channel: str = "web",
        home: dict[str, Any] | None = None,
        collect_at: str | None = None,
        op_id: str | None = None,
    ) -> dict[str, Any]:
        if collect_at is not None:
            delivery: dict[str, Any] = {"kind": "collect", "collect_at": collect_at}
        else:
            delivery = {"kind": "home", **(home or PARIS)}
        return {
            "op_id": op_id or str(uuid7()),
            "channel": channel,
            "external_ref": "WEB-42",
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "customer": CUSTOMER,
            "delivery": delivery,
        }

    def place(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        reply: httpx.Response = self.api.post(
            "/v1/orders", json=body, headers=headers or self.admin
        )
        return reply

    def order(self, lines: list[tuple[str, int]], **options: Any) -> dict[str, Any]:
        headers = options.pop("headers", None)
        reply = self.place(self.order_body(lines, **options), headers)
        assert reply.status_code == 201, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def get_order(self, order_id: str) -> dict[str, Any]:
        reply = self.api.get(f"/v1/orders/{order_id}", headers=self.admin)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def move(
        self,
        job: dict[str, Any],
        to: str,
        *,
        headers: dict[str, str] | None = None,
        op_id: str | None = None,
        **extra: Any,
    ) -> httpx.Response:
        reply: httpx.Response = self.api.post(
            f"/v1/jobs/{job['id']}/transitions",
            json={"op_id": op_id or str(uuid7()), "to": to, **extra},
            headers=headers or self.headers(job["location"]),
        )
        return reply

    def walk(self, job: dict[str, Any], *steps: str) -> dict[str, Any]:
        extras: dict[str, dict[str, Any]] = {
            "packed": {"parcels": 1, "weight_grams": 420},
            "shipped": {"tracking": "COLIS-1"},
        }
        body: dict[str, Any] = job
        for step in steps:
            reply = self.move(job, step, **extras.get(step, {}))
            assert reply.status_code == 200, (step, reply.text)
            body = reply.json()
            assert body["state"] == step
        return body

    def reject(
        self,
        job: dict[str, Any],
        line_no: int = 1,
        reason: str = "not_found",
        op_id: str | None = None,
    ) -> httpx.Response:
        reply: httpx.Response = self.api.post(
            f"/v1/jobs/{job['id']}/lines/{line_no}/reject",
            json={"op_id": op_id or str(uuid7()), "reason": reason},
            headers=self.headers(job["location"]),
        )
        return reply

    def position(self, location: str, sku: str) -> dict[str, Any]:
        """The position, or zeros when the ledger has no record of it yet."""
        reply = self.api.get(f"/v1/positions/{location}/{sku}", headers=self.admin)
        if reply.status_code == 404:
            return {"on_hand": 0, "reserved": 0, "available": 0, "suspect": False}
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def stock(self, location: str, sku: str) -> tuple[int, int]:
        found = self.position(location, sku)
        return found["on_hand"], found["reserved"]

    def reserved(self) -> dict[tuple[str, str], int]:
        return {
            (loc, sku): self.position(loc, sku)["reserved"] for loc in LOCATIONS for sku in SKUS
        }

    def head(self) -> int:
        return int(self.api.get("/v1/health").json()["head"])

    def token_id(self, headers: dict[str, str]) -> int:
        return int(self.api.get("/v1/me", headers=headers).json()["token_id"])

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
        jobs: dict[str, dict[str, Any]] = {}
        for change in reply.json()["changes"]:
            if change["kind"] == "job":
                jobs[change["job"]["id"]] = change["job"]
        return jobs

    # direct reads of tables the API does not expose

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        with self.network.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def count(self, table: str) -> int:
        return int(self.rows(f"SELECT COUNT(*) FROM {table}")[0][0])

    def open_job_units(self) -> dict[tuple[str, str], int]:
        """Units of every open job line, by (location, sku): what routing should hold."""
        held: dict[tuple[str, str], int] = {}
        for location, sku, qty in self.rows(
            "SELECT j.location, l.sku, l.qty FROM job_lines l JOIN jobs j ON j.id = l.job_id "
            "WHERE l.state = 'open'"
        ):
            held[(location, sku)] = held.get((location, sku), 0) + int(qty)
        return held

    def count_tasks(self, location: str, sku: str) -> list[tuple[Any, ...]]:
        return self.rows(
            "SELECT reason, opened_at, closed_at FROM count_tasks "
            "WHERE location = :location AND sku = :sku ORDER BY id",
            location=location,
            sku=sku,
        )

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

    def audit(self, op_id: str) -> list[dict[str, Any]]:
        with self.network.engine.connect() as connection:
            result = connection.execute(
                text(
                    "SELECT operation, actor, role, location, device FROM audit_log "
                    "WHERE op_id = :op_id"
                ),
                {"op_id": op_id},
            )
            return [dict(row._mapping) for row in result]

    def assert_reserved_matches_open_jobs(self) -> None:
        """Nothing reserved twice or left behind: positions hold exactly the open job lines."""
        held = {key: units for key, units in self.reserved().items() if units}
        assert held == self.open_job_units()


@pytest.fixture
def shop(api: TestClient, network: Network) -> Shop:
    return Shop(api, network)


def assert_problem(reply: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    problem: dict[str, Any] = reply.json()
    assert problem["type"] == PROBLEM_TYPE_PREFIX + slug, problem
    assert problem["status"] == status
    return problem


def candidates(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["location"]: c for c in record["explanation"]["candidates"]}


def codes(candidate: dict[str, Any]) -> list[str]:
    return [reason["code"] for reason in candidate["reasons"]]


def winners(record: dict[str, Any]) -> list[str]:
    return sorted(c["location"] for c in record["explanation"]["candidates"] if c["won"])


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


# --- channels, delivery, idempotency ---------------------------------------------------------


def test_store_devices_place_store_orders_and_only_admins_take_web_orders(shop: Shop) -> None:
    shop.receive("A", "S1", 5)
    at_a = shop.headers("A")
    refused = shop.place(shop.order_body([("S1", 1)], channel="web"), at_a)
    assert_problem(refused, 403, "forbidden")
    manager = shop.place(
        shop.order_body([("S1", 1)], channel="web"), shop.headers("A", Role.MANAGER)
    )
    assert_problem(manager, 403, "forbidden")
    assert shop.count("orders") == 0
    assert shop.stock("A", "S1") == (5, 0)

    in_store = shop.order([("S1", 1)], channel="store", headers=at_a)
    assert (in_store["channel"], in_store["placed_by"], in_store["state"]) == ("store", "A", "open")
    assert in_store["customer"]["name"] == CUSTOMER["name"]
    assert in_store["delivery"]["kind"] == "home"
    web = shop.order([("S1", 1)], channel="web")
    assert web["channel"] == "web"
    assert shop.stock("A", "S1") == (5, 2)

    # A store sees the orders it placed or serves; another store does not.
    assert shop.api.get(f"/v1/orders/{in_store['id']}", headers=at_a).status_code == 200
    other = shop.api.get(f"/v1/orders/{in_store['id']}", headers=shop.headers("B"))
    assert_problem(other, 403, "forbidden")
    hidden = shop.api.get(f"/v1/orders/{in_store['id']}/routing", headers=shop.headers("B"))
    assert_problem(hidden, 403, "forbidden")


INCOMPLETE_DELIVERIES = {
    "home without coordinates": {"kind": "home", "address": "1 rue de Rivoli"},
    "home without address": {"kind": "home", "latitude": 48.85, "longitude": 2.35},
    "collect nowhere": {"kind": "collect"},
    "collect at a warehouse": {"kind": "collect", "collect_at": "WH"},
    "collect at an unknown store": {"kind": "collect", "collect_at": "NOWHERE"},
}


def test_an_incomplete_delivery_is_refused_and_changes_nothing(shop: Shop) -> None:
    shop.receive("A", "S1", 5)
    for case, delivery in INCOMPLETE_DELIVERIES.items():
        body = {**shop.order_body([("S1", 1)]), "delivery": delivery}
        reply = shop.place(body)
        assert reply.status_code == 422, (case, reply.text)
        assert reply.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE), case
    assert shop.count("orders") == 0
    assert shop.count("jobs") == 0
    assert shop.stock("A", "S1") == (5, 0)


def test_an_order_sent_again_is_replayed_and_a_changed_body_is_refused(shop: Shop) -> None:
    shop.receive("A", "S1", 5)
    body = shop.order_body([("S1", 2)])
    first = shop.place(body)
    assert first.status_code == 201, first.text
    again = shop.place(body)
    assert again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert first.json()["id"] == body["op_id"]
    assert shop.count("orders") == 1
    assert shop.count("jobs") == 1
    assert shop.stock("A", "S1") == (5, 2)

    changed = {**body, "lines": [{"sku": "S1", "qty": 3}]}
    assert_problem(shop.place(changed), 422, "idempotency-key-reused")
    other_store = shop.place({**body, "channel": "store"}, shop.headers("A"))
    assert other_store.status_code == 422, other_store.text
    assert shop.count("orders") == 1
    assert shop.stock("A", "S1") == (5, 2)
    assert shop.get_order(body["op_id"])["lines"] == [
        {
            "line_no": 1,
            "sku": "S1",
            "qty": 2,
            "state": "routed",
            "returned": 0,
            "cancel_reason": None,
        }
    ]


# --- routing and its explanation -------------------------------------------------------------


def test_the_routing_explanation_is_stored_readable_and_embedded_in_the_order(shop: Shop) -> None:
    shop.receive("A", "S1", 3)
    shop.receive("B", "S1", 3)
    order = shop.order([("S1", 1)], home=LYON)
    reply = shop.api.get(f"/v1/orders/{order['id']}/routing", headers=shop.admin)
    assert reply.status_code == 200, reply.text
    records = reply.json()
    assert records == order["routing"]
    [record] = records
    assert record["trigger"] == "order"
    explanation = record["explanation"]
    assert explanation["assignments"] == [{"location": "B", "lines": [1]}]
    assert explanation["unserved"] == []
    assert "B" in explanation["summary"]
    verdicts = candidates(record)
    assert set(verdicts) == set(LOCATIONS)
    assert winners(record) == ["B"]
    assert verdicts["B"]["reasons"] == []
    assert verdicts["B"]["text"]
    farther = verdicts["A"]["reasons"][0]
    assert farther["code"] == "farther"
    assert farther["distance_km"] > farther["winner_distance_km"]
    assert verdicts["WH"]["reasons"] == [
        {"code": "no_stock", "sku": "S1", "requested": 1, "available": 0}
    ]
    for verdict in verdicts.values():
        assert isinstance(verdict["text"], str)
        assert verdict["text"]
    # The store that serves the order reads the same account of it.
    at_b = shop.api.get(f"/v1/orders/{order['id']}/routing", headers=shop.headers("B"))
    assert at_b.status_code == 200, at_b.text
    assert at_b.json() == records


def test_safety_stock_capacity_and_fulfilment_each_explain_a_loss(shop: Shop) -> None:
    # Paris customer: A and WH are at 0 km, B is in Lyon.
    for location in LOCATIONS:
        shop.receive(location, "S1", 4)
    shop.safety_stock("A", "S1", 4)
    shop.set_location("WH", daily_job_capacity=0)
    order = shop.order([("S1", 1)])
    [record] = order["routing"]
    assert winners(record) == ["B"]
    verdicts = candidates(record)
    assert codes(verdicts["A"]) == ["safety_stock"]
    assert verdicts["A"]["reasons"][0]["available"] == 0
    assert codes(verdicts["WH"]) == ["no_capacity"]
    assert shop.stock("A", "S1") == (4, 0)

    shop.set_location("B", fulfils_web_orders=False)
    refused = shop.place(shop.order_body([("S1", 1)]))
    problem = assert_problem(refused, 409, "order-unfulfillable")
    verdicts = {c["location"]: c for c in problem["routing"]["candidates"]}
    assert codes(verdicts["B"]) == ["not_fulfilling"]
    assert codes(verdicts["A"]) == ["safety_stock"]
    assert codes(verdicts["WH"]) == ["no_capacity"]


def test_a_store_at_its_daily_capacity_takes_no_more_jobs_until_its_next_day(
    shop: Shop, clock: ManualClock
) -> None:
    # START is 09:00 UTC, 10:00 in Paris (A's time zone, UTC+1 in early March).
    shop.receive("A", "S1", 10)
    shop.receive("B", "S1", 10)
    shop.set_location("A", daily_job_capacity=1)
    assert [j["location"] for j in shop.order([("S1", 1)])["jobs"]] == ["A"]
    second = shop.order([("S1", 1)])
    assert [j["location"] for j in second["jobs"]] == ["B"]
    full = candidates(second["routing"][0])["A"]["reasons"]
    assert [r["code"] for r in full] == ["no_capacity"]
    clock.advance(timedelta(hours=13, minutes=59))  # 23:59 in Paris, still the same day
    assert [j["location"] for j in shop.order([("S1", 1)])["jobs"]] == ["B"]
    clock.advance(timedelta(minutes=2))  # 00:01 in Paris: a new day
    assert [j["location"] for j in shop.order([("S1", 1)])["jobs"]] == ["A"]
    shop.assert_reserved_matches_open_jobs()


def test_equal_distances_are_settled_by_stock_depth_then_by_load(shop: Shop) -> None:
    # A and WH stand at the same coordinates, so depth and load decide between them.
    shop.receive("A", "S1", 5)
    shop.receive("WH", "S1", 4)
    first = shop.order([("S1", 1)])
    [record] = first["routing"]
    assert winners(record) == ["A"]
    shallower = candidates(record)["WH"]["reasons"][0]
    assert shallower == {"code": "shallower_stock", "left_after": 3, "winner_left_after": 4}

    # Now 4 units each, but A took a job today.
    second = shop.order([("S1", 1)])
    [record] = second["routing"]
    assert winners(record) == ["WH"]
    busier = candidates(record)["A"]["reasons"][0]
    assert busier["code"] == "busier"
    assert busier["load"] > busier["winner_load"]


def test_an_order_is_split_only_when_no_single_location_can_serve_it(shop: Shop) -> None:
    shop.receive("A", "S1", 2)
    shop.receive("B", "S2", 2)
    split = shop.order([("S1", 1), ("S2", 1)])
    jobs = {job["location"]: job for job in split["jobs"]}
    assert set(jobs) == {"A", "B"}
    assert [line["sku"] for line in jobs["A"]["lines"]] == ["S1"]
    assert [line["sku"] for line in jobs["B"]["lines"]] == ["S2"]
    assert all(job["kind"] == "ship" and job["destination"] is None for job in jobs.values())
    [record] = split["routing"]
    assert sorted(a["location"] for a in record["explanation"]["assignments"]) == ["A", "B"]
    assert winners(record) == ["A", "B"]
    assert shop.stock("A", "S1") == (2, 1)
    assert shop.stock("B", "S2") == (2, 1)
    # A split promises a day more than a single shipment from far away.
    assert at(split["promised_by"]) == START + timedelta(days=3)

    # Once one location holds both, it ships the whole order even from farther away.
    shop.receive("B", "S1", 2)
    whole = shop.order([("S1", 1), ("S2", 1)])
    assert [job["location"] for job in whole["jobs"]] == ["B"]
    assert [line["sku"] for line in whole["jobs"][0]["lines"]] == ["S1", "S2"]
    assert shop.stock("A", "S1") == (2, 1)
    shop.assert_reserved_matches_open_jobs()


# --- click and collect -----------------------------------------------------------------------


def test_collecting_where_the_units_are_makes_a_collect_job_that_ends_in_a_sale(
    shop: Shop,
) -> None:
    shop.receive("A", "S1", 3)
    shop.receive("WH", "S1", 50)  # deeper, same place: still the shelf at the counter wins
    order = shop.order([("S1", 1)], channel="store", collect_at="A", headers=shop.headers("A"))
    [job] = order["jobs"]
    assert (job["location"], job["kind"], job["destination"]) == ("A", "collect", None)
    assert at(order["promised_by"]) == START
    assert winners(order["routing"][0]) == ["A"]

    assert shop.walk(job, "picking", "picked")["state"] == "picked"
    wrong = assert_problem(
        shop.move(job, "packed", parcels=1, weight_grams=1), 409, "invalid-state"
    )
    assert wrong["current_state"] == "picked"
    assert wrong["allowed"] == ["cancelled", "ready"]
    shop.walk(job, "ready", "collected")
    assert shop.stock("A", "S1") == (2, 0)
    assert shop.movements("A", "S1") == [("receipt", 3), ("sale", -1)]
    final = shop.get_order(order["id"])
    assert final["state"] == "closed"
    assert final["lines"][0]["state"] == "collected"


def test_a_collect_store_without_the_units_gets_them_shipped(shop: Shop) -> None:
    shop.receive("B", "S1", 3)
    order = shop.order([("S1", 1)], collect_at="A")
    [job] = order["jobs"]
    assert (job["location"], job["kind"], job["destination"]) == ("B", "ship", "A")
    verdicts = candidates(order["routing"][0])
    assert codes(verdicts["A"]) == ["no_stock"]
    shop.walk(job, "picking", "picked", "packed", "shipped")
    assert shop.stock("B", "S1") == (2, 0)
    in_transit = shop.get_order(order["id"])
    assert in_transit["state"] == "open"
    assert in_transit["lines"][0]["state"] == "in_transit"
    [handover] = [j for j in in_transit["jobs"] if j["location"] == "A"]
    assert (handover["kind"], handover["state"]) == ("collect", "picked")


def test_a_store_that_ships_nothing_still_hands_over_its_own_shelf(shop: Shop) -> None:
    shop.receive("A", "S1", 2)
    shop.set_location("A", fulfils_web_orders=False, daily_job_capacity=0)
    order = shop.order([("S1", 1)], collect_at="A")
    [job] = order["jobs"]
    assert (job["location"], job["kind"]) == ("A", "collect")
    # ...but a home delivery may not be sent from it.
    refused = assert_problem(shop.place(shop.order_body([("S1", 1)])), 409, "order-unfulfillable")
    assert [c["location"] for c in refused["alternatives"]["collect_at"]] == ["A"]


# --- orders that cannot be served ------------------------------------------------------------


def test_an_unservable_order_is_refused_with_alternatives_and_holds_nothing(shop: Shop) -> None:
    shop.receive("A", "S2", 4)  # another size of the same reference
    shop.receive("B", "S3", 4)
    before = shop.reserved()
    refused = shop.place(shop.order_body([("S3", 1), ("S1", 1)]))
    problem = assert_problem(refused, 409, "order-unfulfillable")
    assert problem["unserved"] == [{"line_no": 2, "sku": "S1", "qty": 1}]
    assert [(s["instead_of"], s["sku"]) for s in problem["alternatives"]["other_sizes"]] == [
        ("S1", "S2")
    ]
    assert problem["alternatives"]["other_sizes"][0]["available"] == 4
    assert problem["alternatives"]["collect_at"] == []
    # The line that could be served holds nothing either: all lines or none.
    assert shop.reserved() == before
    assert shop.count("orders") == 0
    assert shop.count("jobs") == 0
    assert shop.count("routing_decisions") == 0
    assert shop.jobs("B") == []


def test_an_order_only_a_non_shipping_store_holds_suggests_collecting_there(shop: Shop) -> None:
    shop.receive("B", "S1", 2)
    shop.set_location("B", fulfils_web_orders=False)
    problem = assert_problem(
        shop.place(shop.order_body([("S1", 2)], home=LYON)), 409, "order-unfulfillable"
    )
    assert problem["alternatives"]["collect_at"] == [{"location": "B", "distance_km": 0.0}]
    assert shop.stock("B", "S1") == (2, 0)
    # Following the suggestion works.
    order = shop.order([("S1", 2)], collect_at="B")
    assert [(job["location"], job["kind"]) for job in order["jobs"]] == [("B", "collect")]


# --- the life of a job -----------------------------------------------------------------------


def test_a_job_moves_only_as_its_state_allows_and_records_who_moved_it(shop: Shop) -> None:
    shop.receive("A", "S1", 3)
    order = shop.order([("S1", 1)])
    [job] = order["jobs"]
    assert (job["location"], job["state"], job["kind"]) == ("A", "assigned", "ship")

    for target in ("picked", "packed", "shipped", "cancelled", "ready", "collected"):
        problem = assert_problem(shop.move(job, target), 409, "invalid-state")
        assert problem["current_state"] == "assigned"
        assert problem["allowed"] == ["picking"]
    assert_problem(shop.move(job, "picking", headers=shop.headers("B")), 403, "forbidden")

    device = shop.headers("A")
    op_id = str(uuid7())
    moved = shop.move(job, "picking", op_id=op_id, headers=device)
    assert moved.status_code == 200, moved.text
    again = shop.move(job, "picking", op_id=op_id, headers=device)
    assert again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == moved.json()
    assert_problem(
        shop.move(job, "picked", op_id=op_id, headers=device), 422, "idempotency-key-reused"
    )
    [row] = shop.audit(op_id)
    assert row == {
        "operation": "job.picking",
        "actor": shop.token_id(device),
        "role": "associate",
        "location": "A",
        "device": "test-device",
    }
    assert shop.rows("SELECT updated_by FROM jobs WHERE id = :id", id=job["id"]) == [
        (shop.token_id(device),)
    ]

    shop.walk(job, "picked")
    assert_problem(shop.move(job, "packed"), 422, "invalid-request")
    assert_problem(shop.move(job, "packed", parcels=2), 422, "invalid-request")
    packed = shop.walk(job, "packed")
    assert (packed["parcels"], packed["weight_grams"]) == (1, 420)
    assert_problem(shop.move(job, "shipped"), 422, "invalid-request")
    assert shop.api.get(f"/v1/jobs/{job['id']}", headers=device).json()["state"] == "packed"
    assert shop.stock("A", "S1") == (3, 1)

    shipped = shop.walk(job, "shipped")
    assert shipped["tracking"] == "COLIS-1"
    assert shop.stock("A", "S1") == (2, 0)
    assert shop.movements("A", "S1") == [("receipt", 3), ("shipment", -1)]
    final = assert_problem(shop.move(job, "cancelled"), 409, "invalid-state")
    assert (final["current_state"], final["allowed"]) == ("shipped", [])
    order = shop.get_order(order["id"])
    assert order["state"] == "closed"
    assert order["lines"][0]["state"] == "shipped"


def test_shipping_a_job_of_several_lines_commits_every_line(shop: Shop) -> None:
    shop.receive("A", "S1", 3)
    shop.receive("A", "S2", 3)
    order = shop.order([("S1", 1), ("S2", 2)])
    [job] = order["jobs"]
    assert [(line["sku"], line["qty"]) for line in job["lines"]] == [("S1", 1), ("S2", 2)]
    shop.walk(job, "picking", "picked", "packed", "shipped")
    assert shop.stock("A", "S1") == (2, 0)
    assert shop.stock("A", "S2") == (1, 0)
    assert shop.movements("A", "S2") == [("receipt", 3), ("shipment", -2)]
    final = shop.get_order(order["id"])
    assert [line["state"] for line in final["lines"]] == ["shipped", "shipped"]
    assert final["state"] == "closed"


def test_cancelling_a_picked_job_gives_its_units_back(shop: Shop) -> None:
    shop.receive("A", "S1", 2)
    shop.receive("A", "S2", 2)
    order = shop.order([("S1", 1), ("S2", 1)])
    [job] = order["jobs"]
    shop.walk(job, "picking", "picked", "cancelled")
    assert shop.stock("A", "S1") == (2, 0)
    assert shop.stock("A", "S2") == (2, 0)
    assert shop.movements("A", "S1") == [("receipt", 2)]
    final = shop.get_order(order["id"])
    assert [line["state"] for line in final["lines"]] == ["cancelled", "cancelled"]
    assert [j["state"] for j in final["jobs"]] == ["cancelled"]
    shop.assert_reserved_matches_open_jobs()


def test_a_job_not_started_within_the_service_level_is_late(shop: Shop, clock: ManualClock) -> None:
    shop.receive("A", "S1", 5)
    old = shop.order([("S1", 1)])["jobs"][0]
    assert at(old["due_at"]) == at(old["created_at"]) + SERVICE_LEVEL
    assert old["late"] is False
    clock.advance(SERVICE_LEVEL - timedelta(minutes=1))
    assert [job["late"] for job in shop.jobs("A")] == [False]
    clock.advance(timedelta(minutes=2))
    new = shop.order([("S1", 1)])["jobs"][0]
    listed = shop.jobs("A")
    assert [(job["id"], job["late"]) for job in listed] == [(old["id"], True), (new["id"], False)]
    assert shop.api.get(f"/v1/jobs/{old['id']}", headers=shop.headers("A")).json()["late"]
    assigned = shop.api.get(
        "/v1/jobs", params={"state": "assigned"}, headers=shop.headers("A")
    ).json()
    assert [job["id"] for job in assigned] == [old["id"], new["id"]]
    # Starting it ends the lateness (the service level is about starting).
    shop.walk(old, "picking")
    assert [job["late"] for job in shop.jobs("A")] == [False, False]


def test_jobs_reach_their_stores_change_feed(shop: Shop) -> None:
    shop.receive("A", "S1", 2)
    shop.receive("B", "S2", 2)
    order = shop.order([("S1", 1), ("S2", 1)])
    jobs = {job["location"]: job for job in order["jobs"]}
    shop.walk(jobs["A"], "picking")
    at_a, at_b = shop.feed_jobs("A"), shop.feed_jobs("B")
    assert set(at_a) == {jobs["A"]["id"]}
    assert set(at_b) == {jobs["B"]["id"]}
    assert at_a[jobs["A"]["id"]]["state"] == "picking"
    assert at_b[jobs["B"]["id"]]["state"] == "assigned"
    assert at_a[jobs["A"]["id"]]["customer_name"] == CUSTOMER["name"]


# --- short picks -----------------------------------------------------------------------------


def test_a_short_pick_releases_flags_opens_a_count_and_reroutes_in_the_same_request(
    shop: Shop,
) -> None:
    shop.receive("A", "S1", 2)
    shop.receive("B", "S1", 5)
    shop.receive("A", "S2", 2)
    order = shop.order([("S1", 1), ("S2", 1)])
    [job] = order["jobs"]
    assert job["location"] == "A"
    reply = shop.reject(job, 1, "not_found")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["rerouted_to"] == "B"
    # The job goes on with its other line.
    assert body["job"]["state"] == "assigned"
    assert [(line["state"], line["reject_reason"]) for line in body["job"]["lines"]] == [
        ("rejected", "not_found"),
        ("open", None),
    ]
    shelf = shop.position("A", "S1")
    assert (shelf["on_hand"], shelf["reserved"], shelf["suspect"]) == (2, 0, True)
    [(reason, _, closed)] = shop.count_tasks("A", "S1")
    assert (reason, closed) == ("short_pick", None)
    assert shop.stock("B", "S1") == (5, 1)

    records = body["order"]["routing"]
    assert records == shop.api.get(f"/v1/orders/{order['id']}/routing", headers=shop.admin).json()
    assert [r["trigger"] for r in records] == ["order", "short_pick"]
    reroute = records[1]
    assert reroute["explanation"]["assignments"] == [{"location": "B", "lines": [1]}]
    assert winners(reroute) == ["B"]
    assert codes(candidates(reroute)["A"]) == ["excluded"]
    assert codes(candidates(reroute)["WH"]) == ["no_stock"]
    new_jobs = [j for j in body["order"]["jobs"] if j["location"] == "B"]
    assert [(j["state"], [line["sku"] for line in j["lines"]]) for j in new_jobs] == [
        ("assigned", ["S1"])
    ]
    assert body["order"]["state"] == "open"
    shop.assert_reserved_matches_open_jobs()
    assert set(shop.feed_jobs("B")) == {new_jobs[0]["id"]}

    # A count at the shelf answers the task and clears the flag.
    counted = shop.api.post(
        "/v1/counts",
        json={
            "op_id": str(uuid7()),
            "sku": "S1",
            "location": "A",
            "counted": 0,
            "as_of_seq": shop.head(),
        },
        headers=shop.headers("A"),
    )
    assert counted.status_code == 201, counted.text
    [(_, _, closed)] = shop.count_tasks("A", "S1")
    assert closed is not None
    assert shop.position("A", "S1")["suspect"] is False

    # Both jobs ship; the order closes only then.
    shop.walk(job, "picking", "picked", "packed", "shipped")
    assert shop.get_order(order["id"])["state"] == "open"
    shop.walk(new_jobs[0], "picking", "picked", "packed", "shipped")
    final = shop.get_order(order["id"])
    assert final["state"] == "closed"
    assert [line["state"] for line in final["lines"]] == ["shipped", "shipped"]
    assert shop.stock("B", "S1") == (4, 0)
    shop.assert_reserved_matches_open_jobs()


def test_a_short_pick_is_idempotent_and_a_line_is_rejected_once(shop: Shop) -> None:
    shop.receive("A", "S1", 2)
    shop.receive("B", "S1", 2)
    [job] = shop.order([("S1", 1)])["jobs"]
    assert_problem(shop.reject(job, 2), 404, "not-found")
    op_id = str(uuid7())
    first = shop.reject(job, 1, op_id=op_id)
    assert first.status_code == 200, first.text
    again = shop.reject(job, 1, op_id=op_id)
    assert again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert shop.count("jobs") == 2
    assert len(shop.audit(op_id)) == 1
    problem = assert_problem(shop.reject(job, 1), 409, "invalid-state")
    assert problem["current_state"] == "rejected"
    shop.assert_reserved_matches_open_jobs()
    assert len(shop.count_tasks("A", "S1")) == 1


def test_lines_are_not_rejected_once_the_job_is_picked(shop: Shop) -> None:
    shop.receive("A", "S1", 2)
    shop.receive("B", "S1", 2)
    [job] = shop.order([("S1", 1)])["jobs"]
    shop.walk(job, "picking", "picked")
    problem = assert_problem(shop.reject(job), 409, "invalid-state")
    assert problem["current_state"] == "picked"
    assert shop.count("jobs") == 1
    assert shop.count_tasks("A", "S1") == []
    assert shop.stock("A", "S1") == (2, 1)


def test_a_line_every_location_fails_ends_unfulfillable_and_the_order_needs_follow_up(
    shop: Shop,
) -> None:
    for location in LOCATIONS:
        shop.receive(location, "S1", 1)
    order = shop.order([("S1", 1)])
    tried: list[str] = []
    job = order["jobs"][0]
    while True:
        tried.append(job["location"])
        reply = shop.reject(job)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["job"]["state"] == "rejected"
        if body["rerouted_to"] is None:
            break
        assert body["rerouted_to"] not in tried
        [job] = [j for j in body["order"]["jobs"] if j["state"] == "assigned"]
        assert job["location"] == body["rerouted_to"]
    assert sorted(tried) == sorted(LOCATIONS)
    final = shop.get_order(order["id"])
    assert final["state"] == "follow_up"
    assert final["lines"][0]["state"] == "unfulfillable"
    last = final["routing"][-1]
    assert last["trigger"] == "short_pick"
    assert last["explanation"]["unserved"] == [{"line_no": 1, "sku": "S1", "qty": 1}]
    assert all(codes(c) == ["excluded"] for c in candidates(last).values())
    assert len(final["routing"]) == len(LOCATIONS) + 1
    assert all(shop.position(loc, "S1")["suspect"] for loc in LOCATIONS)
    assert shop.reserved() == dict.fromkeys(shop.reserved(), 0)
    shop.assert_reserved_matches_open_jobs()


def test_a_short_picked_collect_job_is_shipped_to_the_collection_store(shop: Shop) -> None:
    shop.receive("A", "S1", 1)
    shop.receive("B", "S1", 3)
    order = shop.order([("S1", 1)], channel="store", collect_at="A", headers=shop.headers("A"))
    [job] = order["jobs"]
    assert (job["location"], job["kind"]) == ("A", "collect")
    body = shop.reject(job).json()
    assert body["rerouted_to"] == "B"
    [shipped] = [j for j in body["order"]["jobs"] if j["location"] == "B"]
    assert (shipped["kind"], shipped["destination"]) == ("ship", "A")
    assert shop.stock("B", "S1") == (3, 1)
    assert shop.stock("A", "S1") == (1, 0)
    shop.assert_reserved_matches_open_jobs()


# --- the same operations through a store's bulk push -----------------------------------------


def push(shop: Shop, ops: list[dict[str, Any]], headers: dict[str, str]) -> list[dict[str, Any]]:
    reply = shop.api.post("/v1/ops", json={"ops": ops}, headers=headers)
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["results"]
    assert [r["op_id"] for r in results] == [op["op_id"] for op in ops]
    return results


def test_orders_and_jobs_pushed_as_operations_behave_as_the_single_endpoints(shop: Shop) -> None:
    shop.receive("A", "S1", 3)
    shop.receive("B", "S1", 3)
    at_a = shop.headers("A")
    store_order = {"op": "order", **shop.order_body([("S1", 1)], channel="store")}
    web_order = {"op": "order", **shop.order_body([("S1", 1)], channel="web")}
    [placed, forbidden] = push(shop, [store_order, web_order], at_a)
    assert (placed["status"], placed["replayed"]) == (201, False)
    assert forbidden["status"] == 403
    assert forbidden["body"]["type"] == PROBLEM_TYPE_PREFIX + "forbidden"
    order = placed["body"]
    assert (order["channel"], order["placed_by"]) == ("store", "A")
    [job] = order["jobs"]
    assert job["location"] == "A"

    # The single endpoint replays what the push did, and the other way round.
    body = {key: value for key, value in store_order.items() if key != "op"}
    replay = shop.place(body, at_a)
    assert replay.status_code == 201
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.json() == order

    step = {"op": "job_transition", "op_id": str(uuid7()), "job_id": job["id"], "to": "picking"}
    wrong = {"op": "job_transition", "op_id": str(uuid7()), "job_id": job["id"], "to": "shipped"}
    [moved, refused] = push(shop, [step], at_a) + push(shop, [wrong], at_a)
    assert moved["status"] == 200
    assert moved["body"]["state"] == "picking"
    assert refused["status"] == 409
    assert refused["body"]["current_state"] == "picking"
    assert refused["body"]["allowed"] == ["picked"]
    [row] = shop.audit(step["op_id"])
    assert (row["operation"], row["actor"], row["location"]) == (
        "job.picking",
        shop.token_id(at_a),
        "A",
    )
    same = shop.api.post(
        f"/v1/jobs/{job['id']}/transitions",
        json={"op_id": step["op_id"], "to": "picking"},
        headers=at_a,
    )
    assert same.status_code == 200
    assert same.headers.get("idempotent-replayed") == "true"
    assert same.json() == moved["body"]

    reject = {
        "op": "reject_line",
        "op_id": str(uuid7()),
        "job_id": job["id"],
        "line_no": 1,
        "reason": "not_found",
    }
    [rejected] = push(shop, [reject], at_a)
    assert rejected["status"] == 200, rejected
    assert rejected["body"]["rerouted_to"] == "B"
    assert rejected["body"]["job"]["state"] == "rejected"
    assert [r["trigger"] for r in rejected["body"]["order"]["routing"]] == ["order", "short_pick"]
    [(reason, _, _)] = shop.count_tasks("A", "S1")
    assert reason == "short_pick"
    [again] = push(shop, [reject], at_a)
    assert (again["status"], again["replayed"]) == (200, True)
    assert again["body"] == rejected["body"]
    assert shop.count("jobs") == 2
    shop.assert_reserved_matches_open_jobs()

    # Another store's device may not move the job B now holds.
    [new_job] = [j for j in rejected["body"]["order"]["jobs"] if j["location"] == "B"]
    foreign = {
        "op": "job_transition",
        "op_id": str(uuid7()),
        "job_id": new_job["id"],
        "to": "picking",
    }
    [denied] = push(shop, [foreign], at_a)
    assert denied["status"] == 403


def test_an_unservable_order_pushed_as_an_operation_is_refused_the_same_way(shop: Shop) -> None:
    shop.receive("A", "S2", 1)
    op = {"op": "order", **shop.order_body([("S1", 1)], channel="store")}
    [result] = push(shop, [op], shop.headers("A"))
    assert result["status"] == 409
    assert result["body"]["type"] == PROBLEM_TYPE_PREFIX + "order-unfulfillable"
    assert result["body"]["unserved"] == [{"line_no": 1, "sku": "S1", "qty": 1}]
    assert [s["sku"] for s in result["body"]["alternatives"]["other_sizes"]] == ["S2"]
    assert shop.count("orders") == 0
    single = shop.place({k: v for k, v in op.items() if k != "op"}, shop.headers("A"))
    assert single.status_code == 409
    assert single.headers.get("idempotent-replayed") == "true"


def test_unknown_jobs_and_orders_are_not_found(shop: Shop) -> None:
    missing = str(uuid.uuid4())
    assert_problem(shop.api.get(f"/v1/orders/{missing}", headers=shop.admin), 404, "not-found")
    assert_problem(shop.api.get(f"/v1/jobs/{missing}", headers=shop.admin), 404, "not-found")
    fake = {"id": missing, "location": "A"}
    assert_problem(shop.move(fake, "picking"), 404, "not-found")
    assert_problem(shop.reject(fake), 404, "not-found")
