"""Customer returns anywhere, on real processes and both backends: a real ``ordersync serve``,
store A's terminal (its services on a cache of its own) shipping a web order, and store B's
terminal driven by the real ``storeapp`` command in child processes.

A web order shipped by store A comes back at store B (``storeapp return S1 --order ID --reason
wrong_size``): after B's sync the unit is on sale at B, A's stock is untouched, the order's line
says one unit returned, and B's day history counts a return, not a negative sale. A return
naming an order of another network is recorded all the same (the unit is in the store), set
aside as damaged when the associate says so, and flagged for head office.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ordersync.contract import Disposition, ReturnFlag, Role
from storeapp.context import StoreContext
from tests.support.counter_scenes import (
    DAY_COLUMNS,
    StoreShell,
    day_history,
    position,
    receive,
    ship_from_store,
    web_order,
)
from tests.support.e2e_terminals import HeadOffice, synced, terminal
from tests.support.ledger_harness import Network
from tests.support.ledger_server import LedgerServer, ServerFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(seeded_network: Network, ledger_server_factory: ServerFactory) -> LedgerServer:
    seeded_network.token("B", Role.ASSOCIATE)
    return ledger_server_factory(seeded_network, workers=1)


@pytest.fixture
def office(server: LedgerServer) -> Iterator[HeadOffice]:
    ledger = HeadOffice(server)
    yield ledger
    ledger.close()


@pytest.fixture
def till_a(server: LedgerServer, office: HeadOffice, tmp_path: Path) -> Iterator[StoreContext]:
    receive(office, "A", [("S1", 1)])
    store = terminal(server, tmp_path / "store-a", "A")
    synced(store)
    yield store
    store.close()


@pytest.fixture
def till_b(server: LedgerServer, tmp_path: Path) -> StoreShell:
    shell = StoreShell(server, tmp_path / "store-b", "B")
    shell.set_up()
    return shell


def shipped_by_a(office: HeadOffice, store: StoreContext) -> dict[str, Any]:
    """A web order of one S1, routed to A, picked, packed and shipped there."""
    placed = web_order(office, "S1")
    [job] = placed["jobs"]
    assert job["location"] == "A"
    ship_from_store(store, job["id"], "S1", 1)
    shipped = office.order(placed["id"])
    assert [line["state"] for line in shipped["lines"]] == ["shipped"]
    assert position(office, "A", "S1")["on_hand"] == 0
    return shipped


def a_day(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(DAY_COLUMNS, row, strict=True))


def test_a_web_order_shipped_by_a_and_returned_at_b_is_back_on_sale_at_b(
    server: LedgerServer,
    office: HeadOffice,
    till_a: StoreContext,
    till_b: StoreShell,
    tmp_path: Path,
) -> None:
    order = shipped_by_a(office, till_a)
    a_before = position(office, "A", "S1")

    recorded = till_b("return", "S1", "--order", order["id"], "--reason", "wrong_size")
    assert recorded.code == 0, recorded
    sync = till_b.sync()
    assert "refused: 0" in sync.out, sync

    at_b = position(office, "B", "S1")
    assert (at_b["on_hand"], at_b["unavailable"], at_b["reserved"], at_b["available"]) == (
        1,
        0,
        0,
        1,
    )
    assert at_b["dispositions"] == {}
    assert position(office, "A", "S1") == a_before
    after = office.order(order["id"])
    [line] = after["lines"]
    assert (line["sku"], line["qty"], line["state"], line["returned"]) == ("S1", 1, "shipped", 1)
    # B's terminal sees the unit it took back, as the ledger counts it
    seen = till_b.cached_position("S1")
    assert (seen["on_hand"], seen["unavailable"]) == (1, 0)
    # a return is a return in B's day history, never a negative sale
    [today] = [a_day(row) for row in day_history(server, "B")]
    assert (today["sku"], today["sold_units"], today["returned_units"]) == ("S1", 0, 1)
    assert today["closing_on_hand"] == 1
    checked = office.check(tmp_path)
    assert checked.returncode == 0, checked.describe()


def test_a_return_naming_an_order_of_another_network_is_recorded_and_flagged(
    office: HeadOffice, till_b: StoreShell
) -> None:
    stranger = str(uuid.uuid4())

    recorded = till_b("return", "S2", "--order", stranger, "--reason", "faulty", "--damaged")
    assert recorded.code == 0, recorded
    sync = till_b.sync()
    assert "refused: 0" in sync.out, sync

    at_b = position(office, "B", "S2")
    assert (at_b["on_hand"], at_b["unavailable"], at_b["available"]) == (1, 1, 0)
    assert at_b["dispositions"] == {Disposition.DAMAGED.value: 1}
    listed = office.call("GET", "/v1/returns?location=B")
    [kept] = listed["returns"] if isinstance(listed, dict) else listed
    assert kept["order_id"] == stranger
    assert kept["flags"] == [ReturnFlag.UNKNOWN_ORDER.value]
    assert [(ln["sku"], ln["qty"], ln["reason"], ln["disposition"]) for ln in kept["lines"]] == [
        ("S2", 1, "faulty", Disposition.DAMAGED.value)
    ]
