"""The ledger's app in process, and a driver of its HTTP API: setup calls, observations, and
one seeded ledger that a whole test module shares.

``in_process_ledger`` runs the app with its lifespan (the writer thread), as it is served.

``Ledger`` speaks as the admin of store A unless told otherwise. Tests that share one ledger keep
apart by using SKUs of their own (``new_sku``) and comparing before and after (``snapshot``).
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.config import LedgerSettings
from ordersync.contract import Role, uuid7, with_check_digit
from ordersync.db.ledger_tx import AUDIT, IDEMPOTENCY, MOVEMENTS, RESERVATIONS
from ordersync.services.routing_policy import default_policy_text
from tests.support.ledger_harness import (
    START,
    Network,
    PostgresDatabases,
    SqliteDatabases,
    seed_network,
)

LOCATIONS = ("A", "B", "WH")
STORE_SKUS = ("S1", "S2", "S3")

_sku_numbers = itertools.count(1)


OFFERED_REFERENCE = "REF-OFFER"
"""Web orders of items of this reference are offered to stores A and B at once (competitive
allocation) on a shared ledger; every other order is routed by the packaged policy."""

_SHARED_POLICY = f"""
[[rule_sets]]
name = "offered"
[rule_sets.when]
channels = ["web"]
references = ["{OFFERED_REFERENCE}"]
[[rule_sets.rules]]
name = "stores"
kinds = ["store"]
[rule_sets.rules.competitive]
offer_to = 2
claim_minutes = 600
"""


def ledger_settings(url: str, routing_policy: Path | None = None) -> LedgerSettings:
    """A ledger under test: a revoked token is refused at once, no sweep runs behind the test."""
    return LedgerSettings(
        database_url=url,
        token_cache_seconds=0,
        expiry_sweep_seconds=3600,
        reservation_ttl_seconds=600,
        routing_policy=routing_policy,
    )


@contextmanager
def in_process_ledger(
    url: str, clock: ManualClock, routing_policy: Path | None = None
) -> Iterator[TestClient]:
    """The real ledger app over ``url``, in process, with its lifespan (writer thread) running;
    a server error comes back as a 500 reply, as a client would see it."""
    app = create_app(ledger_settings(url, routing_policy), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def new_op_id() -> str:
    return str(uuid7())


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
    ) -> httpx.Response:
        return self.client.request(
            method,
            path,
            json=body,
            headers=self.admin if headers is None else headers,
            params=params,
        )

    def movements(
        self, lines: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> httpx.Response:
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


@contextmanager
def shared_ledger(databases: SqliteDatabases | PostgresDatabases) -> Iterator[Ledger]:
    """One seeded ledger and app on a fresh database of ``databases``, dropped at the end: a
    fresh database per test costs too much on PostgreSQL, so a module's tests share this one."""
    url = databases.fresh()
    clock = ManualClock(START)
    network = seed_network(url, clock)
    try:
        with tempfile.TemporaryDirectory() as folder:
            policy = Path(folder) / "routing.toml"
            policy.write_text(default_policy_text() + _SHARED_POLICY, encoding="utf-8")
            with in_process_ledger(url, clock, policy) as client:
                yield Ledger(client, network, clock)
    finally:
        network.engine.dispose()
        databases.drop(url)
