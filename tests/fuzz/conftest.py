"""The fuzzing fixture: a real ``ordersync serve`` over a seeded ledger, shared by the module."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.fuzz_target import FuzzTarget, serve_fuzz_target
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases


@pytest.fixture(scope="module")
def fuzz_target(
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FuzzTarget]:
    """``ordersync serve`` (one worker) over a seeded ledger, and who may call it.

    SQLite by default; ``ORDERSYNC_FUZZ_BACKEND=postgres`` fuzzes the PostgreSQL backend instead
    (with ``ORDERSYNC_TEST_DATABASE_URL`` set), for a run by hand: CI fuzzes SQLite only.
    """
    databases: SqliteDatabases | PostgresDatabases = sqlite_databases
    if os.environ.get("ORDERSYNC_FUZZ_BACKEND", "sqlite") == "postgres":
        if postgres_databases is None:
            pytest.skip("set ORDERSYNC_TEST_DATABASE_URL to fuzz the PostgreSQL backend")
        databases = postgres_databases
    with serve_fuzz_target(databases, tmp_path_factory.mktemp("fuzz-server")) as target:
        yield target
