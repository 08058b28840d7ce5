"""Browser-test fixtures: one real ``ordersync serve`` over the demo network and one headless
Chromium for the whole session, each test starting signed out.

The demo network is loaded by ``ordersync demo-data`` in a child process, and the tokens issued
before the server starts, as an operator would. SQLite only: loading the demo costs about 15 s
there and close to a minute on PostgreSQL, and what these tests check is what the browser gets,
which does not depend on the backend (the pages' queries have their tests on both backends).
Without Chromium and its driver every test here skips and says what to install; in CI
(``ORDERSYNC_REQUIRE_ALL_TESTS=1``) such a skip fails the run, as every skip does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from ordersync.clock import ManualClock
from ordersync.contract import Role
from ordersync.db.engine import create_ledger_engine
from ordersync.demo.motion import SISTER, STORE
from ordersync.demo.network import STORES, WAREHOUSE
from tests.browser.chrome import missing_browser, start_chrome
from tests.browser.hq_site import HqSite
from tests.support.ledger_harness import START, Network, SqliteDatabases
from tests.support.ledger_server import run_ordersync, start_server

DEMO_LOAD_SECONDS = 300


@pytest.fixture(scope="session")
def chromium_installed() -> None:
    reason = missing_browser()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def hq_site(
    chromium_installed: None,
    sqlite_databases: SqliteDatabases,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[HqSite]:
    url = sqlite_databases.fresh()
    work = tmp_path_factory.mktemp("hq")
    loaded = run_ordersync("--database-url", url, "demo-data", cwd=work, timeout=DEMO_LOAD_SECONDS)
    assert loaded.returncode == 0, loaded.describe()
    network = Network(url, ManualClock(START), create_ledger_engine(url, writer=True))
    admin_token = network.token(WAREHOUSE, Role.ADMIN)
    manager_token = network.token(STORE, Role.MANAGER)
    server = start_server(url, network, 1, work / "server")
    try:
        yield HqSite(
            server=server,
            admin_token=admin_token,
            manager_token=manager_token,
            manager_store=STORE,
            other_store=SISTER,
            stores=frozenset(spec.code for spec in STORES),
        )
    finally:
        server.stop()
        network.engine.dispose()
        sqlite_databases.drop(url)


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def chrome(chromium_installed: None, downloads: Path) -> Iterator[WebDriver]:
    driver = start_chrome(downloads)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chrome: WebDriver, hq_site: HqSite) -> WebDriver:
    """The session's Chromium, signed out: cookies are per site, so forget the site's."""
    chrome.get(hq_site.url("/hq/sign-in"))
    chrome.delete_all_cookies()
    return chrome
