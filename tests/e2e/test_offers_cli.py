"""``storeapp offers`` and ``storeapp claim`` on real processes, on both backends: a real
``ordersync serve`` whose policy offers web orders to the two best placed stores, and the real
``storeapp`` command of stores A and B. Both list the offer with its time left; B's claim reaches
the ledger first and B gets the job; A's claim, sent after, ends the offer for A ("lost to B")
without anything to check; claiming again, or an offer that does not exist, is refused in one
readable sentence."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from ordersync.contract import Role
from tests.support.counter_scenes import StoreShell, receive, web_order
from tests.support.e2e_terminals import HeadOffice
from tests.support.ledger_harness import Network
from tests.support.ledger_server import LedgerServer, ServerFactory
from tests.support.offers import OFFER_POLICY

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(
    seeded_network: Network, ledger_server_factory: ServerFactory, tmp_path: Path
) -> LedgerServer:
    policy = tmp_path / "routing.toml"
    policy.write_text(OFFER_POLICY, encoding="utf-8")
    return ledger_server_factory(
        seeded_network, settings=(("ORDERSYNC_ROUTING_POLICY", str(policy)),)
    )


@pytest.fixture
def office(server: LedgerServer) -> Iterator[HeadOffice]:
    ledger = HeadOffice(server)
    yield ledger
    ledger.close()


def rows_of(store: StoreShell, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(store.cache_path)) as connection:
        return list(connection.execute(query))


def shell(server: LedgerServer, home: Path, location: str) -> StoreShell:
    store = StoreShell(server, home, location, Role.ASSOCIATE)
    store.set_up()
    return store


def test_two_stores_list_an_offer_and_the_first_claim_to_arrive_wins(
    server: LedgerServer, office: HeadOffice, tmp_path: Path
) -> None:
    receive(office, "A", [("S1", 1)])
    receive(office, "B", [("S1", 1)])
    placed = web_order(office, "S1")
    assert placed["jobs"] == [], placed
    store_a, store_b = shell(server, tmp_path / "a", "A"), shell(server, tmp_path / "b", "B")
    store_a.sync()
    store_b.sync()

    listed = store_a("offers")
    assert listed.code == 0, listed
    assert "left" in listed.out, listed
    assert "home delivery" in listed.out, listed
    assert "rank 1 of 2" in listed.out, listed
    [(offer_id,)] = rows_of(store_a, "SELECT id FROM offers")
    short = str(offer_id)[:8]  # the only offer: its first 8 characters tell it apart
    assert short in listed.out, listed
    assert "rank 2 of 2" in store_b("offers").out

    claimed = store_b("claim", short)
    assert claimed.code == 0, claimed
    assert f"Offer {short} claimed" in claimed.out, claimed
    store_b.sync()
    assert "won" in store_b("offers", "--all").out
    jobs = store_b("jobs")
    assert "1 x S1" in jobs.out, jobs

    late = store_a("claim", short)  # A has not synced since: it still sees the offer open
    assert late.code == 0, late
    store_a.sync()
    [entry] = store_a.outbox()
    assert (entry["kind"], entry["state"]) == ("claim_offer", "attention")
    assert entry["resolved_at"] is not None  # on record, nothing for staff to check
    assert entry["problem"]["claimed_by"] == "B"
    assert "lost to B" in store_a("offers", "--all").out
    assert "No open offer" in store_a("offers").out

    again = store_a("claim", short)
    assert again.code == 5, again
    assert "B claimed this offer first." in again.err, again
    unknown = store_a("claim", "zzzzzzzz")
    assert unknown.code == 1, unknown
    assert "No offer zzzzzzzz at this store." in unknown.err, unknown
