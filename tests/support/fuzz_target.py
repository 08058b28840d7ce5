"""The fuzzing target: a real ``ordersync serve`` over a seeded SQLite ledger, and what to aim at.

Before the fuzzer starts, the ledger gets stock at every location, pending reservations, web orders
with their jobs, transfers (requested and sent), counter sales and a return, units set aside in
every disposition, and spare device tokens, so that generated requests can name things that
exist (and reach the ledger's rules) as well as things that do not. ``FuzzTarget.known`` maps
the name of a parameter or body member to those real values; the fuzz test draws from it by
name, so a new route whose parameters share these names is aimed at real data without any
change here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ordersync.clock import ManualClock
from ordersync.contract import (
    DEFAULT_RETURN_REASONS,
    DiscrepancyReason,
    RejectReason,
    Role,
    uuid7,
    with_check_digit,
)
from tests.support.ledger_harness import START, PostgresDatabases, SqliteDatabases, seed_network
from tests.support.ledger_server import LedgerServer, start_server

SKUS = ("S1", "S2", "S3")
STORES = ("A", "B")
LOCATIONS = ("A", "B", "WH")
RESERVATIONS = 8
SPARE_TOKENS = 8
"""Tokens issued only for the fuzzer to revoke: it must never revoke its own."""


@dataclass(frozen=True)
class Caller:
    """A device the fuzzer speaks as."""

    label: str
    location: str
    role: Role
    token: str
    token_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class FuzzTarget:
    server: LedgerServer
    callers: list[Caller]
    known: dict[str, list[Any]] = field(default_factory=dict)
    """Real values by parameter or member name: skus, locations, ids of reservations, orders..."""

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def own_token_ids(self) -> set[int]:
        return {caller.token_id for caller in self.callers}


def _ok(reply: httpx.Response, status: int = 200) -> Any:
    assert reply.status_code == status, f"{reply.request.method} {reply.request.url}: {reply.text}"
    return reply.json() if reply.content else None


def _order(client: httpx.Client, caller: Caller, sku: str) -> dict[str, Any]:
    """A web order (an admin's) or an order in store collected there (a store device's)."""
    if caller.role is Role.ADMIN:
        channel = "web"
        delivery: dict[str, Any] = {
            "kind": "home",
            "address": "1 rue de Rivoli, Paris",
            "latitude": 48.85,
            "longitude": 2.35,
        }
    else:
        channel, delivery = "store", {"kind": "collect", "collect_at": caller.location}
    body = {
        "op_id": str(uuid7()),
        "channel": channel,
        "external_ref": f"FUZZ-{sku}",
        "lines": [{"sku": sku, "qty": 1}],
        "customer": {"name": "Camille Martin", "email": "camille@example.org"},
        "delivery": delivery,
    }
    placed: dict[str, Any] = _ok(client.post("/v1/orders", json=body, headers=caller.headers), 201)
    return placed


def _transfer(client: httpx.Client, admin: dict[str, str], sent: bool) -> str:
    """A transfer of S1 from A to B, requested (or sent too): its id."""
    transfer_id = str(uuid7())
    lines = [{"sku": "S1", "qty": 2}]
    body = {"op_id": transfer_id, "from_location": "A", "to_location": "B", "lines": lines}
    _ok(client.post("/v1/transfers", json=body, headers=admin), 201)
    if sent:
        shipment = {"op_id": str(uuid7()), "lines": lines}
        _ok(client.post(f"/v1/transfers/{transfer_id}/send", json=shipment, headers=admin))
    return transfer_id


def _counter_sale(client: httpx.Client, caller: dict[str, str], sku: str) -> str:
    """A counter sale of one unit at A: its receipt reference (the operation id)."""
    sale_op_id = str(uuid7())
    line = {"kind": "sale", "sku": sku, "location": "A", "qty": 1}
    body = {"op_id": sale_op_id, "lines": [line]}
    _ok(client.post("/v1/movements", json=body, headers=caller), 201)
    return sale_op_id


def _return(client: httpx.Client, caller: dict[str, str], sale_op_id: str) -> str:
    """A return at A of a counter sale's unit: its id."""
    return_id = str(uuid7())
    line = {"sku": "S1", "qty": 1, "reason": DEFAULT_RETURN_REASONS[0]}
    body = {"op_id": return_id, "location": "A", "sale_op_id": sale_op_id, "lines": [line]}
    _ok(client.post("/v1/returns", json=body, headers=caller), 201)
    return return_id


def _set_aside(client: httpx.Client, admin: dict[str, str], location: str) -> None:
    """Units of every SKU in every unavailable disposition at ``location``, to write off."""
    lines = [
        {"sku": sku, "qty": 1_000, "to_disposition": disposition}
        for sku in SKUS
        for disposition in ("damaged", "display", "quarantine")
    ]
    body = {"op_id": str(uuid7()), "location": location, "lines": lines}
    _ok(client.post("/v1/dispositions", json=body, headers=admin), 201)


def _prepare(server: LedgerServer, callers: list[Caller]) -> dict[str, list[Any]]:
    """Stock, reservations, orders, jobs and spare tokens; what exists, by parameter name."""
    admin_caller = next(c for c in callers if c.role is Role.ADMIN)
    associate_caller = next(c for c in callers if c.role is Role.ASSOCIATE)
    admin, associate = admin_caller.headers, associate_caller.headers
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        lines = [
            {"kind": "receipt", "sku": sku, "location": location, "qty": 100_000}
            for sku in SKUS
            for location in LOCATIONS
        ]
        _ok(
            client.post(
                "/v1/movements", json={"op_id": str(uuid7()), "lines": lines}, headers=admin
            ),
            201,
        )
        reservations = []
        for n in range(RESERVATIONS):
            sku = SKUS[n % len(SKUS)]
            reservation_id = str(uuid7())
            body = {"op_id": reservation_id, "lines": [{"sku": sku, "location": "A", "qty": 1}]}
            _ok(client.post("/v1/reservations", json=body, headers=associate), 201)
            reservations.append(reservation_id)
        orders = [_order(client, admin_caller, "S1")]
        orders += [_order(client, associate_caller, sku) for sku in SKUS]
        spare = [
            _ok(
                client.post(
                    "/v1/tokens",
                    json={"location": "B", "role": "associate", "device": f"spare-{n}"},
                    headers=admin,
                ),
                201,
            )["token_id"]
            for n in range(SPARE_TOKENS)
        ]
        transfers = [_transfer(client, admin, sent) for sent in (False, False, True, True)]
        sales = [_counter_sale(client, associate, sku) for sku in SKUS]
        returns = [_return(client, associate, sale) for sale in sales[:1]]
        for location in LOCATIONS:
            _set_aside(client, admin, location)
        gtins = [_ok(client.get(f"/v1/items/{sku}", headers=admin))["gtins"][0] for sku in SKUS]
        spare_gtins = [with_check_digit(f"2{n:011d}") for n in range(1, 6)]
        head = _ok(client.get("/v1/health"))["head"]
    jobs = [job for order in orders for job in order["jobs"]]
    return {
        "sku": list(SKUS),
        "reference": ["REF-1", "REF-2"],
        "gtin": gtins,
        "gtins": [[gtin] for gtin in spare_gtins],
        "timezone": ["Europe/Paris", "UTC"],
        "occurred_at": ["2026-03-02T08:30:00+01:00"],
        "currency": ["EUR"],
        "location": list(LOCATIONS),
        "code": list(LOCATIONS),
        "date": [datetime.now(UTC).date().isoformat()],
        "from_location": list(LOCATIONS),
        "to_location": list(LOCATIONS),
        "collect_at": list(STORES),
        "reservation_id": reservations,
        "order_id": [order["id"] for order in orders],
        "job_id": [job["id"] for job in jobs],
        "line_no": [1],
        "token_id": spare,
        "transfer_id": transfers,
        "as_of_seq": [head],
        "since": [0, head],
        "sale_op_id": sales,
        "return_id": returns,
        "qty": [1, 2],
        "reason": [
            *DEFAULT_RETURN_REASONS,
            *(reason.value for reason in RejectReason),
            *(reason.value for reason in DiscrepancyReason),
        ],
    }


@contextmanager
def serve_fuzz_target(
    databases: SqliteDatabases | PostgresDatabases, log_dir: Path
) -> Iterator[FuzzTarget]:
    """``ordersync serve`` (one worker) over a seeded ledger on a fresh database of ``databases``,
    and who may call it; the server is stopped and the database dropped at the end."""
    url = databases.fresh()
    network = seed_network(url, ManualClock(START))
    devices = [("associate@A", "A", Role.ASSOCIATE), ("manager@A", "A", Role.MANAGER)]
    devices.append(("admin@WH", "WH", Role.ADMIN))
    tokens = {label: network.token(location, role) for label, location, role in devices}
    network.engine.dispose()
    server = start_server(url, network, workers=1, log_dir=log_dir)
    try:
        callers = []
        with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
            for label, location, role in devices:
                headers = {"Authorization": f"Bearer {tokens[label]}"}
                me = _ok(client.get("/v1/me", headers=headers))
                callers.append(Caller(label, location, role, tokens[label], me["token_id"]))
        target = FuzzTarget(server, callers)
        target.known = _prepare(server, callers)
        yield target
    finally:
        server.stop()
        databases.drop(url)
