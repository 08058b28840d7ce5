"""The counter's other half on real processes: a store's ``storeapp`` command run in child
processes against a real ``ordersync serve``, each terminal on a home and cache of its own, and
the ledger calls and reads its scenes are made of (web orders shipped from a store, positions,
the day history, the reports).

A child ``storeapp`` sees no ``STOREAPP_*``, ``ORDERSYNC_*`` or ``XDG_*`` setting of the test's
environment: only its own settings file and data folder, in English, on wide lines. Reads the
API does not answer (the day history) come straight from the ledger's database, read-only.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from ordersync.contract import Role
from storeapp.context import StoreContext
from tests.support.e2e_terminals import STORES_ZONE, HeadOffice, synced
from tests.support.ledger_server import LedgerServer
from tests.support.store import gtin_of

COMMAND_SECONDS = 90.0
PARIS_CUSTOMER = {"address": "1 rue de Rivoli, Paris", "latitude": 48.86, "longitude": 2.34}
"""A customer next to store A (the seeded network's B is in Lyon)."""
RECEIPT_REFERENCE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\b")
"""A receipt reference as a terminal prints it: the sale's operation id (a UUIDv7)."""


def storeapp_command() -> list[str]:
    """The installed ``storeapp`` entry point next to this interpreter, else ``python -m``."""
    beside = Path(sys.executable).parent / "storeapp"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "storeapp.cli"]


@dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return (
            f"$ storeapp {' '.join(self.argv)}\nexit {self.code}\n"
            f"--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}"
        )


class StoreShell:
    """One terminal of ``location``, set up with a token of ``role``, driven by the real
    ``storeapp`` command in child processes; its settings and cache live under ``home``."""

    def __init__(
        self, server: LedgerServer, home: Path, location: str, role: Role = Role.ASSOCIATE
    ) -> None:
        self.server = server
        self.home = home
        self.location = location
        self.role = role

    @property
    def cache_path(self) -> Path:
        return self.home / "store" / "cache.db"

    def environment(self) -> dict[str, str]:
        kept = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ORDERSYNC_", "STOREAPP_", "XDG_"))
        }
        return {
            **kept,
            "HOME": str(self.home),
            "STOREAPP_CONFIG": str(self.home / "config.toml"),
            "STOREAPP_DATA_DIR": str(self.home / "store"),
            "STOREAPP_LOCALE": "en_GB",
            "COLUMNS": "200",
            "PYTHONUNBUFFERED": "1",
        }

    def __call__(self, *argv: str) -> Run:
        """``storeapp ARGV`` to its end; a run never prints a traceback, whatever its exit."""
        self.home.mkdir(parents=True, exist_ok=True)
        completed = subprocess.run(
            [*storeapp_command(), *argv],
            cwd=self.home,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        run = Run(tuple(argv), completed.returncode, completed.stdout, completed.stderr)
        assert "Traceback" not in run.out + run.err, run
        return run

    def set_up(self) -> None:
        token = self.server.token(self.location, self.role)
        done = self("setup", "--ledger", self.server.base_url, "--token", token)
        assert done.code == 0, done

    def sync(self) -> Run:
        """``storeapp sync --once``, online (a refusal is the scene's to read)."""
        run = self("sync", "--once")
        assert run.code == 0, run
        return run

    def cached_position(self, sku: str) -> dict[str, Any]:
        return cached_position(self.cache_path, self.location, sku)

    def outbox(self) -> list[dict[str, Any]]:
        """Every entry of the outbox, oldest first, its problem document parsed."""
        entries = []
        for row in _cache_rows(self.cache_path, "SELECT * FROM outbox ORDER BY id"):
            entry = dict(row)
            entry["problem"] = json.loads(entry["problem"]) if entry["problem"] else None
            entries.append(entry)
        return entries


def _cache_rows(cache_path: Path, query: str, *params: object) -> list[sqlite3.Row]:
    with sqlite3.connect(cache_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(query, params))


def cached_position(cache_path: Path, location: str, sku: str) -> dict[str, Any]:
    """A store's own position of ``sku`` as its cache holds it after the last sync."""
    [row] = _cache_rows(
        cache_path, "SELECT * FROM positions WHERE sku = ? AND location = ?", sku, location
    )
    found = dict(row)
    found["dispositions"] = json.loads(found["dispositions"] or "{}")
    return found


def receipt_reference(printed: str) -> str:
    """The one receipt reference in what ``storeapp sell`` printed."""
    [reference] = {found.group(0) for found in RECEIPT_REFERENCE.finditer(printed)}
    return reference


# --- the ledger over HTTP ----------------------------------------------------------------------


def web_order_reply(office: HeadOffice, sku: str, qty: int = 1) -> httpx.Response:
    """A web order of ``qty`` x ``sku`` delivered to a customer next to store A, placed by the
    e-commerce intake: the ledger's answer as it is."""
    return office.http.post(
        "/v1/orders",
        json={
            "op_id": str(uuid.uuid4()),
            "channel": "web",
            "lines": [{"sku": sku, "qty": qty}],
            "customer": {"name": "Camille Martin", "email": "camille@example.org"},
            "delivery": {"kind": "home", **PARIS_CUSTOMER},
        },
        headers=office.server.headers("WH", Role.ADMIN),
    )


def web_order(office: HeadOffice, sku: str, qty: int = 1) -> dict[str, Any]:
    """A web order some location serves (see ``web_order_reply``); the ledger's order."""
    reply = web_order_reply(office, sku, qty)
    assert reply.status_code == 201, reply.text
    placed: dict[str, Any] = reply.json()
    return placed


def position(office: HeadOffice, location: str, sku: str) -> dict[str, Any]:
    """The ledger's position, without what changes with every write (its seq and time)."""
    found: dict[str, Any] = office.call("GET", f"/v1/positions/{location}/{sku}")
    return {key: value for key, value in found.items() if key not in ("seq", "updated_at")}


def receive(office: HeadOffice, location: str, lines: list[tuple[str, int]]) -> None:
    office.movements(location, [("receipt", sku, qty) for sku, qty in lines], office.now())


def ship_from_store(store: StoreContext, job_id: str, sku: str, qty: int) -> None:
    """The store's terminal picks the job by scans, packs and ships it, syncing each step."""
    synced(store)
    store.picking.start(job_id)
    synced(store)
    for _ in range(qty):
        store.picking.scan(job_id, gtin_of(store, sku))
    store.picking.mark_picked(job_id)
    synced(store)
    store.picking.pack(job_id, 1, 400)
    synced(store)
    store.picking.ship(job_id, "COLIS-42")
    synced(store)


def verdicts(order: dict[str, Any], decision: int = -1) -> dict[str, list[str]]:
    """Each candidate location of an order's routing decision and the codes of its reasons."""
    return codes_of(order["routing"][decision]["explanation"])


def codes_of(explanation: dict[str, Any]) -> dict[str, list[str]]:
    """Each candidate location of a routing explanation and the codes of its reasons."""
    return {
        candidate["location"]: [reason["code"] for reason in candidate["reasons"]]
        for candidate in explanation["candidates"]
    }


def winners(order: dict[str, Any], decision: int = -1) -> list[str]:
    explanation = order["routing"][decision]["explanation"]
    return [c["location"] for c in explanation["candidates"] if c["won"]]


# --- the day history and the store's calendar -----------------------------------------------

DAY_COLUMNS = (
    "sku",
    "day",
    "sold_units",
    "returned_units",
    "received_units",
    "sent_units",
    "closing_on_hand",
    "min_on_hand",
)
"""What a day of a position says; ``last_occurred_at`` only tells the ledger where to add."""


def day_history(server: LedgerServer, location: str) -> list[tuple[Any, ...]]:
    """Every day row of ``location``'s positions, read from the ledger's database."""
    columns = ", ".join(DAY_COLUMNS)
    query = f"SELECT {columns} FROM position_days WHERE location = :location ORDER BY sku, day"
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query), {"location": location})]
    finally:
        engine.dispose()


def edit_by_hand(server: LedgerServer, statement: str, **params: object) -> int:
    """One statement run on the ledger's database behind its back (as a person with a SQL
    prompt would); answers how many rows it changed."""
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as connection:
            return connection.execute(text(statement), params).rowcount
    finally:
        engine.dispose()


def store_day_at(now: datetime, days_ago: int, hour: int, minute: int = 0) -> datetime:
    """``hour``:``minute`` in the stores' zone, ``days_ago`` store days before ``now``'s."""
    day = now.astimezone(STORES_ZONE).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=STORES_ZONE)
