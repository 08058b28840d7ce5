"""Fixtures for the TUI tests: a store cache bootstrapped from the real ledger, an app factory
that stays deterministic (no sync thread, no status timer, an injected scan clock)."""

from __future__ import annotations

from functools import partial

import pytest
from fastapi.testclient import TestClient
from textual.widgets import Input

from storeapp.context import StoreContext
from storeapp.i18n import Translator
from tests.support.ledger_harness import Network
from tests.support.tui import AppFactory, deterministic_app, stock_and_sync, stock_lingerie_and_sync


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
    stock_and_sync(ledger, network, store)
    return store


@pytest.fixture
def lingerie_store(ledger: TestClient, network: Network, store: StoreContext) -> StoreContext:
    """Store A after its first sync, with a bra reference BRA in noir: bands 85-95, cups B-D.

    Stock: 85C 2 here and 3 at B; 90B 1 here; 90C 6 at B; 95D 12 at the warehouse.
    """
    stock_lingerie_and_sync(ledger, network, store)
    return store


@pytest.fixture
def build_app(english: Translator) -> AppFactory:
    """``build_app(context, **overrides)``: the app as the CLI builds it, made deterministic."""
    return partial(deterministic_app, translator=english)
