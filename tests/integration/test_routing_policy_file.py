"""The routing policy file: the packaged default, a file named in the settings, read again when
it changes (no restart), and refused with a clear error naming the key when it is not valid.

The ledger runs in process over a real database on each backend; the policy file lives in the
test's temporary directory and is rewritten between calls.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.config import LedgerSettings
from ordersync.contract import (
    DEFAULT_RETURN_REASONS,
    PROBLEM_MEDIA_TYPE,
    Role,
    SuspectRouting,
    uuid7,
)
from ordersync.domain.counter_policy import CounterPolicy
from ordersync.domain.future_stock import FutureStockPolicy, IncomingSource
from ordersync.domain.routing import RoutingPolicy
from ordersync.services.routing_policy import (
    PolicyDocument,
    PolicyError,
    PolicySource,
    Promise,
    default_policy_text,
    parse_policy,
)
from tests.support.ledger_harness import Network

PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


def settings(network: Network, policy: Path) -> LedgerSettings:
    return LedgerSettings(
        database_url=network.url,
        token_cache_seconds=0,
        expiry_sweep_seconds=3600,
        reservation_ttl_seconds=600,
        routing_policy=policy,
    )


@contextmanager
def ledger(network: Network, clock: ManualClock, policy: Path) -> Iterator[TestClient]:
    app = create_app(settings(network, policy), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


class Calls:
    def __init__(self, client: TestClient, network: Network) -> None:
        self.client = client
        self.network = network
        self.admin = network.headers("WH", Role.ADMIN)

    def receive(self, location: str, sku: str, qty: int) -> None:
        reply = self.client.post(
            "/v1/movements",
            json={
                "op_id": str(uuid7()),
                "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
            },
            headers=self.admin,
        )
        assert reply.status_code == 201, reply.text

    def place(self, sku: str = "S1") -> Any:
        return self.client.post(
            "/v1/orders",
            json={
                "op_id": str(uuid7()),
                "channel": "web",
                "lines": [{"sku": sku, "qty": 1}],
                "customer": {"name": "Camille Martin"},
                "delivery": PARIS,
            },
            headers=self.admin,
        )

    def order(self, sku: str = "S1") -> dict[str, Any]:
        reply = self.place(sku)
        assert reply.status_code == 201, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def jobs(self, location: str = "A") -> Any:
        return self.client.get("/v1/jobs", headers=self.network.headers(location, Role.ASSOCIATE))

    def hold_ends(self, order_id: str) -> list[datetime]:
        with self.network.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT expires_at FROM reservations WHERE order_ref = :id"), {"id": order_id}
            ).all()
        return [_aware(row[0]) for row in rows]


def _aware(value: Any) -> datetime:
    """A time read from the database (stored in UTC, with or without its zone)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def due_minutes(job: dict[str, Any]) -> float:
    return (at(job["due_at"]) - at(job["created_at"])).total_seconds() / 60


def verdicts(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["location"]: c for c in order["routing"][-1]["explanation"]["candidates"]}


def assert_not_a_crash(reply: Any) -> None:
    """Whatever the ledger answers, it is not a 500 and an error is a problem document."""
    assert reply.status_code < 500, reply.text
    if reply.status_code >= 400:
        assert reply.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    return tmp_path / "routing.toml"


# --- the packaged default --------------------------------------------------------------------


def test_the_packaged_policy_parses_to_the_documented_defaults() -> None:
    document = parse_policy(default_policy_text(), "default")
    assert document == PolicyDocument(RoutingPolicy(), Promise())
    assert asdict(document.routing) == {
        "distance_tolerance_km": 5.0,
        "max_distance_km": 0.0,
        "include_warehouses": True,
        "service_level_minutes": 120,
        "hold_hours": 72,
        "suspect_positions": SuspectRouting.EXCLUDE,
    }
    assert asdict(document.promise) == {"near_km": 50.0, "near_days": 1, "far_days": 2}
    assert document.counter == CounterPolicy(
        max_line_units=1000, return_reasons=DEFAULT_RETURN_REASONS
    )
    # Every setting the file documents is one the ledger knows, and the other way round.
    documented = {
        line.split("=")[0].strip()
        for line in default_policy_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert documented == set(asdict(document.routing)) | set(asdict(document.promise)) | set(
        asdict(document.future_stock)
    ) | set(asdict(document.counter)) | (
        # The target to start is service_level_minutes; the table names it in a comment only.
        set(asdict(document.service_level)) - {"to_start_minutes"}
    )
    assert document.future_stock == FutureStockPolicy(
        enabled=True, horizon_days=21, sources=frozenset(IncomingSource)
    )
    assert PolicySource(None).current() == document


# --- a file named in the settings ------------------------------------------------------------


def test_the_policy_file_named_in_the_settings_is_the_one_routing_follows(
    network: Network, clock: ManualClock, policy_file: Path
) -> None:
    policy_file.write_text(
        "service_level_minutes = 30\ninclude_warehouses = false\nhold_hours = 5\nnear_days = 4\n"
    )
    with ledger(network, clock, policy_file) as client:
        calls = Calls(client, network)
        calls.receive("WH", "S1", 10)  # deeper than A, at the same place
        calls.receive("A", "S1", 2)
        order = calls.order()
        [job] = order["jobs"]
        assert job["location"] == "A"
        assert verdicts(order)["WH"]["reasons"][0]["code"] == "not_fulfilling"
        assert due_minutes(job) == 30
        assert at(order["promised_by"]) == at(order["created_at"]) + timedelta(days=4)
        assert calls.hold_ends(order["id"]) == [at(order["created_at"]) + timedelta(hours=5)]

        clock.advance(timedelta(minutes=29))
        assert [j["late"] for j in calls.jobs().json()] == [False]
        clock.advance(timedelta(minutes=2))
        assert [j["late"] for j in calls.jobs().json()] == [True]

        # Only the warehouse holds S2: with warehouses left out, nobody can serve it.
        calls.receive("WH", "S2", 5)
        refused = calls.place("S2")
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("order-unfulfillable")


def test_a_rewritten_policy_file_is_used_without_a_restart(
    network: Network, clock: ManualClock, policy_file: Path
) -> None:
    policy_file.write_text("service_level_minutes = 30\ninclude_warehouses = false\n")
    with ledger(network, clock, policy_file) as client:
        calls = Calls(client, network)
        calls.receive("WH", "S1", 10)
        calls.receive("A", "S1", 3)
        first = calls.order()
        assert [(j["location"], due_minutes(j)) for j in first["jobs"]] == [("A", 30)]

        policy_file.write_text("service_level_minutes = 240\ninclude_warehouses = true\n")
        second = calls.order()
        assert [(j["location"], due_minutes(j)) for j in second["jobs"]] == [("WH", 240)]
        assert verdicts(second)["A"]["reasons"][0]["code"] == "shallower_stock"

        policy_file.write_text("# back to the packaged defaults\n")
        third = calls.order()
        assert [(j["location"], due_minutes(j)) for j in third["jobs"]] == [("WH", 120)]


def test_a_rewrite_that_keeps_the_files_size_and_time_is_still_seen(
    network: Network, clock: ManualClock, policy_file: Path
) -> None:
    """Two saves within one tick of a coarse file clock, or a copy that keeps the time (cp -p,
    rsync -t) with the same number of digits: the content changed, so must the policy."""
    policy_file.write_text("service_level_minutes = 30\n")
    with ledger(network, clock, policy_file) as client:
        calls = Calls(client, network)
        calls.receive("A", "S1", 3)
        assert due_minutes(calls.order()["jobs"][0]) == 30
        before = policy_file.stat()
        policy_file.write_text("service_level_minutes = 45\n")
        os.utime(policy_file, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert policy_file.stat().st_size == before.st_size
        assert due_minutes(calls.order()["jobs"][0]) == 45


def test_a_job_stays_due_when_it_was_due_after_the_service_level_changes(
    network: Network, clock: ManualClock, policy_file: Path
) -> None:
    policy_file.write_text("service_level_minutes = 30\n")
    with ledger(network, clock, policy_file) as client:
        calls = Calls(client, network)
        calls.receive("A", "S1", 3)
        [job] = calls.order()["jobs"]
        clock.advance(timedelta(minutes=45))
        policy_file.write_text("service_level_minutes = 240\n")
        [listed] = calls.jobs().json()
        assert at(listed["due_at"]) == at(job["created_at"]) + timedelta(minutes=30)
        # Listed by due time, past its due time and not started: it is late.
        assert listed["late"] is True


# --- invalid policies ------------------------------------------------------------------------

INVALID = [
    pytest.param("servce_level_minutes = 30\n", "servce_level_minutes", id="unknown-key"),
    pytest.param("[routing]\nhold_hours = 1\n", "routing", id="unknown-table"),
    pytest.param('service_level_minutes = "soon"\n', "service_level_minutes", id="int-as-text"),
    pytest.param("service_level_minutes = 1.5\n", "service_level_minutes", id="int-as-float"),
    pytest.param("hold_hours = true\n", "hold_hours", id="int-as-bool"),
    pytest.param('include_warehouses = "yes"\n', "include_warehouses", id="bool-as-text"),
    pytest.param('distance_tolerance_km = "far"\n', "distance_tolerance_km", id="float-as-text"),
    pytest.param("max_distance_km = true\n", "max_distance_km", id="float-as-bool"),
    pytest.param("near_km = [1, 2]\n", "near_km", id="float-as-list"),
    pytest.param("hold_hours = -1\n", "hold_hours", id="negative-int"),
    pytest.param("distance_tolerance_km = -0.5\n", "distance_tolerance_km", id="negative-float"),
    pytest.param("far_days = -2\n", "far_days", id="negative-promise"),
    pytest.param('suspect_positions = "first"\n', "suspect_positions", id="unknown-choice"),
    pytest.param("suspect_positions = 1\n", "suspect_positions", id="choice-as-number"),
    pytest.param("counter = 5\n", "write it as [counter]", id="counter-not-a-table"),
    pytest.param("[counter]\nmax_units = 5\n", "counter.max_units", id="counter-unknown-key"),
    pytest.param("[counter]\nmax_line_units = 0\n", "counter.max_line_units", id="limit-zero"),
    pytest.param(
        "[counter]\nmax_line_units = 1000001\n", "counter.max_line_units", id="limit-too-high"
    ),
    pytest.param(
        "[counter]\nmax_line_units = 10.5\n", "counter.max_line_units", id="limit-as-float"
    ),
    pytest.param("[counter]\nreturn_reasons = []\n", "counter.return_reasons", id="no-reason"),
    pytest.param(
        '[counter]\nreturn_reasons = "faulty"\n', "counter.return_reasons", id="reasons-as-text"
    ),
    pytest.param(
        '[counter]\nreturn_reasons = ["Faulty"]\n', "counter.return_reasons", id="uppercase"
    ),
    pytest.param('[counter]\nreturn_reasons = ["too big"]\n', "counter.return_reasons", id="space"),
    pytest.param(
        '[counter]\nreturn_reasons = ["1st"]\n', "counter.return_reasons", id="digit-first"
    ),
    pytest.param(
        f'[counter]\nreturn_reasons = ["{"x" * 33}"]\n', "counter.return_reasons", id="too-long"
    ),
    pytest.param(
        '[counter]\nreturn_reasons = ["faulty", 3]\n', "counter.return_reasons", id="number"
    ),
    pytest.param(
        '[counter]\nreturn_reasons = ["faulty", "other", "faulty"]\n',
        "faulty more than once",
        id="twice",
    ),
]


@pytest.mark.parametrize(("content", "key"), INVALID)
def test_an_invalid_policy_is_refused_naming_the_key(
    content: str, key: str, policy_file: Path
) -> None:
    with pytest.raises(PolicyError) as parsed:
        parse_policy(content, "my-policy.toml")
    assert key in str(parsed.value)
    assert "my-policy.toml" in str(parsed.value)
    policy_file.write_text(content)
    with pytest.raises(PolicyError) as loaded:
        PolicySource(policy_file)
    assert key in str(loaded.value)
    assert str(policy_file) in str(loaded.value)


def test_the_counter_table_and_the_suspect_setting_are_read() -> None:
    document = parse_policy(
        'suspect_positions = "last"\n'
        "[counter]\n"
        "max_line_units = 1000000\n"
        f'return_reasons = ["damaged_box", "gift_2", "{"z" * 32}"]\n'
    )
    assert document.routing.suspect_positions is SuspectRouting.LAST
    assert document.counter == CounterPolicy(
        max_line_units=1_000_000, return_reasons=("damaged_box", "gift_2", "z" * 32)
    )
    only_limit = parse_policy("[counter]\nmax_line_units = 1\n").counter
    assert only_limit == CounterPolicy(max_line_units=1, return_reasons=DEFAULT_RETURN_REASONS)


def test_a_limit_out_of_range_says_the_range() -> None:
    with pytest.raises(PolicyError, match="between 1 and 1,000,000"):
        parse_policy("[counter]\nmax_line_units = 0\n")


def test_a_broken_toml_file_is_refused_saying_where(policy_file: Path) -> None:
    policy_file.write_text("near_km = 50.0\nservice_level_minutes = \n")
    with pytest.raises(PolicyError) as loaded:
        PolicySource(policy_file)
    message = str(loaded.value)
    assert str(policy_file) in message
    assert "line 2" in message


def test_the_ledger_does_not_start_on_an_invalid_policy_file(
    network: Network, clock: ManualClock, policy_file: Path
) -> None:
    policy_file.write_text("hold_hours = -3\n")
    with pytest.raises(PolicyError, match="hold_hours"), ledger(network, clock, policy_file):
        pass


def test_a_policy_file_broken_while_running_does_not_break_the_ledger(
    network: Network, clock: ManualClock, policy_file: Path
) -> None:
    policy_file.write_text("service_level_minutes = 30\n")
    with ledger(network, clock, policy_file) as client:
        calls = Calls(client, network)
        calls.receive("A", "S1", 5)
        calls.order()
        for broken in ("service_level_minutes = \n", "service_level_minutes = -5\n"):
            policy_file.write_text(broken)
            listed = calls.jobs()
            assert_not_a_crash(listed)
            placed = calls.place()
            assert_not_a_crash(placed)
            if placed.status_code == 201:
                # Kept going on the last valid policy.
                assert due_minutes(placed.json()["jobs"][0]) == 30
        policy_file.write_text("service_level_minutes = 60\n")
        assert due_minutes(calls.order()["jobs"][0]) == 60


def test_a_policy_holding_units_zero_hours_is_refused_or_still_serves_orders(
    network: Network, clock: ManualClock, policy_file: Path
) -> None:
    policy_file.write_text("hold_hours = 0\n")
    try:
        PolicySource(policy_file)
    except PolicyError as error:
        refused: PolicyError | None = error
    else:
        refused = None
    if refused is not None:
        assert "hold_hours" in str(refused)
        return
    with ledger(network, clock, policy_file) as client:
        calls = Calls(client, network)
        calls.receive("A", "S1", 5)
        assert_not_a_crash(calls.place())
