"""The store terminal and the ledger's API read a report over the same window (both backends).

A SKU of A sold its last unit on 15 March and was restocked on the morning of 17 March: its
shelf was empty all day on 16 March. Read on 15 April at noon in Paris, the default 28 days run
from 18 March and leave that stock-out out; 30 days would take it in. Whatever the front end,
the same report over the same window gives the same figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ordersync.contract import Role, StockoutReport
from ordersync.contract.report_windows import (
    KPIS_WINDOW,
    SALES_TREND_WINDOW,
    STOCKOUTS_WINDOW,
    VARIANCE_WINDOW,
)
from storeapp.context import StoreContext
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.store import Cable, open_terminal

READ_AT = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)


def _moved(ledger: Ledger, moment: str, kind: str, sku: str, qty: int) -> None:
    body = {
        "op_id": new_op_id(),
        "occurred_at": moment,
        "lines": [{"kind": kind, "sku": sku, "location": "A", "qty": qty}],
    }
    reply = ledger.send("POST", "/v1/movements", body)
    assert reply.status_code == 201, reply.text


@pytest.fixture(scope="module")
def emptied(shared: Ledger) -> str:
    sku = shared.new_sku("REF-WIN")
    _moved(shared, "2026-03-10T10:00:00+01:00", "receipt", sku, 1)
    _moved(shared, "2026-03-15T15:00:00+01:00", "sale", sku, 1)
    _moved(shared, "2026-03-17T09:00:00+01:00", "receipt", sku, 1)
    shared.clock.set(READ_AT)
    return sku


@pytest.fixture
def cable(shared: Ledger) -> Cable:
    return Cable(shared.client._transport)


@pytest.fixture
def terminal(shared: Ledger, tmp_path: Path, cable: Cable) -> Iterator[StoreContext]:
    context = open_terminal(
        shared.client, shared.network, tmp_path, shared.clock, role=Role.MANAGER, cable=cable
    )
    yield context
    context.close()


def _api(ledger: Ledger, **params: Any) -> StockoutReport:
    reply = ledger.send(
        "GET",
        "/v1/reports/stockouts",
        headers=ledger.headers("A", Role.MANAGER),
        params={"location": "A", **params},
    )
    assert reply.status_code == 200, reply.text
    return StockoutReport.model_validate(reply.json())


def _days_out(report: StockoutReport, sku: str) -> list[tuple[str, int]]:
    return [(row.first_day.isoformat(), row.days_out) for row in report.rows if row.sku == sku]


def test_the_terminal_and_the_api_default_give_the_same_stockouts(
    emptied: str, shared: Ledger, terminal: StoreContext
) -> None:
    answer = terminal.reports.stockouts()

    assert answer.value is not None, answer
    assert answer.value == _api(shared)
    assert (answer.value.start.isoformat(), answer.value.end.isoformat()) == (
        "2026-03-18",
        "2026-04-14",
    )
    assert _days_out(answer.value, emptied) == []


def test_the_same_longer_window_gives_the_same_stockout_on_both(
    emptied: str, shared: Ledger, terminal: StoreContext
) -> None:
    answer = terminal.reports.stockouts(days=30)

    assert answer.value is not None, answer
    assert answer.value == _api(shared, days=30)
    assert _days_out(answer.value, emptied) == [("2026-03-16", 1)]


def test_the_terminal_asks_each_report_for_the_shared_default_window(
    emptied: str, terminal: StoreContext, cable: Cable
) -> None:
    terminal.reports.stockouts()
    terminal.reports.variance()
    terminal.reports.kpis()
    terminal.reports.trend("REF-WIN")

    asked = {
        request.url.path.rsplit("/", 1)[-1]: int(request.url.params["days"])
        for request in cable.requests
    }
    assert asked == {
        "stockouts": STOCKOUTS_WINDOW.default,
        "variance": VARIANCE_WINDOW.default,
        "kpis": KPIS_WINDOW.default,
        "sales-trend": SALES_TREND_WINDOW.default,
    }
