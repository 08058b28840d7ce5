"""Offers on the store terminal against the real ledger, on each backend: a web order whose rule
offers its line to stores A and B at once reaches both terminals through the feed, with its
lines, the customer's delivery, each store's rank and the time left; a claim waits in the outbox
(offline too) and is sent exactly once; the first claim wins and its job comes with the feed;
the store that claims second hears who claimed first, and nothing asks for its attention; a
claim too late ends the offer as expired; any other refusal is listed for attention; an offer
that ended leaves the cache a day later."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.services.offers import OfferRefusal, OfferRefused, OfferStanding, OfferView
from storeapp.sync.engine import SyncReport
from storeapp.wording.offers import ended_notice, standing_text
from tests.support.ledger_api import in_process_ledger
from tests.support.ledger_harness import Network
from tests.support.offers import CLAIM_MINUTES, OFFER_POLICY, offered_order
from tests.support.store import (
    Cable,
    open_terminal,
    sell_elsewhere,
    sync_terminal,
)


@pytest.fixture
def ledger(network: Network, clock: ManualClock, tmp_path: Path) -> Iterator[TestClient]:
    """The real ledger in process, with a policy that offers web orders to two stores."""
    policy = tmp_path / "routing.toml"
    policy.write_text(OFFER_POLICY, encoding="utf-8")
    with in_process_ledger(network.url, clock, policy) as client:
        yield client


class LossyCable(Cable):
    """A cable that can lose the ledger's reply to the next push, after the ledger acted on it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        super().__init__(inner)
        self.lose_next_push_reply = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.lose_next_push_reply and request.url.path == "/v1/ops":
            self.lose_next_push_reply = False
            raise httpx.ReadTimeout("the reply was lost", request=request)
        return response


@pytest.fixture
def cable(ledger: TestClient) -> LossyCable:
    return LossyCable(ledger._transport)


@pytest.fixture
def store_a(
    ledger: TestClient, network: Network, clock: ManualClock, tmp_path: Path, cable: Cable
) -> Iterator[StoreContext]:
    terminal = open_terminal(ledger, network, tmp_path / "store-a", clock, cable=cable)
    yield terminal
    terminal.close()


@pytest.fixture
def store_b(
    ledger: TestClient, network: Network, clock: ManualClock, tmp_path: Path
) -> Iterator[StoreContext]:
    terminal = open_terminal(ledger, network, tmp_path / "store-b", clock, location="B")
    yield terminal
    terminal.close()


def ledger_order(ledger: TestClient, network: Network, order_id: str) -> Any:
    reply = ledger.get(f"/v1/orders/{order_id}", headers=network.headers("WH", Role.ADMIN))
    assert reply.status_code == 200, reply.text
    return reply.json()


def the_offer(terminal: StoreContext) -> OfferView:
    [offer] = terminal.offers.offers(include_ended=True)
    return offer


def waiting(terminal: StoreContext) -> tuple[int, int]:
    """(outbox entries waiting, entries needing attention)."""
    with terminal.engine.connect() as connection:
        return outbox.counts(connection)


def test_an_offer_reaches_each_store_with_its_lines_delivery_rank_and_time_left(
    ledger: TestClient,
    network: Network,
    clock: ManualClock,
    store_a: StoreContext,
    store_b: StoreContext,
) -> None:
    placed = offered_order(ledger, network)
    sync_terminal(store_a)
    sync_terminal(store_b)

    mine, theirs = the_offer(store_a), the_offer(store_b)
    assert mine.id == theirs.id
    assert mine.order_id == placed["id"]
    assert (mine.standing, mine.rank, mine.competitors) == (OfferStanding.OPEN, 1, 1)
    assert (theirs.rank, theirs.competitors) == (2, 1)
    assert [(line.sku, line.qty) for line in mine.lines] == [("S1", 1)]
    assert mine.lines[0].name  # the catalog's name, size and colour
    assert (mine.delivery, mine.customer_name) == ("home", "Camille Martin")
    assert mine.left == timedelta(minutes=CLAIM_MINUTES)
    assert standing_text(mine) == "10:00 left"

    clock.advance(timedelta(minutes=7, seconds=26))
    assert standing_text(the_offer(store_a)) == "02:34 left"
    assert store_a.picking.queue().jobs == []  # an offer is not a job until it is won


def test_the_first_claim_wins_and_the_job_comes_with_the_feed(
    ledger: TestClient, network: Network, store_a: StoreContext
) -> None:
    offered_order(ledger, network)
    sync_terminal(store_a)
    offer = the_offer(store_a)

    claimed = store_a.offers.claim(offer.id)
    assert claimed.offer.standing is OfferStanding.CLAIMING
    assert waiting(store_a) == (1, 0)
    with pytest.raises(OfferRefused) as again:
        store_a.offers.claim(offer.id)
    assert again.value.code is OfferRefusal.ALREADY_CLAIMED
    assert waiting(store_a) == (1, 0)  # nothing more queued

    report = store_a.sync.sync_once()
    assert (report.accepted, report.refused, report.ended) == (1, 0, 0)
    won = the_offer(store_a)
    assert won.standing is OfferStanding.WON
    assert store_a.offers.offers() == []  # it leaves the open offers
    assert ended_notice(won) == f"Offer {won.short_id} is yours: its job is in the queue."
    [job] = store_a.picking.queue().jobs
    assert (job.id, [(line.sku, line.qty) for line in job.lines]) == (won.job_id, [("S1", 1)])
    assert waiting(store_a) == (0, 0)


def test_the_store_that_claims_second_hears_who_claimed_first_and_nothing_needs_attention(
    ledger: TestClient, network: Network, store_a: StoreContext, store_b: StoreContext
) -> None:
    offered_order(ledger, network)
    sync_terminal(store_a)
    sync_terminal(store_b)
    offer_id = the_offer(store_b).id
    store_b.offers.claim(offer_id)  # B claims first here, but A's claim reaches the ledger first
    store_a.offers.claim(offer_id)
    sync_terminal(store_a)

    report = SyncReport()
    store_b.sync.push(report)  # the refusal alone, before the feed says anything
    assert (report.accepted, report.refused, report.ended) == (0, 0, 1)
    lost = the_offer(store_b)
    assert (lost.standing, lost.claimed_by) == (OfferStanding.LOST, "A")
    assert ended_notice(lost) == f"Offer {lost.short_id}: A claimed it first."
    assert standing_text(lost) == "lost to A"
    assert waiting(store_b) == (0, 0)
    assert store_b.picking.attention() == []
    assert outbox.needing_attention(store_b.engine) == []

    sync_terminal(store_b)  # and the feed agrees
    after = the_offer(store_b)
    assert (after.standing, after.claimed_by) == (OfferStanding.LOST, "A")
    assert store_b.picking.queue().jobs == []
    with pytest.raises(OfferRefused) as refused:
        store_b.offers.claim(offer_id)
    assert (refused.value.code, refused.value.facts["claimed_by"]) == (OfferRefusal.ENDED, "A")


def test_a_claim_offline_waits_in_the_outbox_and_is_sent_once_back_online(
    ledger: TestClient, network: Network, store_a: StoreContext, cable: LossyCable
) -> None:
    placed = offered_order(ledger, network)
    sync_terminal(store_a)
    offer_id = the_offer(store_a).id
    cable.online = False

    store_a.offers.claim(offer_id)
    for _ in range(2):
        report = store_a.sync.sync_once()
        assert not report.online
        claiming = the_offer(store_a)
        assert claiming.standing is OfferStanding.CLAIMING
        assert standing_text(claiming) == "claim waiting to be sent"
        assert waiting(store_a) == (1, 0)

    cable.online = True
    cable.lose_next_push_reply = True  # the ledger takes the claim, its answer is lost
    assert not store_a.sync.sync_once().online
    assert the_offer(store_a).standing is OfferStanding.CLAIMING
    sync_terminal(store_a)  # sent again: the ledger answers the same claim, won once
    assert the_offer(store_a).standing is OfferStanding.WON
    assert len(store_a.picking.queue().jobs) == 1
    order = ledger_order(ledger, network, placed["id"])
    assert [(job["location"], len(job["lines"])) for job in order["jobs"]] == [("A", 1)]


def test_a_claim_that_reaches_the_ledger_too_late_ends_the_offer_as_expired(
    ledger: TestClient,
    network: Network,
    clock: ManualClock,
    store_a: StoreContext,
    cable: Cable,
) -> None:
    offered_order(ledger, network)
    sync_terminal(store_a)
    offer_id = the_offer(store_a).id
    cable.online = False
    clock.advance(timedelta(minutes=CLAIM_MINUTES - 1))
    store_a.offers.claim(offer_id)  # in time here, offline
    clock.advance(timedelta(minutes=2))
    cable.online = True

    report = store_a.sync.sync_once()
    assert (report.accepted, report.refused, report.ended) == (0, 0, 1)
    expired = the_offer(store_a)
    assert expired.standing is OfferStanding.EXPIRED
    assert ended_notice(expired) == f"Offer {expired.short_id}: too late, it expired."
    assert waiting(store_a) == (0, 0)
    assert store_a.picking.queue().jobs == []


def test_an_offer_whose_time_ran_out_here_is_not_claimed(
    ledger: TestClient, network: Network, clock: ManualClock, store_a: StoreContext
) -> None:
    offered_order(ledger, network)
    sync_terminal(store_a)
    offer_id = the_offer(store_a).id
    clock.advance(timedelta(minutes=CLAIM_MINUTES))

    assert the_offer(store_a).standing is OfferStanding.EXPIRED  # by this terminal's clock
    assert store_a.offers.offers() == []
    with pytest.raises(OfferRefused) as refused:
        store_a.offers.claim(offer_id)
    assert refused.value.code is OfferRefusal.TOO_LATE
    assert waiting(store_a) == (0, 0)


def test_a_claim_refused_for_another_reason_needs_attention_and_the_offer_stays_open(
    ledger: TestClient, network: Network, store_a: StoreContext
) -> None:
    offered_order(ledger, network)
    sync_terminal(store_a)
    offer_id = the_offer(store_a).id
    sell_elsewhere(ledger, network, "S1", 1, "A")  # the unit went over the counter meanwhile

    store_a.offers.claim(offer_id)
    report = store_a.sync.sync_once()
    assert (report.refused, report.ended) == (1, 0)
    [entry] = outbox.needing_attention(store_a.engine)
    assert entry.kind == "claim_offer"
    still = the_offer(store_a)
    assert still.standing is OfferStanding.OPEN
    assert still.claim_refused is not None
    assert still.claim_refused["status"] == 409


def test_an_offer_is_found_by_the_start_of_its_id(
    ledger: TestClient, network: Network, store_a: StoreContext
) -> None:
    offered_order(ledger, network)
    sync_terminal(store_a)
    offer = the_offer(store_a)

    assert store_a.offers.resolve(offer.short_id) == offer.id
    assert store_a.offers.resolve(offer.id.upper()) == offer.id
    with pytest.raises(OfferRefused) as unknown:
        store_a.offers.resolve("ffffffff")
    assert unknown.value.code is OfferRefusal.UNKNOWN_OFFER


def test_an_ended_offer_stays_for_the_day_and_then_leaves_the_cache(
    ledger: TestClient, network: Network, clock: ManualClock, store_a: StoreContext
) -> None:
    offered_order(ledger, network)
    sync_terminal(store_a)
    store_a.offers.claim(the_offer(store_a).id)
    sync_terminal(store_a)
    clock.advance(timedelta(hours=23))
    sync_terminal(store_a)
    assert the_offer(store_a).standing is OfferStanding.WON

    clock.advance(timedelta(hours=2))
    sync_terminal(store_a)
    assert store_a.offers.offers(include_ended=True) == []
    with store_a.engine.connect() as connection:
        claims = connection.exec_driver_sql("SELECT COUNT(*) FROM offer_claims").scalar_one()
    assert claims == 0
