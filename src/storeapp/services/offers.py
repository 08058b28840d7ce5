"""Offers of competitive allocation at this store: the lines the network offered to several
stores at once, each with its time left, and the claim that asks for them.

Offers reach the cache through the change feed, as jobs do (``storeapp.cache.offers``). A claim
is one ``claim_offer`` operation, written with its claim mark in one transaction and sent by the
sync like every operation of the store: exactly once, however often it is resent. The first
store whose claim reaches the ledger wins: the job made of the lines then comes with the feed.
A claim that arrives second ends the offer here ("B claimed it first"); one that arrives too
late ends it as expired; neither asks staff for attention. Offline, the claim waits in the
outbox and the offer says so; the ledger decides when it arrives (the offer's time may run out
meanwhile).

``OfferService.claim(offer_id)`` is the entry point for every front end and for simulations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, text

from ordersync.contract import ClaimOfferOp, uuid7
from storeapp.cache import offers as cached
from storeapp.cache import outbox
from storeapp.cache.offers import ENDED, OfferStanding
from storeapp.clock import NewId, Now, PersonOf, nobody
from storeapp.wording.ids import short_ids

__all__ = [
    "ENDED",
    "ClaimRecorded",
    "OfferLineView",
    "OfferRefusal",
    "OfferRefused",
    "OfferService",
    "OfferStanding",
    "OfferView",
]


class OfferRefusal(StrEnum):
    """Why the service refused a claim before anything was written; codes the front ends word."""

    UNKNOWN_OFFER = "unknown_offer"
    AMBIGUOUS_OFFER = "ambiguous_offer"
    """Several offers start with what was typed (``matches``)."""
    ALREADY_CLAIMED = "already_claimed"
    """This terminal has claimed it already (``standing``: claiming or claimed)."""
    ENDED = "ended"
    """It was won, lost to another store (``claimed_by``) or expired (``standing``)."""
    TOO_LATE = "too_late"
    """Its time ran out by this terminal's clock (``expires_at``)."""


class OfferRefused(Exception):
    """A claim the service refused before anything was written; ``facts`` details it."""

    def __init__(self, code: OfferRefusal, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.facts = facts


@dataclass(frozen=True, slots=True)
class OfferLineView:
    line_no: int
    sku: str
    name: str
    """The catalog's name, size and colour ("" when the cache does not know the item)."""
    qty: int


@dataclass(frozen=True, slots=True)
class OfferView:
    id: str
    short_id: str
    """The start of ``id`` that tells it apart from the store's other offers (``wording.ids``)."""
    order_id: str
    standing: OfferStanding
    """The feed's word with this terminal's claim over it; ``expired`` once its time has run
    out by this terminal's clock and nothing was claimed here."""
    rank: int
    """Where routing placed this store among those offered (1: the best placed)."""
    competitors: int
    round: int
    lines: list[OfferLineView]
    customer_name: str
    delivery: str
    """A ``DeliveryKind`` value: ``home`` or ``collect``."""
    collect_at: str | None
    expires_at: datetime
    left: timedelta
    """Time left to claim it, by this terminal's clock (zero once past)."""
    claimed_by: str | None
    job_id: str | None
    claim_refused: dict[str, Any] | None
    """The ledger's problem when a claim made here was refused and waits under attention."""

    @property
    def ended(self) -> bool:
        return self.standing in ENDED

    @property
    def claimable(self) -> bool:
        return self.standing is OfferStanding.OPEN


@dataclass(frozen=True, slots=True)
class ClaimRecorded:
    op_id: UUID
    outbox_id: int
    offer: OfferView
    """The offer after the claim, as this terminal now shows it (``claiming``)."""


class OfferService:
    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        new_id: NewId = uuid7,
        *,
        person: PersonOf = nobody,
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._new_id = new_id
        self._person = person

    # --- Reading ---------------------------------------------------------------------------

    def offers(self, include_ended: bool = False) -> list[OfferView]:
        """The store's offers, soonest to expire first: the open and claimed ones, and with
        ``include_ended`` those that ended in the last day too."""
        now = self._now()
        with self._engine.connect() as connection:
            found = cached.read_offers(connection, self._location)
            shown = short_ids(offer.id for offer in found)
            names = _item_names(connection, {line.sku for o in found for line in o.lines})
        views = [_view(offer, shown[offer.id], names, now) for offer in found]
        return views if include_ended else [view for view in views if not view.ended]

    def offer(self, offer_id: str) -> OfferView | None:
        return next((o for o in self.offers(include_ended=True) if o.id == offer_id), None)

    def resolve(self, reference: str) -> str:
        """An offer id from its full id or the start of it (at least 4 characters)."""
        cleaned = reference.strip().lower()
        with self._engine.connect() as connection:
            found = cached.read_offer(connection, cleaned)
            if found is not None and found.location == self._location:
                return found.id
            matches = (
                cached.offer_ids_starting_with(connection, cleaned) if len(cleaned) >= 4 else []
            )
            matches = [
                offer_id
                for offer_id in matches
                if (offer := cached.read_offer(connection, offer_id)) is not None
                and offer.location == self._location
            ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise OfferRefused(
                OfferRefusal.AMBIGUOUS_OFFER,
                f"several offers start with {reference}",
                offer_id=reference,
                matches=matches,
            )
        raise OfferRefused(
            OfferRefusal.UNKNOWN_OFFER, f"no offer {reference} at this store", offer_id=reference
        )

    # --- Claiming ---------------------------------------------------------------------------

    def claim(self, offer_id: str) -> ClaimRecorded:
        """Claim an open offer for this store: the claim is queued for the ledger (the first
        claim to reach it wins) and the offer shows as being claimed at once."""
        now = self._now()
        with self._engine.begin() as connection:
            offer = cached.read_offer(connection, offer_id)
            if offer is None or offer.location != self._location:
                raise OfferRefused(
                    OfferRefusal.UNKNOWN_OFFER,
                    f"no offer {offer_id} at this store",
                    offer_id=offer_id,
                )
            refuse_unless_claimable(offer, now)
            operation = ClaimOfferOp(
                op="claim_offer", op_id=self._new_id(), offer_id=uuid.UUID(offer.id)
            )
            shown = short_ids(
                str(row[0])
                for row in connection.execute(
                    text("SELECT id FROM offers WHERE location = :location"),
                    {"location": self._location},
                )
            )
            person = self._person()
            entry_id = outbox.enqueue(
                connection,
                operation,
                summary=f"claim offer {shown.get(offer.id, offer.id)} ({_lines_text(offer)})",
                effects=[],
                now=now,
                person=person,
            )
            cached.record_claim(connection, offer.id, str(operation.op_id), person, now)
            after = cached.read_offer(connection, offer.id)
            assert after is not None
            names = _item_names(connection, {line.sku for line in after.lines})
        return ClaimRecorded(
            operation.op_id, entry_id, _view(after, shown.get(after.id, after.id), names, now)
        )


def refuse_unless_claimable(offer: cached.CachedOffer, now: datetime) -> None:
    """Only an open offer whose time has not run out by this terminal's clock is claimed."""
    if offer.standing in (OfferStanding.CLAIMING, OfferStanding.CLAIMED):
        raise OfferRefused(
            OfferRefusal.ALREADY_CLAIMED,
            f"offer {offer.id} is already claimed from this terminal",
            offer_id=offer.id,
            standing=offer.standing.value,
        )
    if offer.standing in ENDED:
        raise OfferRefused(
            OfferRefusal.ENDED,
            f"offer {offer.id} has ended ({offer.standing.value})",
            offer_id=offer.id,
            standing=offer.standing.value,
            claimed_by=offer.claimed_by,
        )
    if offer.expires_at <= now:
        raise OfferRefused(
            OfferRefusal.TOO_LATE,
            f"offer {offer.id} expired at {offer.expires_at:%H:%M} UTC",
            offer_id=offer.id,
            expires_at=offer.expires_at,
        )


def _view(offer: cached.CachedOffer, short: str, names: dict[str, str], now: datetime) -> OfferView:
    standing = offer.standing
    if standing is OfferStanding.OPEN and offer.expires_at <= now:
        standing = OfferStanding.EXPIRED
    return OfferView(
        id=offer.id,
        short_id=short,
        order_id=offer.order_id,
        standing=standing,
        rank=offer.rank,
        competitors=offer.competitors,
        round=offer.round,
        lines=[
            OfferLineView(line.line_no, line.sku, names.get(line.sku, ""), line.qty)
            for line in offer.lines
        ],
        customer_name=offer.customer_name,
        delivery=offer.delivery,
        collect_at=offer.collect_at,
        expires_at=offer.expires_at,
        left=max(offer.expires_at - now, timedelta(0)),
        claimed_by=offer.claimed_by,
        job_id=offer.job_id,
        claim_refused=offer.claim_refused,
    )


def _lines_text(offer: cached.CachedOffer) -> str:
    return ", ".join(f"{line.qty} x {line.sku}" for line in offer.lines)


def _item_names(connection: Connection, skus: set[str]) -> dict[str, str]:
    """``name size colour`` of each SKU the cached catalog holds."""
    if not skus:
        return {}
    params = {f"s{i}": sku for i, sku in enumerate(sorted(skus))}
    marks = ",".join(f":{key}" for key in params)
    rows = connection.execute(
        text(f"SELECT sku, name, size, colour FROM items WHERE sku IN ({marks})"), params
    )
    return {str(sku): f"{name} {size} {colour}" for sku, name, size, colour in rows}
