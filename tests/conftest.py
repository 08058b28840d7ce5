"""Fixtures shared by every test tier: fresh databases per backend, the API in process.

Fixtures only: what they build lives in ``tests.support``, which test modules import directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from tests.support.ledger_api import in_process_ledger
from tests.support.ledger_harness import (
    POSTGRES_URL,
    START,
    Network,
    PostgresDatabases,
    SqliteDatabases,
    backends,
    seed_network,
)


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("ledgers"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    if not POSTGRES_URL:
        yield None
        return
    databases = PostgresDatabases(POSTGRES_URL)
    yield databases
    databases.close()


@pytest.fixture(params=backends())
def ledger_url(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[str]:
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    url = databases.fresh()
    yield url
    databases.drop(url)


@pytest.fixture
def postgres_url(postgres_databases: PostgresDatabases | None) -> Iterator[str]:
    if postgres_databases is None:
        pytest.skip("set ORDERSYNC_TEST_DATABASE_URL to run the PostgreSQL tests")
    url = postgres_databases.fresh()
    yield url
    postgres_databases.drop(url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def network(ledger_url: str, clock: ManualClock) -> Iterator[Network]:
    seeded = seed_network(ledger_url, clock)
    yield seeded
    seeded.engine.dispose()


@pytest.fixture
def api(network: Network, clock: ManualClock) -> Iterator[TestClient]:
    with in_process_ledger(network.url, clock) as client:
        yield client


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (ORDERSYNC_REQUIRE_ALL_TESTS=1) a skipped test fails the run: nothing may hide."""
    if not os.environ.get("ORDERSYNC_REQUIRE_ALL_TESTS"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped:
        if reporter is not None:
            reporter.write_line(f"ORDERSYNC_REQUIRE_ALL_TESTS: {skipped} test(s) skipped", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
