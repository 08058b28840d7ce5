"""Every head-office page rendered once over the demo network: nothing that should hold figures
is empty, every chart draws, every download answers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import LocationKind, Role
from ordersync.db.engine import create_ledger_engine
from ordersync.db.writer import run_in_transaction
from ordersync.demo.history import build_demo_network
from ordersync.demo.load import load_demo_network
from ordersync.services.tokens import issue_token
from ordersync.web import wording
from ordersync.web.stock_view import ROWS_SHOWN
from tests.support.ledger_api import in_process_ledger
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases, backends
from tests.web.hq_browser import HqBrowser

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)  # the demo's anchor day, 10:00 in Paris


@pytest.fixture(scope="module", params=backends())
def demo(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[tuple[TestClient, str]]:
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    url = databases.fresh()
    clock = ManualClock(NOW)
    engine = create_ledger_engine(url, writer=True)
    try:
        load_demo_network(engine, clock)
        admin = run_in_transaction(
            engine, clock, lambda tx: issue_token(tx, "PAR-01", Role.ADMIN, "hq-browser")
        )
        with in_process_ledger(url, clock) as client:
            yield client, admin.token
    finally:
        engine.dispose()
        databases.drop(url)


@pytest.fixture
def admin(demo: tuple[TestClient, str]) -> HqBrowser:
    client, token = demo
    return HqBrowser(client).signed_in(token)


def test_the_network_page_lists_every_demo_store(admin: HqBrowser) -> None:
    network = admin.page("/hq/").tables["network"]
    demo_stores = {
        place.code for place in build_demo_network().locations if place.kind is LocationKind.STORE
    }
    assert set(network.stores[1:]) == demo_stores
    # every store named, every figure a count (the demo's jobs have all ended: zeros are right)
    assert all(
        row[1] and row[2:] and all(cell.isdigit() for cell in row[2:]) for row in network.rows[1:]
    )


def test_every_store_page_renders_with_its_tables(admin: HqBrowser) -> None:
    stores = [store for store in admin.page("/hq/").tables["network"].stores if store]
    for store in stores:
        page = admin.page(f"/hq/stores/{store}")
        assert {"queue", "late-jobs", "jobs-by-state", "terminals", "suspect-positions"} <= set(
            page.tables
        )
        assert len(page.tables["jobs-by-state"].rows) > 1


def test_the_report_pages_hold_figures_and_charts(admin: HqBrowser) -> None:
    stock = admin.page("/hq/stock")
    assert len(stock.tables["stockout-risk"].rows) > 1
    assert len(stock.tables["replenishment"].rows) > 1
    touchpoints = admin.page("/hq/touchpoints")
    # the demo makes no competitive offers: that table alone may be empty
    filled = {name: len(table.rows) - 1 for name, table in touchpoints.tables.items()}
    assert filled.pop("offers") >= 0
    assert all(filled.values()), filled
    for page in (stock, touchpoints):
        for image in page.images:
            reply = admin.get(image["src"])
            assert reply.status_code == 200
            assert reply.text.count("<path") > 3, image["src"]  # bars or lines, not an empty frame
        for kind, href in page.links:
            if kind == "csv-download":
                assert admin.get(href).status_code == 200


def test_the_stock_csv_holds_every_row_the_page_leaves_out(admin: HqBrowser) -> None:
    page = admin.page("/hq/stock")
    for table_id in ("stockout-risk", "replenishment"):
        on_page = len(page.tables[table_id].rows) - 1
        reply = admin.get(f"/hq/stock/csv/{table_id}.csv")
        downloaded = len(list(csv.reader(io.StringIO(reply.text)))) - 1
        assert on_page <= ROWS_SHOWN
        assert downloaded >= on_page
        if downloaded > ROWS_SHOWN:  # the demo network has more: the page says the CSV has all
            assert on_page == ROWS_SHOWN
            cut = wording.ROWS_CUT.format(shown=ROWS_SHOWN, total=downloaded)
            assert cut in admin.get("/hq/stock").text
