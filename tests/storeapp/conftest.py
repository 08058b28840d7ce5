"""Fixtures for storeapp tests: a real ordersync in process and a store cache on a real file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, ReceiptLine, Role, uuid7
from storeapp.cache.engine import open_cache_engine
from storeapp.config import StoreSettings
from storeapp.context import StoreContext, open_store, remember_location
from tests.conftest import ledger_settings
from tests.ledger_harness import Network


@pytest.fixture
def ledger(network: Network, clock: ManualClock) -> Iterator[TestClient]:
    """The real ledger app, in process, with its lifespan (writer thread) running."""
    app = create_app(ledger_settings(network.url), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def receive(ledger: TestClient, network: Network, sku: str, location: str, qty: int) -> None:
    reply = ledger.post(
        "/v1/movements",
        json=MovementBatch(
            op_id=uuid7(),
            lines=[ReceiptLine(kind="receipt", sku=sku, location=location, qty=qty)],
        ).model_dump(mode="json"),
        headers=network.headers(location, Role.ASSOCIATE),
    )
    assert reply.status_code == 201, reply.text


def open_store_for(
    ledger: TestClient, network: Network, data_dir: Path, clock: ManualClock, location: str = "A"
) -> StoreContext:
    settings = StoreSettings(
        ledger_url="http://testserver",
        token=network.token(location, Role.ASSOCIATE),
        data_dir=data_dir,
    )
    remember_location(open_cache_engine(settings.cache_path), location)
    return open_store(settings, now=clock.now, transport=ledger._transport)


@pytest.fixture
def store(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreContext]:
    context = open_store_for(ledger, network, tmp_path / "store-a", clock)
    yield context
    context.close()


def at(clock: ManualClock) -> datetime:
    return clock.now()
