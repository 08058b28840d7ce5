"""Every figure of a lookup says where it comes from and how old it is.

Store A synced when it held 3 units of S1; another till then received 2 more straight at the
ledger, so the ledger says 5 and this terminal's copy still says 3. A live lookup shows the
ledger's 5 for the store's own row (not the copy's 3 next to a live network total), with this
terminal's unsent sale laid over it and said so; offline, the copy's figures come with its age.
Units set aside (damaged, on display) are on hand, not available, and named.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Disposition, Role, uuid7
from storeapp.context import StoreContext
from storeapp.wording.catalog import availability_sources
from tests.support.cli import Shell, set_up
from tests.support.ledger_harness import Network
from tests.support.store import receive


def set_aside(
    ledger: TestClient, network: Network, sku: str, qty: int, disposition: Disposition
) -> None:
    reply = ledger.post(
        "/v1/dispositions",
        json={
            "op_id": str(uuid7()),
            "location": "A",
            "lines": [{"sku": sku, "qty": qty, "to_disposition": disposition}],
        },
        headers=network.headers("A", Role.ASSOCIATE),
    )
    assert reply.status_code == 201, reply.text


def test_a_live_lookup_shows_the_ledgers_own_row_with_this_terminals_unsent_sale_laid_over(
    ledger: TestClient, network: Network, store: StoreContext, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 4)
    synced_at = clock.now()
    assert store.sync.sync_once().online
    receive(ledger, network, "S1", "A", 2)  # another till: the ledger says 5, the copy 3
    clock.advance(timedelta(minutes=14))
    store.sales.record("S1", 1)  # not sent yet

    view = store.lookup.item_view("S1")
    assert view is not None
    assert (view.own.on_hand, view.own.available, view.own.pending_delta) == (4, 4, -1)
    availability = view.availability
    assert availability.here.live
    assert availability.here.as_of == clock.now()
    assert availability.elsewhere.live
    here = next(place for place in availability.locations if place.is_here)
    assert (here.on_hand, here.available) == (4, 4)
    assert availability.network_available == 8  # 5 + 4 at the ledger, less the unsent sale
    assert availability_sources(availability, clock.now()) == [
        "live from the ledger, just now, plus this terminal's -1 not yet synced"
    ]
    typed = store.lookup.item_view("s1")  # as staff type it: the same item, the same figures
    assert typed is not None
    assert (typed.own.on_hand, typed.availability.sku) == (4, "S1")

    clock.advance(timedelta(minutes=3))
    offline = store.lookup.availability("S1", live=False)
    assert not offline.here.live
    assert offline.here.as_of == synced_at
    here = next(place for place in offline.locations if place.is_here)
    assert (here.on_hand, here.available) == (2, 2)  # the copy's 3, less the unsent sale
    assert availability_sources(offline, clock.now()) == [
        "here: this terminal's copy, 17 mins old, plus this terminal's -1 not yet synced",
        "elsewhere: this terminal's copy, 3 mins old",
    ]


def test_a_terminal_that_never_asked_live_says_the_other_locations_are_unknown(
    ledger: TestClient, network: Network, store: StoreContext, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 3)
    assert store.sync.sync_once().online
    clock.advance(timedelta(minutes=2))
    offline = store.lookup.availability("S1", live=False)
    assert [place.code for place in offline.locations] == ["A"]
    assert offline.elsewhere.as_of is None
    assert availability_sources(offline, clock.now()) == [
        "here: this terminal's copy, 2 mins old",
        "elsewhere: never asked the ledger",
    ]


def test_units_set_aside_are_on_hand_not_available_and_named_live_and_from_the_copy(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 5)
    set_aside(ledger, network, "S1", 2, Disposition.DAMAGED)
    set_aside(ledger, network, "S1", 1, Disposition.DISPLAY)
    assert store.sync.sync_once().online

    for live in (True, False):
        view = store.lookup.item_view("S1", live=live)
        assert view is not None
        assert view.availability.live is live
        own = view.own
        assert (own.on_hand, own.unavailable, own.available) == (5, 3, 2)
        assert own.dispositions == {Disposition.DAMAGED: 2, Disposition.DISPLAY: 1}
        assert view.grid.cell("85", "B") is not None
        assert view.grid.cell("85", "B").store_available == 2  # type: ignore[union-attr]


def test_the_lookup_command_names_units_set_aside_and_where_each_figure_comes_from(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "A", 4)
    set_aside(ledger, network, "S1", 2, Disposition.DAMAGED)
    set_up(sh, network)
    result = sh("lookup", "S1")
    assert result.code == 0, result
    assert "Here: 2 available, 4 on hand, 0 reserved" in result.out
    assert "Not for sale here: 2 damaged" in result.out
    assert "Live from the ledger, just now" in result.out
    assert "As of" not in result.out
