"""Fixtures of the head-office page tests: one seeded ledger per module and backend, with a
store that has work waiting, and a browser over the app in process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.ledger_api import Ledger, shared_ledger
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases, backends
from tests.web.hq_browser import HqBrowser
from tests.web.hq_scene import set_the_scene


@pytest.fixture(scope="module", params=backends())
def ledger(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[Ledger]:
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    with shared_ledger(databases) as shared:
        set_the_scene(shared)
        yield shared


@pytest.fixture
def browser(ledger: Ledger) -> Iterator[HqBrowser]:
    ledger.client.cookies.clear()
    yield HqBrowser(ledger.client)
    ledger.client.cookies.clear()
