"""Store terminals against a real ``ordersync serve`` on 127.0.0.1, for the end-to-end tests of
stock in motion: the ledger as head office and the tests call it over HTTP, a terminal of any
store and role on a cache of its own, and the keys and screens a terminal is driven with.

The server keeps its own (wall) clock, so a scene's dates are set relative to the ledger's
``now`` and read back from the ledger's answers; nothing here compares with the time a test
took. Reads the API does not answer (the ``incoming`` rows) come straight from the ledger's
database, read-only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from babel.dates import format_datetime
from sqlalchemy import create_engine, text
from textual.pilot import Pilot

from ordersync.clock import ManualClock
from ordersync.contract import Role
from ordersync.db.writer import run_in_transaction
from ordersync.services.catalog import upsert_locations
from storeapp.cache.engine import open_cache_engine
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store, remember_location
from tests.support.ledger_harness import START, SYSTEM, Network, location
from tests.support.ledger_server import CommandResult, LedgerServer, run_ordersync
from tests.support.tui import settle

STORES_ZONE = ZoneInfo("Europe/Paris")
"""Every store of the seeded network is in Paris's zone, and the terminals show that time."""
_LEDGER_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def add_store(network: Network, code: str, **where: float) -> None:
    """One more store in the seeded network (before the server starts, as an operator would)."""
    store = location(code, name=f"Store {code}", **where)
    run_in_transaction(
        network.engine, ManualClock(START), lambda tx: upsert_locations(tx, SYSTEM, [store])
    )


class HeadOffice:
    """The ledger over HTTP, as head office, the ERP and other tills call it."""

    def __init__(self, server: LedgerServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, timeout=10)

    def close(self) -> None:
        self.http.close()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        location: str = "WH",
        role: Role = Role.ADMIN,
    ) -> Any:
        reply = self.http.request(
            method, path, json=body, headers=self.server.headers(location, role)
        )
        assert reply.status_code < 300, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    def now(self) -> datetime:
        """The ledger's clock, as its last answer's ``Date`` header tells it (to the second)."""
        reply = self.http.get("/v1/health")
        return datetime.strptime(reply.headers["date"], "%a, %d %b %Y %H:%M:%S GMT").replace(
            tzinfo=UTC
        )

    def movements(
        self, location: str, lines: list[tuple[str, str, int]], occurred_at: datetime
    ) -> None:
        """Movements ``(kind, sku, qty)`` posted by a till of ``location`` at ``occurred_at``."""
        self.call(
            "POST",
            "/v1/movements",
            {
                "op_id": str(uuid.uuid4()),
                "occurred_at": occurred_at.isoformat(),
                "lines": [
                    {"kind": kind, "sku": sku, "location": location, "qty": qty}
                    for kind, sku, qty in lines
                ],
            },
            location,
            Role.ASSOCIATE,
        )

    def on_hand(self, location: str, sku: str) -> int:
        return int(self.call("GET", f"/v1/positions/{location}/{sku}")["on_hand"])

    def reserved(self, location: str, sku: str) -> int:
        return int(self.call("GET", f"/v1/positions/{location}/{sku}")["reserved"])

    def transfer(self, transfer_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"/v1/transfers/{transfer_id}")
        return found

    def transfers(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GET", "/v1/transfers")["transfers"]
        return found

    def delivery(self, delivery_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"/v1/deliveries/{delivery_id}")
        return found

    def order(self, order_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"/v1/orders/{order_id}")
        return found

    def arrivals(self, sku: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GET", f"/v1/availability/skus/{sku}")["arrivals"]
        return found

    def announce(
        self,
        reference: str,
        destination: str,
        lines: list[tuple[str, int]],
        expected_from: datetime,
        expected_until: datetime,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """A shipping notice from the warehouse to ``destination``, sent with a token of the
        warehouse of ``role`` (admin, or the ERP's)."""
        found: dict[str, Any] = self.call(
            "POST",
            "/v1/deliveries",
            {
                "op_id": str(uuid.uuid4()),
                "reference": reference,
                "source_kind": "location",
                "source": "WH",
                "destination": destination,
                "expected_from": expected_from.isoformat(),
                "expected_until": expected_until.isoformat(),
                "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            },
            "WH",
            role,
        )
        return found

    def _read(self, query: str, **params: object) -> list[tuple[Any, ...]]:
        engine = create_engine(self.server.database_url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(query), params)]
        finally:
            engine.dispose()

    def incoming(self, location: str, sku: str) -> tuple[int, int, int]:
        """(on_order, in_transit, promised) of the position's incoming row; zeros without one."""
        found = self._read(
            "SELECT on_order, in_transit, promised FROM incoming "
            "WHERE sku = :sku AND location = :location",
            sku=sku,
            location=location,
        )
        return (0, 0, 0) if not found else (int(found[0][0]), int(found[0][1]), int(found[0][2]))

    def order_ids(self) -> list[str]:
        """Every order's id, oldest first (the API lists jobs, not orders)."""
        return [str(row[0]) for row in self._read("SELECT id FROM orders ORDER BY created_at, id")]

    def check(self, cwd: Path) -> CommandResult:
        """``ordersync check`` over the server's database, in a process of its own."""
        return run_ordersync("--database-url", self.server.database_url, "check", cwd=cwd)


def terminal(
    server: LedgerServer, data_dir: Path, location: str, role: Role = Role.ASSOCIATE
) -> StoreContext:
    """A terminal of ``location`` with a token of ``role``, on a cache of its own."""
    settings = StoreSettings(
        ledger_url=server.base_url, token=server.token(location, role), data_dir=data_dir
    )
    engine = open_cache_engine(settings.cache_path)
    remember_location(engine, location)
    engine.dispose()
    return open_store(settings)


def synced(store: StoreContext) -> None:
    """One sync of ``store``: its outbox pushed and every entry accepted, then the feed pulled."""
    report = store.sync.sync_once()
    assert report.online, report
    assert report.refused == 0, report


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def days_ago(moment: datetime, days: int) -> datetime:
    return moment - timedelta(days=days)


def parse_time(moment: str) -> datetime:
    """A time of the ledger's JSON."""
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def ledger_day(moment: datetime) -> str:
    """``9 Dec``: the day of ``moment`` in the stores' zone, as the ledger's explanations name
    it (in English whatever the host's locale)."""
    local = moment.astimezone(STORES_ZONE)
    return f"{local.day} {_LEDGER_MONTHS[local.month - 1]}"


def shown(moment: datetime, pattern: str) -> str:
    """``moment`` as an English (en_GB) terminal shows it in the stores' zone, by the CLDR
    ``pattern`` (``d MMM`` gives ``9 Dec``, and ``9 Sept`` in September)."""
    return format_datetime(moment.astimezone(STORES_ZONE), pattern, locale="en_GB")
