"""Fixtures for the TUI tests: a store cache bootstrapped from the real ledger, an app factory
that stays deterministic (no sync thread, no status timer, an injected scan clock)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import Input

from storeapp.context import StoreContext
from storeapp.i18n import Translator
from storeapp.tui.app import StoreApp, make_app
from tests.ledger_harness import Network
from tests.storeapp.conftest import receive


class SteppingClock:
    """A monotonic clock that moves ``step`` seconds each time it is read (once per key)."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    # A blinking cursor makes screenshots depend on when they are taken.
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def english() -> Translator:
    return Translator("en_GB", "Europe/Paris")


@pytest.fixture
def synced_store(ledger: TestClient, network: Network, store: StoreContext) -> StoreContext:
    """Store A after its first sync: S1 (85B) and S2 (90C) of REF-1, S3 of REF-2."""
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 4)
    receive(ledger, network, "S2", "B", 2)
    receive(ledger, network, "S2", "WH", 5)
    report = store.sync.sync_once()
    assert report.online and report.bootstrapped, report
    return store


AppFactory = Callable[..., StoreApp]


@pytest.fixture
def build_app(english: Translator) -> Iterator[AppFactory]:
    """``build_app(context, **overrides)``: the app as the CLI builds it, made deterministic."""

    def build(context: StoreContext, **overrides: object) -> StoreApp:
        options: dict[str, object] = {
            "start_sync_worker": False,
            "monotonic": SteppingClock(0.2),
            "status_interval": None,
        }
        options.update(overrides)
        translator = options.pop("translator", english)
        assert isinstance(translator, Translator)
        return make_app(context, translator, **options)  # type: ignore[arg-type]

    yield build


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the workers are done and their messages handled (they may start others)."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def gtin_of(store: StoreContext, sku: str) -> str:
    with store.engine.connect() as connection:
        return str(
            connection.execute(
                text("SELECT gtin FROM barcodes WHERE sku = :sku"), {"sku": sku}
            ).scalar_one()
        )
