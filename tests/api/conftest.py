"""Helpers shared by the API matrices: problem checks, a ledger driver, a valid call per route.

``ROUTE_SAMPLES`` holds one valid request for every route of the API. The malformed-input and
authorization matrices derive their cases from it, and both fail when the app grows a route that
has no sample here: add one when you add a route.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import func, select

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.contract import (
    API_PREFIX,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_PREFIX,
    CountIn,
    CountSchedule,
    DeviceHeartbeat,
    ItemsUpsert,
    JobTransition,
    LineRejection,
    LocationsUpsert,
    MovementBatch,
    OperationsPush,
    OrderCreate,
    ReservationCommit,
    ReservationCreate,
    ReservationRelease,
    Role,
    SafetyStockSet,
    TokenCreate,
    uuid7,
    with_check_digit,
)
from ordersync.db.ledger_tx import AUDIT, IDEMPOTENCY, MOVEMENTS, RESERVATIONS
from tests.conftest import ledger_settings
from tests.ledger_harness import (
    START,
    Network,
    PostgresDatabases,
    SqliteDatabases,
    backends,
    seed_network,
)

Reply = httpx.Response

LOCATIONS = ("A", "B", "WH")
STORE_SKUS = ("S1", "S2", "S3")
PUBLIC_ROUTES = {("GET", f"{API_PREFIX}/health")}
"""Routes that answer without a device token; every other route must demand one."""

LEAK_MARKERS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "IntegrityError",
    "OperationalError",
    "DataError",
)


_sku_numbers = itertools.count(1)


def new_op_id() -> str:
    return str(uuid7())


# --- problem documents -----------------------------------------------------------------------


def leaks(reply: Reply) -> list[str]:
    """Markers of a stack trace or a driver message found in a reply body."""
    return [marker for marker in LEAK_MARKERS if marker in reply.text]


def problem_issues(document: Any, status: int) -> list[str]:
    """What is wrong with ``document`` as the RFC 9457 problem of an HTTP ``status`` reply."""
    if not isinstance(document, dict):
        return [f"problem body is not an object: {document!r:.200}"]
    issues = []
    kind = document.get("type")
    if not isinstance(kind, str) or not kind.startswith(PROBLEM_TYPE_PREFIX):
        issues.append(f"problem type {kind!r:.100} is not a stable {PROBLEM_TYPE_PREFIX}* urn")
    title = document.get("title")
    if not isinstance(title, str) or not title:
        issues.append(f"problem title {title!r:.100} is missing")
    if document.get("status") != status:
        issues.append(f"problem status {document.get('status')!r} != HTTP status {status}")
    return issues


def reply_issues(reply: Reply) -> list[str]:
    """Every error reply is a problem+json document; no reply is a 5xx or shows a traceback."""
    issues = [f"leaks {marker!r}" for marker in leaks(reply)]
    if reply.status_code >= 500:
        issues.append(f"server error {reply.status_code}: {reply.text[:300]}")
    if reply.status_code >= 400:
        media_type = reply.headers.get("content-type", "").split(";")[0].strip()
        if media_type != PROBLEM_MEDIA_TYPE:
            issues.append(f"error content-type is {media_type!r}, not {PROBLEM_MEDIA_TYPE}")
        try:
            document = reply.json()
        except ValueError:
            issues.append(f"error body is not JSON: {reply.text[:200]!r}")
        else:
            issues.extend(problem_issues(document, reply.status_code))
    return issues


def assert_problem(reply: Reply, status: int, slug: str | None = None) -> dict[str, Any]:
    """``reply`` is a well-formed problem of ``status`` (and of type ``slug`` when given)."""
    assert reply.status_code == status, (reply.status_code, reply.text[:500])
    issues = reply_issues(reply)
    assert not issues, issues
    document: dict[str, Any] = reply.json()
    if slug is not None:
        assert document["type"] == PROBLEM_TYPE_PREFIX + slug, document
    return document


def without_instance(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "instance"}


# --- routes of the app -----------------------------------------------------------------------


def _walk(routes: Iterable[Any], found: set[tuple[str, str]]) -> None:
    for route in routes:
        if isinstance(route, APIRoute):
            found.update((method, route.path) for method in route.methods)
        elif hasattr(route, "effective_candidates"):  # routers included by newer FastAPI
            for candidate in route.effective_candidates():
                original = getattr(candidate, "original_route", None)
                if isinstance(original, APIRoute):
                    found.update((method, candidate.path) for method in original.methods)
                else:
                    _walk([candidate], found)


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app serves under the API prefix."""
    found: set[tuple[str, str]] = set()
    _walk(app.routes, found)
    for path, operations in app.openapi().get("paths", {}).items():
        found.update((method.upper(), path) for method in operations if method != "parameters")
    return {(method, path) for method, path in found if path.startswith(API_PREFIX + "/")}


def openapi_parameters(app: FastAPI, method: str, path: str) -> list[dict[str, Any]]:
    operation = app.openapi()["paths"][path][method.lower()]
    parameters: list[dict[str, Any]] = operation.get("parameters", [])
    return parameters


# --- driving the ledger ----------------------------------------------------------------------


@dataclass
class Ledger:
    """A small driver over the TestClient: setup calls and observations, admin by default."""

    client: TestClient
    network: Network
    clock: ManualClock

    def headers(self, location: str = "A", role: Role = Role.ASSOCIATE) -> dict[str, str]:
        return self.network.headers(location, role)

    @property
    def admin(self) -> dict[str, str]:
        return self.network.headers("A", Role.ADMIN)

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Reply:
        return self.client.request(
            method,
            path,
            json=body,
            headers=self.admin if headers is None else headers,
            params=params,
        )

    def movements(
        self, lines: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> Reply:
        return self.send("POST", "/v1/movements", {"op_id": new_op_id(), "lines": lines}, headers)

    def receive(self, sku: str, location: str, qty: int) -> None:
        reply = self.movements([{"kind": "receipt", "sku": sku, "location": location, "qty": qty}])
        assert reply.status_code == 201, reply.text

    def reserve(
        self, sku: str, location: str, qty: int, headers: dict[str, str] | None = None
    ) -> str:
        reservation_id = new_op_id()
        reply = self.send(
            "POST",
            "/v1/reservations",
            {"op_id": reservation_id, "lines": [{"sku": sku, "location": location, "qty": qty}]},
            headers,
        )
        assert reply.status_code == 201, reply.text
        return reservation_id

    def new_sku(self, reference: str = "REF-T") -> str:
        """A SKU of its own for one test, so tests sharing a ledger do not see each other."""
        number = next(_sku_numbers)
        sku = f"T{number}"
        item = {
            "sku": sku,
            "reference": reference,
            "name": f"Test item {number}",
            "size": "M",
            "colour": "bleu",
            "gtins": [with_check_digit(f"200{number:09d}")],
            "price_minor": 1990,
        }
        reply = self.send("PUT", "/v1/items", {"items": [item]})
        assert reply.status_code == 200, reply.text
        return sku

    def position(self, location: str, sku: str) -> dict[str, Any] | None:
        reply = self.send("GET", f"/v1/positions/{location}/{sku}")
        if reply.status_code == 404:
            return None
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def stock(self, location: str, sku: str) -> tuple[int, int, int, bool]:
        """(on_hand, reserved, safety_stock, suspect), zeros when there is no record yet."""
        found = self.position(location, sku)
        if found is None:
            return (0, 0, 0, False)
        return (found["on_hand"], found["reserved"], found["safety_stock"], found["suspect"])

    def head(self) -> int:
        reply = self.client.get("/v1/health")
        assert reply.status_code == 200, reply.text
        return int(reply.json()["head"])

    def token_id(self, headers: dict[str, str]) -> int:
        reply = self.client.get("/v1/me", headers=headers)
        assert reply.status_code == 200, reply.text
        return int(reply.json()["token_id"])

    def audit_api(
        self, location: str, after: int = 0, headers: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """The audit log of ``location`` after row ``after``, as its manager reads it."""
        reader = self.headers(location, Role.MANAGER) if headers is None else headers
        rows: list[dict[str, Any]] = []
        while True:
            reply = self.client.get(
                "/v1/audit",
                params={"location": location, "after_id": after, "limit": 1000},
                headers=reader,
            )
            assert reply.status_code == 200, reply.text
            page = reply.json()
            rows.extend(page)
            if len(page) < 1000:
                return rows
            after = page[-1]["id"]

    # direct reads of the database, for counts the API does not expose

    def _scalar(self, query: Any) -> Any:
        with self.network.engine.connect() as connection:
            return connection.execute(query).scalar_one()

    def audit_rows(self, op_id: str) -> list[dict[str, Any]]:
        with self.network.engine.connect() as connection:
            rows = connection.execute(select(AUDIT).where(AUDIT.c.op_id == op_id)).all()
        return [row._asdict() for row in rows]

    def audit_count(self) -> int:
        return int(self._scalar(select(func.count()).select_from(AUDIT)))

    def audit_after(self, audit_id: int) -> list[dict[str, Any]]:
        with self.network.engine.connect() as connection:
            rows = connection.execute(
                select(AUDIT).where(AUDIT.c.id > audit_id).order_by(AUDIT.c.id)
            ).all()
        return [row._asdict() for row in rows]

    def last_audit_id(self) -> int:
        return int(self._scalar(select(func.coalesce(func.max(AUDIT.c.id), 0))))

    def movement_count(self, op_id: str | None = None) -> int:
        query = select(func.count()).select_from(MOVEMENTS)
        if op_id is not None:
            query = query.where(MOVEMENTS.c.op_id == op_id)
        return int(self._scalar(query))

    def reservation_state(self, reservation_id: str) -> str | None:
        with self.network.engine.connect() as connection:
            return connection.execute(
                select(RESERVATIONS.c.state).where(RESERVATIONS.c.id == reservation_id)
            ).scalar()

    def snapshot(self, skus: Iterable[str] = STORE_SKUS) -> dict[str, Any]:
        """Everything an applied operation would change: replays and refusals must not."""
        with self.network.engine.connect() as connection:
            states = dict(
                connection.execute(
                    select(RESERVATIONS.c.state, func.count()).group_by(RESERVATIONS.c.state)
                ).all()
            )
            stored = connection.execute(select(func.count()).select_from(IDEMPOTENCY)).scalar()
        return {
            "positions": {
                (location, sku): self.stock(location, sku) for location in LOCATIONS for sku in skus
            },
            "head": self.head(),
            "movements": self.movement_count(),
            "audit": self.audit_count(),
            "reservations": states,
            "stored_outcomes": stored,
        }


@pytest.fixture(scope="module", params=backends())
def shared(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[Ledger]:
    """One seeded ledger and app for a whole module: a fresh database per test costs too much
    on PostgreSQL. Tests keep apart by using SKUs of their own and comparing before and after."""
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    url = databases.fresh()
    clock = ManualClock(START)
    network = seed_network(url, clock)
    app = create_app(ledger_settings(url), clock=clock)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Ledger(client, network, clock)
    finally:
        network.engine.dispose()
        databases.drop(url)


# --- one valid request per route -------------------------------------------------------------


@dataclass
class Sample:
    """A valid request to one route, as the admin of store A would send it."""

    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    model: type[BaseModel] | None = None
    fresh_path: Callable[[], dict[str, str]] | None = None
    """Path parameters naming a new target for each case (a new pending reservation, say)."""


def fill(template: str, params: dict[str, str]) -> str:
    path = template
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def _stocked(ledger: Ledger) -> None:
    """Plenty of S1 and S2 at A, whatever earlier tests on the shared ledger did."""
    for sku in ("S1", "S2"):
        found = ledger.position("A", sku)
        if found is None or found["available"] < 100_000:
            ledger.receive(sku, "A", 1_000_000)


def _movements(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "op_id": new_op_id(),
            "occurred_at": "2026-03-02T08:30:00+01:00",
            "lines": [
                {"kind": "receipt", "sku": "S1", "location": "A", "qty": 5},
                {"kind": "sale", "sku": "S1", "location": "A", "qty": 1},
                {"kind": "return", "sku": "S1", "location": "A", "qty": 1},
                {"kind": "adjustment", "sku": "S2", "location": "A", "delta": 2, "reason": "found"},
                {
                    "kind": "transfer",
                    "sku": "S1",
                    "from_location": "A",
                    "to_location": "B",
                    "qty": 1,
                },
            ],
        },
        model=MovementBatch,
    )


def _reserve_body() -> dict[str, Any]:
    return {
        "op_id": new_op_id(),
        "lines": [{"sku": "S1", "location": "A", "qty": 1}],
        "ttl_seconds": 600,
        "order_ref": "WEB-1",
    }


def _reservations(ledger: Ledger) -> Sample:
    _stocked(ledger)
    return Sample(body=_reserve_body(), model=ReservationCreate)


def _new_reservation(ledger: Ledger) -> Callable[[], dict[str, str]]:
    def make() -> dict[str, str]:
        return {"reservation_id": ledger.reserve("S1", "A", 1)}

    return make


def _reservation_read(ledger: Ledger) -> Sample:
    _stocked(ledger)
    return Sample(path_params={"reservation_id": ledger.reserve("S1", "A", 1)})


def _commit(ledger: Ledger) -> Sample:
    _stocked(ledger)
    make = _new_reservation(ledger)
    return Sample(
        path_params=make(),
        body={
            "op_id": new_op_id(),
            "lines": [{"sku": "S1", "location": "A", "qty": 1}],
            "movement": "sale",
        },
        model=ReservationCommit,
        fresh_path=make,
    )


def _release(ledger: Ledger) -> Sample:
    _stocked(ledger)
    make = _new_reservation(ledger)
    return Sample(
        path_params=make(), body={"op_id": new_op_id()}, model=ReservationRelease, fresh_path=make
    )


def _counts(ledger: Ledger) -> Sample:
    _stocked(ledger)
    return Sample(
        body={
            "op_id": new_op_id(),
            "sku": "S1",
            "location": "A",
            "counted": 7,
            "as_of_seq": ledger.head(),
        },
        model=CountIn,
    )


def _safety_stock(ledger: Ledger) -> Sample:
    return Sample(
        path_params={"location": "A", "sku": "S1"},
        body={"op_id": new_op_id(), "safety_stock": 2},
        model=SafetyStockSet,
    )


def _ops(ledger: Ledger) -> Sample:
    _stocked(ledger)
    held, released = new_op_id(), new_op_id()
    return Sample(
        body={
            "ops": [
                {
                    "op": "movements",
                    "op_id": new_op_id(),
                    "occurred_at": "2026-03-02T10:15:00Z",
                    "lines": [
                        {"kind": "receipt", "sku": "S1", "location": "A", "qty": 3},
                        {
                            "kind": "adjustment",
                            "sku": "S2",
                            "location": "A",
                            "delta": -1,
                            "reason": "damaged",
                        },
                    ],
                },
                {
                    "op": "reserve",
                    "op_id": held,
                    "lines": [{"sku": "S1", "location": "A", "qty": 1}],
                    "ttl_seconds": 60,
                    "order_ref": "WEB-2",
                },
                {
                    "op": "commit",
                    "op_id": new_op_id(),
                    "reservation_id": held,
                    "lines": [{"sku": "S1", "location": "A", "qty": 1}],
                    "movement": "shipment",
                },
                {
                    "op": "reserve",
                    "op_id": released,
                    "lines": [{"sku": "S2", "location": "A", "qty": 1}],
                },
                {"op": "release", "op_id": new_op_id(), "reservation_id": released},
                {
                    "op": "count",
                    "op_id": new_op_id(),
                    "sku": "S2",
                    "location": "A",
                    "counted": 4,
                    "as_of_seq": ledger.head(),
                },
            ]
        },
        model=OperationsPush,
    )


def _items(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "items": [
                {
                    "sku": "S9",
                    "reference": "REF-9",
                    "name": "Balconnet",
                    "size": "85B",
                    "size_row": "85",
                    "size_column": "B",
                    "colour": "noir",
                    "gtins": ["4006381333931"],
                    "price_minor": 4990,
                    "currency": "EUR",
                }
            ]
        },
        model=ItemsUpsert,
    )


def _locations(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "locations": [
                {
                    "code": "C",
                    "kind": "store",
                    "name": "Store C",
                    "timezone": "Europe/Paris",
                    "latitude": 43.3,
                    "longitude": 5.37,
                    "fulfils_web_orders": True,
                    "daily_job_capacity": 10,
                    "default_safety_stock": 1,
                }
            ]
        },
        model=LocationsUpsert,
    )


def _tokens(ledger: Ledger) -> Sample:
    return Sample(
        body={"location": "B", "role": "associate", "device": "till-2"}, model=TokenCreate
    )


def _token_delete(ledger: Ledger) -> Sample:
    def make() -> dict[str, str]:
        reply = ledger.send("POST", "/v1/tokens", {"location": "B", "role": "associate"})
        assert reply.status_code == 201, reply.text
        return {"token_id": str(reply.json()["token_id"])}

    return Sample(path_params=make(), fresh_path=make)


def _order_body() -> dict[str, Any]:
    return {
        "op_id": new_op_id(),
        "channel": "web",
        "external_ref": "WEB-7",
        "lines": [{"sku": "S1", "qty": 1}],
        "customer": {"name": "Camille Martin", "email": "camille@example.org", "phone": "0601"},
        "delivery": {
            "kind": "home",
            "address": "1 rue de Rivoli, Paris",
            "latitude": 48.85,
            "longitude": 2.35,
        },
    }


def _new_job(ledger: Ledger) -> Callable[[], dict[str, str]]:
    def make() -> dict[str, str]:
        _stocked(ledger)
        _unlimited_capacity(ledger)
        reply = ledger.send("POST", "/v1/orders", _order_body())
        assert reply.status_code == 201, reply.text
        return {"job_id": reply.json()["jobs"][0]["id"], "order_id": reply.json()["id"]}

    return make


def _unlimited_capacity(ledger: Ledger) -> None:
    """Store A takes every job the shared ledger's tests route to it today."""
    reply = ledger.send(
        "PUT",
        "/v1/locations",
        {
            "locations": [
                {
                    "code": "A",
                    "kind": "store",
                    "name": "Store A",
                    "timezone": "Europe/Paris",
                    "latitude": 48.85,
                    "longitude": 2.35,
                    "daily_job_capacity": 100_000,
                }
            ]
        },
    )
    assert reply.status_code == 200, reply.text


def _orders(ledger: Ledger) -> Sample:
    _stocked(ledger)
    _unlimited_capacity(ledger)
    return Sample(body=_order_body(), model=OrderCreate)


def _order_read(ledger: Ledger) -> Sample:
    made = _new_job(ledger)()
    return Sample(path_params={"order_id": made["order_id"]})


def _job_read(ledger: Ledger) -> Sample:
    made = _new_job(ledger)()
    return Sample(path_params={"job_id": made["job_id"]})


def _jobs_list(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "state": ["assigned", "picking"]})


def _job_transition(ledger: Ledger) -> Sample:
    make = _new_job(ledger)

    def fresh() -> dict[str, str]:
        return {"job_id": make()["job_id"]}

    return Sample(
        path_params=fresh(),
        body={"op_id": new_op_id(), "to": "picking"},
        model=JobTransition,
        fresh_path=fresh,
    )


def _job_reject(ledger: Ledger) -> Sample:
    make = _new_job(ledger)

    def fresh() -> dict[str, str]:
        return {"job_id": make()["job_id"], "line_no": "1"}

    return Sample(
        path_params=fresh(),
        body={"op_id": new_op_id(), "reason": "not_found", "note": "empty hook"},
        model=LineRejection,
        fresh_path=fresh,
    )


def _nothing(ledger: Ledger) -> Sample:
    return Sample()


def _item_read(ledger: Ledger) -> Sample:
    return Sample(path_params={"sku": "S1"})


def _barcode_read(ledger: Ledger) -> Sample:
    reply = ledger.send("GET", "/v1/items/S1")
    assert reply.status_code == 200, reply.text
    return Sample(path_params={"gtin": reply.json()["gtins"][0]})


def _position_read(ledger: Ledger) -> Sample:
    _stocked(ledger)
    return Sample(path_params={"location": "A", "sku": "S1"})


def _sku_availability(ledger: Ledger) -> Sample:
    return Sample(path_params={"sku": "S1"})


def _reference_availability(ledger: Ledger) -> Sample:
    return Sample(path_params={"reference": "REF-1"})


def _changes(ledger: Ledger) -> Sample:
    return Sample(query={"since": 0, "limit": 100, "location": "A"})


def _suspects(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A"})


def _audit(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "after_id": 0, "limit": 10})


def _heartbeat(ledger: Ledger) -> Sample:
    return Sample(
        body={
            "pending_ops": 2,
            "needs_attention": 1,
            "oldest_pending_at": "2026-03-02T09:55:00+01:00",
            "app_version": "0.1.0",
        },
        model=DeviceHeartbeat,
    )


def _day_queue(ledger: Ledger) -> Sample:
    return Sample(path_params={"code": "A"}, query={"date": "2026-03-02"})


def _count_schedule(ledger: Ledger) -> Sample:
    _stocked(ledger)
    return Sample(body={"location": "A", "limit": 5}, model=CountSchedule)


def _variance(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 7, "period": "week"})


def _sales_trend(ledger: Ledger) -> Sample:
    return Sample(query={"reference": "REF-1", "location": "A", "days": 28, "recent_days": 7})


def _cover(ledger: Ledger) -> Sample:
    return Sample(
        query={"location": "A", "rate_days": 28, "lead_time_days": 3, "review_days": 7, "limit": 50}
    )


def _stockouts(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 28, "limit": 50})


def _replenishment(ledger: Ledger) -> Sample:
    return Sample(
        query={
            "location": "A",
            "rate_days": 28,
            "lead_time_days": 3,
            "review_days": 7,
            "service_level": 95,
            "limit": 50,
        }
    )


def _rebalancing(ledger: Ledger) -> Sample:
    return Sample(query={"reference": "REF-1", "rate_days": 28, "limit": 50})


def _kpis(ledger: Ledger) -> Sample:
    return Sample(query={"location": "A", "days": 30})


ROUTE_SAMPLES: dict[tuple[str, str], Callable[[Ledger], Sample]] = {
    ("GET", "/v1/health"): _nothing,
    ("GET", "/v1/me"): _nothing,
    ("PUT", "/v1/items"): _items,
    ("PUT", "/v1/locations"): _locations,
    ("GET", "/v1/items/{sku}"): _item_read,
    ("GET", "/v1/barcodes/{gtin}"): _barcode_read,
    ("GET", "/v1/locations"): _nothing,
    ("POST", "/v1/movements"): _movements,
    ("POST", "/v1/counts"): _counts,
    ("PUT", "/v1/positions/{location}/{sku}/safety-stock"): _safety_stock,
    ("GET", "/v1/positions/{location}/{sku}"): _position_read,
    ("GET", "/v1/availability/skus/{sku}"): _sku_availability,
    ("GET", "/v1/availability/references/{reference}"): _reference_availability,
    ("POST", "/v1/reservations"): _reservations,
    ("GET", "/v1/reservations/{reservation_id}"): _reservation_read,
    ("POST", "/v1/reservations/{reservation_id}/commit"): _commit,
    ("POST", "/v1/reservations/{reservation_id}/release"): _release,
    ("GET", "/v1/changes"): _changes,
    ("POST", "/v1/ops"): _ops,
    ("POST", "/v1/tokens"): _tokens,
    ("DELETE", "/v1/tokens/{token_id}"): _token_delete,
    ("GET", "/v1/reports/suspect-positions"): _suspects,
    ("GET", "/v1/audit"): _audit,
    ("GET", "/v1/count-tasks"): _suspects,
    ("POST", "/v1/orders"): _orders,
    ("GET", "/v1/orders/{order_id}"): _order_read,
    ("GET", "/v1/orders/{order_id}/routing"): _order_read,
    ("GET", "/v1/jobs"): _jobs_list,
    ("GET", "/v1/jobs/{job_id}"): _job_read,
    ("GET", "/v1/reports/sales-trend"): _sales_trend,
    ("GET", "/v1/reports/cover"): _cover,
    ("GET", "/v1/reports/stockout-risk"): _cover,
    ("GET", "/v1/reports/stockouts"): _stockouts,
    ("GET", "/v1/reports/replenishment"): _replenishment,
    ("GET", "/v1/reports/rebalancing"): _rebalancing,
    ("GET", "/v1/reports/kpis"): _kpis,
    ("POST", "/v1/jobs/{job_id}/transitions"): _job_transition,
    ("POST", "/v1/jobs/{job_id}/lines/{line_no}/reject"): _job_reject,
    ("POST", "/v1/devices/heartbeat"): _heartbeat,
    ("GET", "/v1/locations/{code}/day"): _day_queue,
    ("POST", "/v1/count-tasks/schedule"): _count_schedule,
    ("GET", "/v1/reports/variance"): _variance,
}


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"


def dumps(body: Any) -> bytes:
    """JSON as a client would send it (NaN and Infinity are written as the literals)."""
    return json.dumps(body, separators=(",", ":")).encode()
