"""Tills of one store that are distinct devices: each with a token of its own device name.

``Network.token`` gives one token per location and role, all named ``test-device``; a test of
who holds a job needs two devices of the same store, so it names them here.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Role
from ordersync.db.writer import run_in_transaction
from ordersync.services.tokens import issue_token
from storeapp.cache.engine import open_cache_engine
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store, remember_location
from tests.support.ledger_harness import Network
from tests.support.store import Cable


def device_token(network: Network, device: str, role: Role = Role.ASSOCIATE, at: str = "A") -> str:
    """The token of ``device`` at location ``at`` with ``role`` (issued once per network)."""
    key = f"{at}:{role.value}:{device}"
    if key not in network.tokens:
        created = run_in_transaction(
            network.engine, network.clock, lambda tx: issue_token(tx, at, role, device)
        )
        network.tokens[key] = created.token
    return network.tokens[key]


def device_headers(
    network: Network, device: str, role: Role = Role.ASSOCIATE, at: str = "A"
) -> dict[str, str]:
    return {"Authorization": f"Bearer {device_token(network, device, role, at)}"}


def open_till(
    ledger: TestClient,
    network: Network,
    data_dir: Path,
    clock: ManualClock,
    device: str,
    *,
    role: Role = Role.ASSOCIATE,
    cable: Cable | None = None,
    at: str = "A",
) -> StoreContext:
    """A terminal of store ``at`` that is the device ``device``, on a cache of its own."""
    settings = StoreSettings(
        ledger_url="http://testserver",
        token=device_token(network, device, role, at),
        data_dir=data_dir,
    )
    engine = open_cache_engine(settings.cache_path)
    remember_location(engine, at)
    engine.dispose()
    return open_store(settings, now=clock.now, transport=cable or ledger._transport)
