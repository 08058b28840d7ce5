"""End-to-end fixtures: a real ``ordersync serve`` process on 127.0.0.1, over a seeded ledger.

The network is seeded (and its tokens issued) before the server starts, exactly as an operator
would do with ``ordersync token create``; the tests then speak HTTP to the server and nothing else.
The processes themselves are driven by ``tests.support.ledger_server``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ordersync.clock import ManualClock
from ordersync.contract import Role
from tests.support.ledger_harness import (
    POSTGRES_URL,
    START,
    Network,
    PostgresDatabases,
    SqliteDatabases,
    seed_network,
)
from tests.support.ledger_server import LedgerServer, ServerFactory, start_server


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def e2e_database(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[str]:
    """A migrated, empty ledger database on each backend (PostgreSQL skips without its URL)."""
    if request.param == "postgres":
        if postgres_databases is None or not POSTGRES_URL:
            pytest.skip("set ORDERSYNC_TEST_DATABASE_URL to run the PostgreSQL tests")
        databases: SqliteDatabases | PostgresDatabases = postgres_databases
    else:
        databases = sqlite_databases
    url = databases.fresh()
    yield url
    databases.drop(url)


@pytest.fixture
def seeded_network(e2e_database: str) -> Iterator[Network]:
    """Locations A, B, WH and SKUs S1..S3, seeded before any server starts."""
    network = seed_network(e2e_database, ManualClock(START))
    # Issue the usual tokens now, while no server holds the database.
    for code in ("A", "B"):
        network.token(code, Role.ASSOCIATE)
    network.token("WH", Role.ADMIN)
    yield network
    network.engine.dispose()


@pytest.fixture
def ledger_server_factory(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start ``ordersync serve`` processes; every one is stopped at teardown."""
    started: list[LedgerServer] = []

    def factory(
        network: Network, workers: int = 1, settings: tuple[tuple[str, str], ...] = ()
    ) -> LedgerServer:
        """``settings``: ``ORDERSYNC_*`` variables of the server, as (name, value)."""
        log_dir = tmp_path / f"server-{len(started)}"
        server = start_server(network.url, network, workers, log_dir, settings=settings)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def ledger_server(seeded_network: Network, ledger_server_factory: ServerFactory) -> LedgerServer:
    """``ordersync serve --workers 2`` over the seeded network, on each backend."""
    return ledger_server_factory(seeded_network, workers=2)
