"""Fixtures for storeapp tests: a real ordersync in process, a store cache on a real file, and
the ``storeapp`` command run in process from a clean home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from storeapp.context import StoreContext
from tests.support.cli import Shell, clean_store_environment, in_process_shell
from tests.support.ledger_api import in_process_ledger
from tests.support.ledger_harness import Network
from tests.support.store import open_terminal


@pytest.fixture
def ledger(network: Network, clock: ManualClock) -> Iterator[TestClient]:
    """The real ledger app, in process, with its lifespan (writer thread) running."""
    with in_process_ledger(network.url, clock) as client:
        yield client


@pytest.fixture
def store(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreContext]:
    context = open_terminal(ledger, network, tmp_path / "store-a", clock)
    yield context
    context.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder for the command's settings and data; no ``STOREAPP_*`` setting from outside."""
    clean_store_environment(monkeypatch, tmp_path)
    return tmp_path


@pytest.fixture
def sh(
    home: Path, ledger: TestClient, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> Shell:
    """Run ``storeapp ARGS`` in process; the ledger is the in-process app, the clock is manual."""
    return in_process_shell(ledger, clock, capsys)
