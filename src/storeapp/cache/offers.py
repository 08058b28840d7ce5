"""Offers made to this store (competitive allocation) in the cache: the ledger's view from the
change feed, with this device's claims laid over it.

The feed brings one row per offer and store (kind ``offer``): made, then won, lost or expired.
The newest report of an offer is kept (a lower ``seq`` never overwrites a higher one), as for
jobs. An offer that ended stays for a day after it ended, so the screens can say how it ended
("lost to B", "expired"); the next feed page after that drops it, with this device's claims of it.

A claim made here (``record_claim``) is the outbox entry of its ``claim_offer`` operation and a
row of ``offer_claims`` with the same ``op_id``, written in one transaction. How the claim
stands is read from that entry, never stored twice: waiting in the outbox (claiming), gone from
it (the ledger accepted it: won, the job comes with the feed), or refused. A refusal that only
says the offer ended (``ENDING_REFUSALS``: another store claimed it first, or its time ran out)
is settled without asking staff for attention; the offer just ends. The feed's word, once it
says the offer ended, stands over all of this.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import Field

from ordersync.contract import PROBLEM_TYPE_PREFIX, Offer, OfferAnswer
from storeapp.cache.tables import CacheModel

CLAIM_OFFER = "claim_offer"
"""The outbox kind of a claim (the ledger's pushed operation)."""
OFFER_TAKEN = PROBLEM_TYPE_PREFIX + "offer-taken"
OFFER_EXPIRED = PROBLEM_TYPE_PREFIX + "offer-expired"
ENDING_REFUSALS: dict[str, frozenset[str]] = {
    CLAIM_OFFER: frozenset({OFFER_TAKEN, OFFER_EXPIRED}),
}
"""Refusals, per outbox kind, that end what the operation was for rather than ask staff to act:
the sync settles them at once instead of listing them under "needs attention"."""
KEEP_ENDED = timedelta(days=1)
"""How long an ended offer stays in the cache after it ended."""


class CacheOffer(CacheModel, table=True):
    """An offer made to this store as the feed last reported it. ``lines`` is the offered
    lines as the feed gave them (JSON); times are ISO 8601 text in UTC."""

    __tablename__ = "offers"
    id: str = Field(primary_key=True)
    order_id: str
    location: str = Field(index=True)
    round: int
    state: str
    answer: str
    """How it stands for this store (an ``OfferAnswer`` value)."""
    rank: int
    competitors: int
    lines: str
    customer_name: str
    delivery: str
    collect_at: str | None = None
    created_at: str
    expires_at: str
    claimed_by: str | None = None
    claimed_at: str | None = None
    job_id: str | None = None
    seq: int
    received_at: str


class CacheOfferClaim(CacheModel, table=True):
    """A claim of an offer made on this device; its outbox entry has the same ``op_id``."""

    __tablename__ = "offer_claims"
    op_id: str = Field(primary_key=True)
    offer_id: str = Field(index=True)
    person: str | None = None
    created_at: str


class OfferStanding(StrEnum):
    """How an offer stands for this store, the feed's word with this device's claim over it."""

    OPEN = "open"
    CLAIMING = "claiming"
    """Claimed here; the claim waits in the outbox (offline, or not yet synced)."""
    CLAIMED = "claimed"
    """The ledger accepted the claim here; the feed has not said so yet."""
    WON = "won"
    LOST = "lost"
    """Another store claimed it first (``claimed_by``)."""
    EXPIRED = "expired"


ENDED = frozenset({OfferStanding.WON, OfferStanding.LOST, OfferStanding.EXPIRED})


@dataclass(frozen=True, slots=True)
class OfferedLine:
    line_no: int
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class CachedOffer:
    id: str
    order_id: str
    location: str
    round: int
    standing: OfferStanding
    rank: int
    competitors: int
    lines: list[OfferedLine]
    customer_name: str
    delivery: str
    collect_at: str | None
    created_at: datetime
    expires_at: datetime
    claimed_by: str | None
    """The store that won it (from the feed, or from the refusal of a claim made here)."""
    job_id: str | None
    claim_op_id: str | None
    """This device's latest claim of it, if any."""
    claim_refused: dict[str, Any] | None = None
    """The ledger's problem document when that claim was refused for another reason than the
    offer ending (it then waits under "needs attention" and the offer is open again)."""


def upsert_offers(
    connection: Connection, offers: Sequence[tuple[int, Offer]], now: datetime
) -> None:
    """Keep the newest report of each offer, and drop those that ended over a day ago."""
    if offers:
        connection.execute(
            text(
                "INSERT INTO offers (id, order_id, location, round, state, answer, rank, "
                "competitors, lines, customer_name, delivery, collect_at, created_at, "
                "expires_at, claimed_by, claimed_at, job_id, seq, received_at) VALUES (:id, "
                ":order_id, :location, :round, :state, :answer, :rank, :competitors, :lines, "
                ":customer_name, :delivery, :collect_at, :created_at, :expires_at, :claimed_by, "
                ":claimed_at, :job_id, :seq, :received_at) ON CONFLICT (id) DO UPDATE SET "
                "round = excluded.round, state = excluded.state, answer = excluded.answer, "
                "rank = excluded.rank, competitors = excluded.competitors, "
                "lines = excluded.lines, expires_at = excluded.expires_at, "
                "claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at, "
                "job_id = excluded.job_id, seq = excluded.seq, "
                "received_at = excluded.received_at WHERE excluded.seq >= offers.seq"
            ),
            [_offer_row(seq, offer, now) for seq, offer in offers],
        )
    drop_ended(connection, now - KEEP_ENDED)


def _offer_row(seq: int, offer: Offer, now: datetime) -> dict[str, Any]:
    return {
        "id": str(offer.id),
        "order_id": str(offer.order_id),
        "location": offer.location,
        "round": offer.round,
        "state": offer.state.value,
        "answer": offer.answer.value,
        "rank": offer.rank,
        "competitors": offer.competitors,
        "lines": json.dumps([line.model_dump(mode="json") for line in offer.lines]),
        "customer_name": offer.customer_name,
        "delivery": offer.delivery.value,
        "collect_at": offer.collect_at,
        "created_at": offer.created_at.isoformat(),
        "expires_at": offer.expires_at.isoformat(),
        "claimed_by": offer.claimed_by,
        "claimed_at": None if offer.claimed_at is None else offer.claimed_at.isoformat(),
        "job_id": None if offer.job_id is None else str(offer.job_id),
        "seq": seq,
        "received_at": now.isoformat(),
    }


def drop_ended(connection: Connection, before: datetime) -> None:
    """Forget the offers that ended before ``before``, and this device's settled claims of
    them (a claim still waiting to be sent stays: its outbox entry must keep its row)."""
    ended = (
        "SELECT id FROM offers WHERE answer <> :open AND COALESCE(claimed_at, expires_at) < :before"
    )
    params = {"open": OfferAnswer.OPEN.value, "before": before.isoformat()}
    connection.execute(
        text(
            f"DELETE FROM offer_claims WHERE offer_id IN ({ended}) AND op_id NOT IN "
            "(SELECT op_id FROM outbox WHERE state = 'pending')"
        ),
        params,
    )
    connection.execute(text(f"DELETE FROM offers WHERE id IN ({ended})"), params)


def record_claim(
    connection: Connection, offer_id: str, op_id: str, person: str | None, now: datetime
) -> None:
    """Lay a claim made here over the offer (in the transaction that queues its operation)."""
    connection.execute(
        text(
            "INSERT INTO offer_claims (op_id, offer_id, person, created_at) "
            "VALUES (:op_id, :offer_id, :person, :now)"
        ),
        {"op_id": op_id, "offer_id": offer_id, "person": person, "now": now.isoformat()},
    )


_SELECT = (
    "SELECT o.*, c.op_id AS claim_op_id, e.state AS claim_state, e.problem AS claim_problem "
    "FROM offers o LEFT JOIN offer_claims c ON c.op_id = (SELECT op_id FROM offer_claims "
    "WHERE offer_id = o.id ORDER BY created_at DESC, op_id DESC LIMIT 1) "
    "LEFT JOIN outbox e ON e.op_id = c.op_id"
)


def read_offer(connection: Connection, offer_id: str) -> CachedOffer | None:
    row = connection.execute(text(f"{_SELECT} WHERE o.id = :id"), {"id": offer_id}).first()
    return None if row is None else _cached(row)


def read_offers(connection: Connection, location: str) -> list[CachedOffer]:
    """The offers made to ``location`` the cache holds, soonest to expire first."""
    rows = connection.execute(
        text(f"{_SELECT} WHERE o.location = :location ORDER BY o.expires_at, o.id"),
        {"location": location},
    )
    return [_cached(row) for row in rows]


def offer_ids_starting_with(connection: Connection, prefix: str, limit: int = 5) -> list[str]:
    rows = connection.execute(
        text("SELECT id FROM offers WHERE id LIKE :prefix ORDER BY id LIMIT :limit"),
        {"prefix": prefix.replace("%", "").replace("_", "") + "%", "limit": limit},
    )
    return [str(row[0]) for row in rows]


def _cached(row: Any) -> CachedOffer:
    standing, claimed_by, refused = _standing(row)
    return CachedOffer(
        id=row.id,
        order_id=row.order_id,
        location=row.location,
        round=int(row.round),
        standing=standing,
        rank=int(row.rank),
        competitors=int(row.competitors),
        lines=[
            OfferedLine(int(line["line_no"]), str(line["sku"]), int(line["qty"]))
            for line in json.loads(row.lines)
        ],
        customer_name=row.customer_name,
        delivery=row.delivery,
        collect_at=row.collect_at,
        created_at=datetime.fromisoformat(row.created_at),
        expires_at=datetime.fromisoformat(row.expires_at),
        claimed_by=claimed_by,
        job_id=row.job_id,
        claim_op_id=row.claim_op_id,
        claim_refused=refused,
    )


def _standing(row: Any) -> tuple[OfferStanding, str | None, dict[str, Any] | None]:
    """The feed's answer once it says the offer ended; before that, this device's claim."""
    if row.answer != OfferAnswer.OPEN.value:
        return OfferStanding(row.answer), row.claimed_by, None
    if row.claim_op_id is None:
        return OfferStanding.OPEN, None, None
    if row.claim_state is None:
        return OfferStanding.CLAIMED, None, None
    if row.claim_state == "pending":
        return OfferStanding.CLAIMING, None, None
    problem: dict[str, Any] = json.loads(row.claim_problem or "{}")
    kind = problem.get("type")
    if kind == OFFER_TAKEN:
        winner = problem.get("claimed_by")
        return OfferStanding.LOST, None if winner is None else str(winner), None
    if kind == OFFER_EXPIRED:
        return OfferStanding.EXPIRED, None, None
    return OfferStanding.OPEN, None, problem
