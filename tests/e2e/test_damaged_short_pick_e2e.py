"""A damaged short pick on real processes, on both backends: a real ``ordersync serve``, web
orders placed over HTTP, and store A's terminal (its services on a cache of its own) picking.

Store A (next to the customer) holds one unit of S1, store B (in Lyon) two. The first web order
goes to A; the associate finds the unit damaged and short picks it with that reason. The unit
stays on A's shelf, set aside as damaged: on hand 1, unavailable 1, available 0, and A's
terminal shows it after its sync. The line goes to B; the next order goes to B as well, and
once B has nothing left the third one is refused (nobody can serve it now): A's damaged unit
is never routed again.

``ordersync check`` rebuilds the dispositions from the movements: the ledger checks clean, and a
``position_dispositions`` row changed by hand is reported, with a non-zero exit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ordersync.contract import Disposition, RejectReason, Role, RoutingReason
from storeapp.context import StoreContext
from tests.support.counter_scenes import (
    cached_position,
    codes_of,
    edit_by_hand,
    position,
    receive,
    verdicts,
    web_order,
    web_order_reply,
    winners,
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
    receive(office, "B", [("S1", 2)])
    store = terminal(server, tmp_path / "store-a", "A")
    synced(store)
    yield store
    store.close()


def live_jobs(order: dict[str, Any]) -> list[tuple[str, str]]:
    """(location, state) of the order's jobs that were not rejected."""
    return [(job["location"], job["state"]) for job in order["jobs"] if job["state"] != "rejected"]


def damaged_short_pick(office: HeadOffice, store: StoreContext) -> dict[str, Any]:
    """The first web order, routed to A and short picked there as damaged; the order as the
    ledger tells it then."""
    placed = web_order(office, "S1")
    assert winners(placed) == ["A"]
    [job] = placed["jobs"]
    synced(store)  # the job reaches the store through the feed
    store.picking.start(job["id"])
    store.picking.short_pick(job["id"], 1, RejectReason.DAMAGED)
    synced(store)
    return office.order(placed["id"])


def test_a_damaged_unit_is_set_aside_and_never_routed_again(
    office: HeadOffice, till_a: StoreContext
) -> None:
    first = damaged_short_pick(office, till_a)

    damaged = {Disposition.DAMAGED.value: 1}
    after = position(office, "A", "S1")
    assert (after["on_hand"], after["unavailable"], after["reserved"], after["available"]) == (
        1,
        1,
        0,
        0,
    )
    assert after["dispositions"] == damaged
    [rejected] = [job for job in first["jobs"] if job["state"] == "rejected"]
    assert rejected["location"] == "A"
    assert [line["reject_reason"] for line in rejected["lines"]] == [RejectReason.DAMAGED.value]
    assert live_jobs(first) == [("B", "assigned")]
    assert winners(first) == ["B"]
    # the store's own view, after its sync: the unit is on the shelf, set aside
    seen = cached_position(till_a.settings.cache_path, "A", "S1")
    assert (seen["on_hand"], seen["unavailable"], seen["dispositions"]) == (1, 1, damaged)
    shown = till_a.lookup.item_view("S1", live=False)
    assert shown is not None
    assert (shown.own.on_hand, shown.own.available) == (1, 0)
    assert dict(shown.own.dispositions) == {Disposition.DAMAGED: 1}

    second = web_order(office, "S1")
    assert live_jobs(second) == [("B", "assigned")]
    assert RoutingReason.NO_STOCK.value in verdicts(second)["A"]

    # B has nothing left on sale; A's damaged unit is the only one on a shelf, and not offered
    third = web_order_reply(office, "S1")
    assert third.status_code == 409, third.text
    refused = third.json()
    assert refused["type"].endswith("order-unfulfillable"), refused
    assert RoutingReason.NO_STOCK.value in codes_of(refused["routing"])["A"]
    assert position(office, "A", "S1") == after


def test_check_rebuilds_the_dispositions_and_names_one_changed_by_hand(
    server: LedgerServer, office: HeadOffice, till_a: StoreContext, tmp_path: Path
) -> None:
    damaged_short_pick(office, till_a)
    clean = office.check(tmp_path)
    assert clean.returncode == 0, clean.describe()
    assert "ledger is consistent" in clean.stdout

    changed = edit_by_hand(
        server,
        "UPDATE position_dispositions SET units = 3 "
        "WHERE sku = 'S1' AND location = 'A' AND disposition = :damaged",
        damaged=Disposition.DAMAGED.value,
    )
    assert changed == 1

    found = office.check(tmp_path)
    assert found.returncode != 0, found.describe()
    assert "Traceback" not in found.stdout + found.stderr, found.describe()
    reported = found.stdout + found.stderr
    [line] = [row for row in reported.splitlines() if Disposition.DAMAGED.value in row]
    # the position, the figure recorded by hand and the one its movements add up to
    assert re.search(r"\bA\b", line), found.describe()
    assert re.search(r"\bS1\b", line), found.describe()
    assert re.search(r"\b3\b.*\b1\b", line), found.describe()
