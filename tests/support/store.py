"""A store terminal against the real ledger in process, and the ledger calls that set its scene.

A terminal reaches the ledger through the in-process transport, or through a ``Cable`` the test
can unplug; orders placed here have fixed ids (their jobs' ids derive from them), so a scene such
as ``busy_day`` is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, ReceiptLine, RejectReason, Role, SaleLine, uuid7
from storeapp.cache.engine import open_cache_engine
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store, remember_location
from tests.support.ledger_harness import Network

PARIS = {"latitude": 48.86, "longitude": 2.34}


class Cable(httpx.BaseTransport):
    """The ledger's in-process transport; ``online = False`` unplugs it. Records the requests."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self.online = True
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.online:
            raise httpx.ConnectError("the ledger is down", request=request)
        return self._inner.handle_request(request)

    def paths(self, method: str | None = None) -> list[str]:
        return [
            request.url.path
            for request in self.requests
            if method is None or request.method == method
        ]


def open_terminal(
    ledger: TestClient,
    network: Network,
    data_dir: Path,
    clock: ManualClock,
    *,
    role: Role = Role.ASSOCIATE,
    cable: Cable | None = None,
    location: str = "A",
) -> StoreContext:
    """A terminal of ``location`` with a token of ``role``, through ``cable`` when given, on a
    cache of its own in ``data_dir``."""
    settings = StoreSettings(
        ledger_url="http://testserver",
        token=network.token(location, role),
        data_dir=data_dir,
    )
    engine = open_cache_engine(settings.cache_path)
    remember_location(engine, location)
    engine.dispose()
    return open_store(settings, now=clock.now, transport=cable or ledger._transport)


def order(
    ledger: TestClient, network: Network, number: int, lines: list[tuple[str, int]], **who: Any
) -> dict[str, Any]:
    """A web order with a fixed id (its jobs' ids derive from it), delivered in Paris unless
    ``delivery`` says otherwise; returns the ledger's order."""
    delivery = who.pop("delivery", {"kind": "home", "address": "1 rue de Rivoli", **PARIS})
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": f"0190a0a0-0000-7000-8000-{number:012d}",
            "channel": "web",
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "customer": {"email": "client@example.org", "name": "Camille Martin", **who},
            "delivery": delivery,
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


def web_order(ledger: TestClient, network: Network, lines: list[tuple[str, int]]) -> Any:
    """A web order with a fresh id, delivered in Paris, placed by the e-commerce intake (an
    admin token); returns the ledger's order."""
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": str(uuid7()),
            "channel": "web",
            "external_ref": "WEB-1",
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "customer": {"name": "Camille Martin", "email": "camille@example.org"},
            "delivery": {"kind": "home", "address": "1 rue de Rivoli, Paris", **PARIS},
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


def job_here(placed: dict[str, Any], location: str = "A") -> str:
    return next(str(job["id"]) for job in placed["jobs"] if job["location"] == location)


def receive(ledger: TestClient, network: Network, sku: str, location: str, qty: int) -> None:
    """A delivery of ``qty`` units of ``sku`` at ``location``, sent straight to the ledger."""
    post_movement(ledger, network, ReceiptLine(kind="receipt", sku=sku, location=location, qty=qty))


def post_movement(ledger: TestClient, network: Network, line: ReceiptLine | SaleLine) -> None:
    """One movement line sent straight to the ledger by an associate of its location."""
    reply = ledger.post(
        "/v1/movements",
        json=MovementBatch(op_id=uuid7(), lines=[line]).model_dump(mode="json"),
        headers=network.headers(line.location, Role.ASSOCIATE),
    )
    assert reply.status_code == 201, reply.text


def ledger_position(ledger: TestClient, network: Network, location: str, sku: str) -> Any:
    """The ledger's position of ``sku`` at ``location``, as its API answers it."""
    reply = ledger.get(f"/v1/positions/{location}/{sku}", headers=network.headers("WH", Role.ADMIN))
    assert reply.status_code == 200, reply.text
    return reply.json()


def on_hand(ledger: TestClient, network: Network, sku: str, location: str = "A") -> int:
    return int(ledger_position(ledger, network, location, sku)["on_hand"])


def ledger_job(ledger: TestClient, network: Network, job_id: str) -> Any:
    """The ledger's job ``job_id``, as its API answers it."""
    reply = ledger.get(f"/v1/jobs/{job_id}", headers=network.headers("WH", Role.ADMIN))
    assert reply.status_code == 200, reply.text
    return reply.json()


def sell_elsewhere(ledger: TestClient, network: Network, sku: str, qty: int, location: str) -> None:
    """A sale another till of the store sent straight to the ledger."""
    post_movement(ledger, network, SaleLine(kind="sale", sku=sku, location=location, qty=qty))


def store_order(
    ledger: TestClient, network: Network, number: int, sku: str, qty: int, location: str = "A"
) -> dict[str, Any]:
    """An order placed at ``location``'s counter (a sale saved), collected there; fixed id."""
    reply = ledger.post(
        "/v1/orders",
        json={
            "op_id": f"0190a0a0-0000-7000-8000-{number:012d}",
            "channel": "store",
            "lines": [{"sku": sku, "qty": qty}],
            "customer": {"name": "Inès Moreau", "phone": "06 12 34 56 78"},
            "delivery": {"kind": "collect", "collect_at": location},
        },
        headers=network.headers(location, Role.ASSOCIATE),
    )
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


@dataclass(frozen=True)
class BusyDay:
    late_job: str
    rejected_job: str
    collection_job: str
    store_order: str


def busy_day(
    ledger: TestClient, network: Network, clock: ManualClock, terminal: StoreContext
) -> BusyDay:
    """A morning at store A, seen by ``terminal`` (synced at the end): a late web order, a job
    with a line short picked as not found, a collection waiting at the counter, a fresh web
    order, a sale saved by an order in store, and a sale the ledger refused in the terminal's
    outbox. Every id is fixed."""
    receive(ledger, network, "S1", "A", 8)
    receive(ledger, network, "S2", "A", 3)
    receive(ledger, network, "S3", "B", 2)
    late = job_here(order(ledger, network, 1, [("S1", 2), ("S2", 1)], name="Camille Martin"))
    clock.advance(timedelta(minutes=40))
    rejected = job_here(order(ledger, network, 2, [("S2", 1), ("S1", 1)], name="Hugo Petit"))
    clock.advance(timedelta(minutes=20))
    collection = job_here(
        order(
            ledger,
            network,
            3,
            [("S1", 1)],
            name="Léa Dubois",
            delivery={"kind": "collect", "collect_at": "A"},
        )
    )
    saved = store_order(ledger, network, 4, "S3", 1)
    clock.advance(timedelta(minutes=65))  # the first job missed its service level
    order(ledger, network, 5, [("S1", 1)], name="Jean-Baptiste Poquelin-Dufresne")
    clock.advance(timedelta(minutes=10))
    sync_terminal(terminal)
    picking = terminal.picking
    picking.start(rejected)
    picking.short_pick(rejected, 1, RejectReason.NOT_FOUND)
    picking.start(collection)
    picking.scan(collection, gtin_of(terminal, "S1"))
    picking.mark_picked(collection)
    picking.mark_ready(collection)
    terminal.sales.record("GONE", 1)  # the ledger refuses it: an item to check
    clock.advance(timedelta(minutes=5))
    sync_terminal(terminal)
    return BusyDay(late, rejected, collection, str(saved["id"]))


def sync_terminal(terminal: StoreContext) -> None:
    report = terminal.sync.sync_once()
    assert report.online, report


def gtin_of(terminal: StoreContext, sku: str) -> str:
    with terminal.engine.connect() as connection:
        return str(
            connection.execute(
                text("SELECT gtin FROM barcodes WHERE sku = :sku"), {"sku": sku}
            ).scalar_one()
        )
