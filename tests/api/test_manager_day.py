"""The manager's day and inventory accuracy through the API, on both backends.

A fresh seeded network per test (stores A in Paris and B in Lyon, warehouse WH; S1..S3 at 49.90
EUR), driven over HTTP with the clock in hand: who may read the reports, device heartbeats, the
day's queue across the store's midnight, counts taken while the store keeps selling, the cycle
count schedule and the variance report.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX, Role, uuid7
from tests.support.ledger_harness import Network

PRICE = 4990  # every seeded item
HOME = {
    "kind": "home",
    "address": "1 rue de Rivoli, Paris",
    "latitude": 48.85,
    "longitude": 2.35,
}
CUSTOMER = {"name": "Camille Martin", "email": "camille@example.org"}
SERVICE_LEVEL = timedelta(minutes=120)  # the packaged routing.toml


class Store:
    """The seeded network seen through the API, with the few database reads tests need."""

    def __init__(self, api: TestClient, network: Network, clock: ManualClock) -> None:
        self.api = api
        self.network = network
        self.clock = clock

    def headers(self, location: str = "A", role: Role = Role.ASSOCIATE) -> dict[str, str]:
        return self.network.headers(location, role)

    @property
    def manager(self) -> dict[str, str]:
        return self.headers("A", Role.MANAGER)

    @property
    def admin(self) -> dict[str, str]:
        return self.headers("WH", Role.ADMIN)

    def move(self, kind: str, sku: str, qty: int, location: str = "A") -> None:
        line = {"kind": kind, "sku": sku, "location": location, "qty": qty}
        reply = self.api.post(
            "/v1/movements",
            json={"op_id": str(uuid7()), "lines": [line]},
            headers=self.headers(location),
        )
        assert reply.status_code == 201, reply.text

    def head(self) -> int:
        return int(self.api.get("/v1/health").json()["head"])

    def count(self, sku: str, counted: int, as_of: int, op_id: str | None = None) -> httpx.Response:
        body = {
            "op_id": op_id or str(uuid7()),
            "sku": sku,
            "location": "A",
            "counted": counted,
            "as_of_seq": as_of,
        }
        return self.api.post("/v1/counts", json=body, headers=self.headers())

    def order(
        self, lines: list[tuple[str, int]], *, channel: str = "web", **delivery: Any
    ) -> dict[str, Any]:
        body = {
            "op_id": str(uuid7()),
            "channel": channel,
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "customer": CUSTOMER,
            "delivery": delivery or HOME,
        }
        headers = self.headers() if channel == "store" else self.admin
        reply = self.api.post("/v1/orders", json=body, headers=headers)
        assert reply.status_code == 201, reply.text
        order: dict[str, Any] = reply.json()
        return order

    def walk(self, job: dict[str, Any], *states: str) -> None:
        extras: dict[str, dict[str, Any]] = {
            "packed": {"parcels": 1, "weight_grams": 420},
            "shipped": {"tracking": "COLIS-1"},
        }
        for state in states:
            reply = self.api.post(
                f"/v1/jobs/{job['id']}/transitions",
                json={"op_id": str(uuid7()), "to": state, **extras.get(state, {})},
                headers=self.headers(job["location"]),
            )
            assert reply.status_code == 200, reply.text

    def reject(self, job: dict[str, Any], line_no: int = 1) -> None:
        reply = self.api.post(
            f"/v1/jobs/{job['id']}/lines/{line_no}/reject",
            json={"op_id": str(uuid7()), "reason": "not_found"},
            headers=self.headers(job["location"]),
        )
        assert reply.status_code == 200, reply.text

    def day(self, headers: dict[str, str] | None = None, **params: str) -> dict[str, Any]:
        reply = self.api.get("/v1/locations/A/day", params=params, headers=headers or self.manager)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def schedule(self, limit: int) -> list[str]:
        reply = self.api.post(
            "/v1/count-tasks/schedule",
            json={"location": "A", "limit": limit},
            headers=self.manager,
        )
        assert reply.status_code == 200, reply.text
        return [task["sku"] for task in reply.json()["opened"]]

    def variance(self, **params: Any) -> dict[str, Any]:
        reply = self.api.get("/v1/reports/variance", params=params, headers=self.manager)
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        with self.network.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def count_results(self) -> list[tuple[Any, ...]]:
        return self.rows(
            "SELECT sku, as_of_seq, expected, counted, delta, unit_price_minor, currency, reason "
            "FROM count_results ORDER BY id"
        )

    def open_tasks(self) -> list[tuple[str, str]]:
        return [
            (str(sku), str(reason))
            for sku, reason in self.rows(
                "SELECT sku, reason FROM count_tasks WHERE location = 'A' AND closed_at IS NULL "
                "ORDER BY id"
            )
        ]


@pytest.fixture
def store(api: TestClient, network: Network, clock: ManualClock) -> Store:
    return Store(api, network, clock)


def assert_problem(reply: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    problem: dict[str, Any] = reply.json()
    assert problem["type"] == PROBLEM_TYPE_PREFIX + slug, problem
    return problem


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


# --- who may read ----------------------------------------------------------------------------


REQUESTS = {
    "day's queue": ("GET", "/v1/locations/A/day", None, None),
    "variance": ("GET", "/v1/reports/variance", {"location": "A"}, None),
    "variance of its own store": ("GET", "/v1/reports/variance", None, None),
    "count schedule": ("POST", "/v1/count-tasks/schedule", None, {"location": "A", "limit": 3}),
}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_reports_are_for_the_stores_manager_and_admins_only(store: Store, name: str) -> None:
    method, path, params, body = REQUESTS[name]
    store.move("receipt", "S1", 4)

    def send(headers: dict[str, str]) -> httpx.Response:
        return store.api.request(method, path, params=params, json=body, headers=headers)

    assert_problem(send(store.headers("A", Role.ASSOCIATE)), 403, "forbidden")
    if params is not None or body is not None or path.startswith("/v1/locations/A"):
        # the manager of another store, asking about A
        assert_problem(send(store.headers("B", Role.MANAGER)), 403, "forbidden")
    assert store.open_tasks() == []
    for allowed in (store.manager, store.admin):
        reply = send(allowed)
        assert reply.status_code == 200, reply.text


def test_the_days_queue_of_an_unknown_store_or_day_is_refused(store: Store) -> None:
    reply = store.api.get("/v1/locations/NOWHERE/day", headers=store.admin)
    assert_problem(reply, 422, "unknown-location")
    reply = store.api.get("/v1/locations/A/day", params={"date": "1999-12-31"}, headers=store.admin)
    assert_problem(reply, 422, "invalid-request")
    reply = store.api.get("/v1/locations/A/day", params={"date": "2026-02-30"}, headers=store.admin)
    assert_problem(reply, 422, "validation")


# --- device heartbeats -----------------------------------------------------------------------


def test_a_heartbeat_is_answered_204_and_the_latest_one_shows_in_the_days_queue(
    store: Store,
) -> None:
    till = store.headers("A", Role.ASSOCIATE)
    beat = {
        "pending_ops": 3,
        "needs_attention": 1,
        "oldest_pending_at": "2026-03-02T09:50:00+01:00",
        "app_version": "0.1.0",
    }
    reply = store.api.post("/v1/devices/heartbeat", json=beat, headers=till)
    assert reply.status_code == 204, reply.text
    assert reply.content == b""
    other_store = store.api.post(
        "/v1/devices/heartbeat",
        json={"pending_ops": 0, "needs_attention": 0},
        headers=store.headers("B"),
    )
    assert other_store.status_code == 204, other_store.text

    store.clock.advance(timedelta(minutes=5, seconds=10))
    [device] = store.day()["devices"]
    assert device == {
        "device": "test-device",
        "role": "associate",
        "last_seen_at": "2026-03-02T09:00:00Z",
        "minutes_since_seen": 5,
        "pending_ops": 3,
        "needs_attention": 1,
        "oldest_pending_at": "2026-03-02T08:50:00Z",
    }

    # the device synced: its next report replaces the first, and is sent again harmlessly
    for _ in range(2):
        reply = store.api.post(
            "/v1/devices/heartbeat", json={"pending_ops": 0, "needs_attention": 0}, headers=till
        )
        assert reply.status_code == 204, reply.text
    [device] = store.day()["devices"]
    assert (device["minutes_since_seen"], device["pending_ops"], device["oldest_pending_at"]) == (
        0,
        0,
        None,
    )
    assert store.rows("SELECT COUNT(*) FROM device_status") == [(2,)]


def test_a_heartbeat_needs_a_valid_token_and_body(store: Store) -> None:
    reply = store.api.post("/v1/devices/heartbeat", json={"pending_ops": 0, "needs_attention": 0})
    assert_problem(reply, 401, "unauthorized")
    reply = store.api.post(
        "/v1/devices/heartbeat",
        json={"pending_ops": -1, "needs_attention": 0},
        headers=store.headers(),
    )
    assert_problem(reply, 422, "validation")
    assert store.rows("SELECT COUNT(*) FROM device_status") == [(0,)]


# --- the day's queue -------------------------------------------------------------------------


def test_the_days_queue_shows_late_jobs_first_rejections_collections_and_saved_sales(
    store: Store,
) -> None:
    store.move("receipt", "S1", 10)
    store.move("receipt", "S2", 10)
    store.move("receipt", "S3", 10, location="B")
    first = store.order([("S1", 1)])["jobs"][0]  # a web order, shipped from A
    store.clock.advance(SERVICE_LEVEL + timedelta(minutes=5))
    second = store.order([("S1", 2), ("S2", 1)])["jobs"][0]
    store.walk(second, "picking")
    store.reject(second, line_no=2)  # S2 not found: the line goes elsewhere
    # S1: A's record of S2 is suspect since the short pick, so routing leaves it out.
    collect = store.order([("S1", 1)], channel="store", kind="collect", collect_at="A")
    store.walk(collect["jobs"][0], "picking", "picked", "ready")
    # saved sales: an order in store for an item A lacks, shipped from B to the customer
    saved = store.order([("S3", 2)], channel="store")
    done = store.order([("S1", 1)])["jobs"][0]
    store.walk(done, "picking", "picked", "packed", "shipped")

    day = store.day()
    assert (day["location"], day["timezone"], day["day"]) == ("A", "Europe/Paris", "2026-03-02")
    assert [job["id"] for job in day["open_jobs"]] == [first["id"], second["id"]]
    late, started = day["open_jobs"]
    assert (late["late"], late["age_minutes"], late["minutes_to_due"]) == (True, 125, -5)
    assert (started["state"], started["late"], started["lines"], started["units"]) == (
        "picking",
        False,
        1,
        2,
    )
    assert started["customer_name"] == "Camille Martin"
    assert day["late_jobs"] == 1
    assert day["jobs_by_state"] == {
        "assigned": 1,
        "picking": 1,
        "picked": 0,
        "packed": 0,
        "shipped": 1,
        "ready": 1,
        "collected": 0,
        "cancelled": 0,
        "rejected": 0,
    }
    [rejection] = day["rejections"]
    assert (rejection["job_id"], rejection["sku"], rejection["name"], rejection["qty"]) == (
        second["id"],
        "S2",
        "Item S2",
        1,
    )
    assert (rejection["reason"], at(rejection["rejected_at"])) == ("not_found", store.clock.now())
    [waiting] = day["collections_waiting"]
    assert (waiting["id"], waiting["kind"], waiting["state"]) == (
        collect["jobs"][0]["id"],
        "collect",
        "ready",
    )
    assert [(o["order_id"], o["units"], o["value_minor"]) for o in day["store_orders"]] == [
        (collect["id"], 1, PRICE),
        (saved["id"], 2, 2 * PRICE),
    ]
    assert (day["store_orders_value_minor"], day["currency"]) == (3 * PRICE, "EUR")
    assert (day["open_count_tasks"], day["suspect_positions"]) == (1, 1)  # the short pick


def test_an_order_at_half_past_eleven_belongs_to_that_store_day_not_the_next(
    store: Store,
) -> None:
    store.move("receipt", "S1", 5)
    store.clock.set(at("2026-03-02T22:30:00Z"))  # 23:30 in Paris
    evening = store.order([("S1", 1)], channel="store", kind="collect", collect_at="A")
    store.clock.set(at("2026-03-02T23:10:00Z"))  # 00:10 on 3 March in Paris, still 2 March in UTC

    today = store.day()
    assert today["day"] == "2026-03-03"
    assert today["store_orders"] == []
    assert [job["id"] for job in today["open_jobs"]] == [evening["jobs"][0]["id"]]
    assert today["jobs_by_state"]["assigned"] == 1  # still open, so still counted
    yesterday = store.day(date="2026-03-02")
    assert [o["order_id"] for o in yesterday["store_orders"]] == [evening["id"]]
    assert yesterday["store_orders_value_minor"] == PRICE
    before = store.day(date="2026-03-01")
    assert before["store_orders"] == []


# --- counting while the store keeps selling --------------------------------------------------


def test_a_count_as_of_an_earlier_feed_position_keeps_the_sales_made_since(store: Store) -> None:
    store.move("receipt", "S1", 10)
    as_of = store.head()  # the associate starts counting: the record says 10
    store.move("sale", "S1", 2)  # two sold at the till while the shelf is counted
    store.move("sale", "S1", 1)
    op_id = str(uuid7())
    reply = store.count("S1", 9, as_of, op_id)  # 9 found on the shelf: one unit is missing
    assert reply.status_code == 201, reply.text
    result = reply.json()
    assert (result["expected_at_count"], result["moved_since_count"], result["delta"]) == (
        10,
        -3,
        -1,
    )
    assert result["position"]["on_hand"] == 6  # 10 - 3 sold - 1 missing
    assert store.count_results() == [("S1", as_of, 10, 9, -1, PRICE, "EUR", "unplanned")]

    again = store.count("S1", 9, as_of, op_id)  # the reply was lost: the till sends it again
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(store.count_results()) == 1

    report = store.variance(days=1)
    [today] = report["periods"]
    assert (today["counts"], today["units_delta"], today["value_delta_minor"]) == (1, -1, -PRICE)
    assert today["accuracy"] == 0.0
    [record] = report["counts"]
    assert (record["op_id"], record["name"], record["expected"], record["counted"]) == (
        op_id,
        "Item S1",
        10,
        9,
    )


def test_a_count_answers_the_open_task_and_records_its_reason(store: Store) -> None:
    store.move("sale", "S2", 1)  # a sale below zero: the record is wrong, count it
    assert store.open_tasks() == [("S2", "below_zero")]
    as_of = store.head()
    reply = store.count("S2", 0, as_of)
    assert reply.status_code == 201, reply.text
    assert store.open_tasks() == []
    assert store.count_results() == [("S2", as_of, -1, 0, 1, PRICE, "EUR", "below_zero")]


# --- the cycle-count schedule ----------------------------------------------------------------


def test_the_schedule_opens_fast_movers_first_and_tops_up_to_its_limit(store: Store) -> None:
    for sku in ("S1", "S2", "S3"):
        store.move("receipt", sku, 20)
    store.move("sale", "S1", 8)  # 80% of the sales: class A
    store.move("sale", "S2", 2)  # class B; S3 sold nothing: class C
    assert store.schedule(2) == ["S1", "S2"]
    assert store.open_tasks() == [("S1", "cycle"), ("S2", "cycle")]
    assert store.schedule(2) == []  # sent again: nothing more

    assert store.count("S1", 12, store.head()).status_code == 201
    assert store.count_results()[-1][-1] == "cycle"
    # one cycle task is open: one more, and S1 was just counted, so the never-counted S3
    assert store.schedule(2) == ["S3"]
    assert store.schedule(5) == []  # everything is either counted or waiting to be

    store.clock.advance(timedelta(days=7))
    for sku in ("S2", "S3"):
        assert store.count(sku, 20, store.head()).status_code == 201
    assert store.schedule(5) == ["S1"]  # a week later the fast mover is due again
    audit = store.rows(
        "SELECT location, role FROM audit_log WHERE operation = 'count_tasks.schedule'"
    )
    assert audit == [("A", "manager")] * 3


def test_the_schedule_of_an_unknown_location_is_refused(store: Store) -> None:
    reply = store.api.post(
        "/v1/count-tasks/schedule", json={"location": "NOWHERE", "limit": 2}, headers=store.admin
    )
    assert_problem(reply, 422, "unknown-location")


# --- the variance report ---------------------------------------------------------------------


def test_the_variance_report_lists_every_day_and_sums_per_iso_week(store: Store) -> None:
    store.move("receipt", "S1", 10)
    store.move("receipt", "S2", 4)
    assert store.count("S1", 10, store.head()).status_code == 201  # right
    store.clock.advance(timedelta(days=1))
    assert store.count("S2", 2, store.head()).status_code == 201  # two missing
    store.clock.advance(timedelta(days=1))  # Wednesday 4 March, nothing counted

    by_day = store.variance(days=3)
    assert (by_day["start"], by_day["end"], by_day["currency"]) == (
        "2026-03-02",
        "2026-03-04",
        "EUR",
    )
    assert [
        (p["period"], p["counts"], p["units_delta"], p["accuracy"]) for p in by_day["periods"]
    ] == [
        ("2026-03-02", 1, 0, 1.0),
        ("2026-03-03", 1, -2, 0.0),
        ("2026-03-04", 0, 0, None),
    ]
    assert [c["sku"] for c in by_day["counts"]] == ["S2", "S1"]  # newest first

    [week] = store.variance(days=3, period="week")["periods"]
    assert week == {
        "period": "2026-W10",
        "counts": 2,
        "units_expected": 14,
        "units_counted": 12,
        "units_delta": -2,
        "value_delta_minor": -2 * PRICE,
        "abs_value_delta_minor": 2 * PRICE,
        "accuracy": 0.5,
    }
    empty = store.api.get(
        "/v1/reports/variance", params={"location": "B", "days": 2}, headers=store.admin
    ).json()
    assert [p["counts"] for p in empty["periods"]] == [0, 0]
    assert empty["counts"] == []
