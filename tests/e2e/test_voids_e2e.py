"""Voided sales on real processes, on both backends: two identical networks (twins), each with
its own ``ordersync serve``, the same ten days of history posted to both over HTTP.

In one of them two sales happen and are voided: yesterday a till of store A sold 30 x S1 where
it meant 3, and a manager voids it today; today the associate at A's terminal sells 15 x S1
(``storeapp sell S1 --qty 15 --yes``) where it meant 1 and voids it from the same terminal
(``storeapp void REF``) the same store day. Afterwards the stock, the day history
(``position_days``), the sales trend, the days of cover, the stock-outs and the replenishment
suggestions of A read exactly as in the twin where neither sale ever happened; before the voids
they did not. A second void of the same sale is refused, by the terminal and by the ledger.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ordersync.clock import ManualClock
from ordersync.contract import Role
from tests.support.counter_scenes import (
    StoreShell,
    day_history,
    position,
    receipt_reference,
    store_day_at,
)
from tests.support.e2e_terminals import HeadOffice
from tests.support.ledger_harness import (
    START,
    Network,
    PostgresDatabases,
    SqliteDatabases,
    seed_network,
)
from tests.support.ledger_server import LedgerServer, ServerFactory

pytestmark = pytest.mark.e2e

HISTORY_DAYS = 10
REPORTS = (
    "/v1/reports/sales-trend?location=A&reference=REF-1",
    "/v1/reports/cover?location=A",
    "/v1/reports/stockouts?location=A",
    "/v1/reports/replenishment?location=A",
)


@dataclass
class Twin:
    network: Network
    server: LedgerServer
    office: HeadOffice


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def twin_networks(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[list[Network]]:
    """Two seeded networks, alike in everything, each in a database of its own; their tokens
    issued before any server starts."""
    databases: SqliteDatabases | PostgresDatabases | None = (
        sqlite_databases if request.param == "sqlite" else postgres_databases
    )
    if databases is None:
        pytest.skip("set ORDERSYNC_TEST_DATABASE_URL to run the PostgreSQL tests")
    urls = [databases.fresh(), databases.fresh()]
    networks = [seed_network(url, ManualClock(START)) for url in urls]
    for network in networks:
        for location, role in (("A", Role.ASSOCIATE), ("A", Role.MANAGER), ("WH", Role.ADMIN)):
            network.token(location, role)
    yield networks
    for network, url in zip(networks, urls, strict=True):
        network.engine.dispose()
        databases.drop(url)


@pytest.fixture
def twins(
    twin_networks: list[Network], ledger_server_factory: ServerFactory
) -> Iterator[tuple[Twin, Twin]]:
    """(the network where the sales are voided, its twin where they never happened), with the
    same history."""
    scenes = []
    for network in twin_networks:
        server = ledger_server_factory(network, workers=1)
        scenes.append(Twin(network, server, HeadOffice(server)))
    now = scenes[0].office.now()
    for scene in scenes:
        post_history(scene.office, now)
    yield scenes[0], scenes[1]
    for scene in scenes:
        scene.office.close()


def till_sale(office: HeadOffice, lines: list[tuple[str, str, int]], at: datetime) -> str:
    """Movements ``(kind, sku, qty)`` posted by a till of A at ``at``; their operation id."""
    op_id = str(uuid.uuid4())
    office.call(
        "POST",
        "/v1/movements",
        {
            "op_id": op_id,
            "occurred_at": at.isoformat(),
            "lines": [
                {"kind": kind, "sku": sku, "location": "A", "qty": qty} for kind, sku, qty in lines
            ],
        },
        "A",
        Role.ASSOCIATE,
    )
    return op_id


def post_history(office: HeadOffice, now: datetime) -> None:
    """Ten days of A: a delivery, then two S1 and one S2 sold every afternoon; this morning a
    small delivery of S1."""
    till_sale(
        office,
        [("receipt", "S1", 60), ("receipt", "S2", 20)],
        store_day_at(now, HISTORY_DAYS, 8),
    )
    for days_ago in range(HISTORY_DAYS - 1, 0, -1):
        till_sale(office, [("sale", "S1", 2), ("sale", "S2", 1)], store_day_at(now, days_ago, 15))
    till_sale(office, [("receipt", "S1", 5)], now)


def what_reports_say(scene: Twin) -> dict[str, Any]:
    """Stock, day history and every demand figure of store A, as the ledger answers them."""
    said: dict[str, Any] = {
        "positions": [position(scene.office, "A", sku) for sku in ("S1", "S2")],
        "days": day_history(scene.server, "A"),
    }
    for report in REPORTS:
        said[report] = scene.office.call("GET", report)
    return said


def void_pushed(office: HeadOffice, sale_op_id: str, role: Role) -> dict[str, Any]:
    """A void of the sale pushed by a terminal of A with a token of ``role``: its result."""
    reply = office.call(
        "POST",
        "/v1/ops",
        {
            "ops": [
                {
                    "op": "void_sale",
                    "op_id": str(uuid.uuid4()),
                    "sale_op_id": sale_op_id,
                    "reason": "typed 30 for 3",
                }
            ]
        },
        "A",
        role,
    )
    [result] = reply["results"]
    return dict(result)


def test_voided_sales_leave_stock_history_and_demand_as_if_they_never_happened(
    twins: tuple[Twin, Twin], tmp_path: Path
) -> None:
    voided, twin = twins
    # yesterday afternoon a till of A took 30 x S1 for 3
    yesterday = till_sale(
        voided.office, [("sale", "S1", 30)], store_day_at(voided.office.now(), 1, 16, 30)
    )
    # today at A's terminal: 15 x S1 for 1, confirmed because it is above the store's limit
    till = StoreShell(voided.server, tmp_path / "till-a", "A")
    till.set_up()
    sold = till("sell", "S1", "--qty", "15", "--yes")
    assert sold.code == 0, sold
    today = receipt_reference(sold.out)
    sync = till.sync()
    assert "refused: 0" in sync.out, sync

    before = what_reports_say(voided)
    expected = what_reports_say(twin)
    assert before["positions"] != expected["positions"]
    assert before["days"] != expected["days"]
    assert before[REPORTS[0]] != expected[REPORTS[0]]  # 30 more sold yesterday

    # the terminal that made today's sale voids it the same store day
    taken_back = till("void", today, "--reason", "typed 15 for 1")
    assert taken_back.code == 0, taken_back
    sync = till.sync()
    assert "refused: 0" in sync.out, sync
    # yesterday's is a manager's to void
    assert void_pushed(voided.office, yesterday, Role.MANAGER)["status"] == 201

    after = what_reports_say(voided)
    for figure, value in expected.items():
        assert after[figure] == value, figure

    # voided once, for good: the terminal says so, the ledger refuses a second void
    again = till("void", today)
    assert again.code != 0, again
    assert again.err.strip().startswith("error:"), again
    assert [entry for entry in till.outbox() if entry["state"] == "pending"] == []
    second = void_pushed(voided.office, yesterday, Role.MANAGER)
    assert second["status"] == 409, second
    assert second["body"]["type"].endswith("already-voided"), second
    assert what_reports_say(voided) == after
