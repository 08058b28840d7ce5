"""Fixtures of the API tests: one seeded ledger shared by a whole module, on each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.ledger_api import Ledger, shared_ledger
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases, backends


@pytest.fixture(scope="module", params=backends())
def shared(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[Ledger]:
    """One seeded ledger and app for a whole module: a fresh database per test costs too much
    on PostgreSQL. Tests keep apart by using SKUs of their own and comparing before and after."""
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    with shared_ledger(databases) as ledger:
        yield ledger
