"""The demo's counter, as ``make demo`` loads it, on both backends: ``ordersync demo-data`` in a
child process, then a real ``ordersync serve`` read over HTTP.

At Paris Rivoli the README's item ``BRA-ELO-NOIR-85B`` has two units set aside as damaged and
one on display, on hand but not for sale; two faulty returns are in the store's returns list,
each linked to what was sold (a web order shipped by the Haussmann store, whose line shows the
unit returned, and a sale at Rivoli's counter); the returned units were written off, so every
position's on-hand is still what the history's generator tracked; and the ledger checks clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import CustomerReturn, Disposition, Role
from ordersync.db.engine import create_ledger_engine
from ordersync.demo.counter import (
    DAMAGED_ON_SHELF,
    ON_DISPLAY,
    RETURN_REASON,
    SHOWCASE,
    plan_demo_counter,
)
from ordersync.demo.history import build_demo_network
from ordersync.demo.load import ANCHOR_KEY
from ordersync.demo.motion import SISTER, STORE
from ordersync.demo.network import PARIS, WAREHOUSE
from tests.support.e2e_terminals import HeadOffice, parse_time
from tests.support.ledger_harness import START, Network
from tests.support.ledger_server import ServerFactory, run_ordersync

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_network(e2e_database: str, tmp_path: Path) -> Iterator[Network]:
    """The demo network loaded by ``ordersync demo-data``; tokens of head office and of the
    Paris Rivoli manager issued before the server starts."""
    loaded = run_ordersync("--database-url", e2e_database, "demo-data", cwd=tmp_path, timeout=900)
    assert loaded.returncode == 0, loaded.describe()
    network = Network(
        e2e_database, ManualClock(START), create_ledger_engine(e2e_database, writer=True)
    )
    network.token(WAREHOUSE, Role.ADMIN)
    network.token(STORE, Role.MANAGER)
    yield network
    network.engine.dispose()


@pytest.fixture
def office(demo_network: Network, ledger_server_factory: ServerFactory) -> Iterator[HeadOffice]:
    ledger = HeadOffice(ledger_server_factory(demo_network, workers=1))
    yield ledger
    ledger.close()


def demo_anchor(office: HeadOffice) -> date:
    """The day the demo was first loaded, as the load stored it."""
    with office.server.network.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT value FROM ledger_meta WHERE key = :key"), {"key": ANCHOR_KEY}
        ).scalar_one()
    return date.fromisoformat(stored)


def read(office: HeadOffice, path: str) -> Any:
    return office.call("GET", path, location=WAREHOUSE, role=Role.ADMIN)


def test_the_demo_store_shows_units_set_aside_and_returns_linked_to_what_was_sold(
    office: HeadOffice, tmp_path: Path
) -> None:
    network = build_demo_network(7, anchor=demo_anchor(office))
    plan = plan_demo_counter(network)
    assert plan == plan_demo_counter(network)  # pure: the same network, the same steps

    shelf = {sku: qty for place, sku, qty in network.final_stock if place == STORE}
    showcase = read(office, f"/v1/positions/{STORE}/{SHOWCASE}")
    assert showcase["on_hand"] == shelf[SHOWCASE]
    assert showcase["unavailable"] == DAMAGED_ON_SHELF + ON_DISPLAY
    assert showcase["dispositions"] == {
        Disposition.DAMAGED.value: DAMAGED_ON_SHELF,
        Disposition.DISPLAY.value: ON_DISPLAY,
    }
    on_sale = shelf[SHOWCASE] - DAMAGED_ON_SHELF - ON_DISPLAY
    assert showcase["available"] == on_sale - showcase["reserved"] - showcase["safety_stock"]

    returns = read(office, f"/v1/returns?location={STORE}&days=30")
    returns = returns["returns"] if isinstance(returns, dict) else returns
    planned = plan.commands(CustomerReturn)
    assert sorted(str(r["id"]) for r in returns) == sorted(str(c.op_id) for c in planned)
    eve = network.anchor - timedelta(days=1)
    for found in returns:
        assert found["flags"] == []
        [line] = found["lines"]
        assert (line["qty"], line["reason"], line["disposition"]) == (
            1,
            RETURN_REASON,
            Disposition.DAMAGED.value,
        )
        assert parse_time(found["occurred_at"]).astimezone(PARIS).date() == eve
        # written off the same evening: the shelf holds what the generator tracked
        returned = read(office, f"/v1/positions/{STORE}/{line['sku']}")
        assert returned["on_hand"] == shelf[line["sku"]]
        assert returned["unavailable"] == 0
    [web] = [r for r in returns if r["order_id"] is not None]
    [counter] = [r for r in returns if r["sale_op_id"] is not None]
    order = read(office, f"/v1/orders/{web['order_id']}")
    assert [job["location"] for job in order["jobs"]] == [SISTER]
    assert [(ln["sku"], ln["state"], ln["returned"]) for ln in order["lines"]] == [
        (web["lines"][0]["sku"], "shipped", 1)
    ]
    assert counter["lines"][0]["order_line_no"] is None

    checked = office.check(tmp_path)
    assert checked.returncode == 0, checked.describe()
    assert "ledger is consistent" in checked.stdout
