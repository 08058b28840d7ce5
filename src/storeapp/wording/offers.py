"""Offers of competitive allocation: the time left to claim one, how it stands, how it ended, the
customer's delivery, the store's rank among those offered, and why a claim was refused."""

from __future__ import annotations

from datetime import timedelta

from ordersync.contract import DeliveryKind
from storeapp.i18n import _
from storeapp.services.offers import OfferRefusal, OfferRefused, OfferStanding, OfferView
from storeapp.wording.figures import number


def countdown(left: timedelta) -> str:
    """``12:34`` (minutes and seconds), ``1:02:03`` past an hour: what a countdown shows."""
    seconds = max(int(left.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


def time_left(left: timedelta) -> str:
    """``12:34 left``: the time left to claim an offer."""
    return _("{time} left", time=countdown(left))


def delivery_name(offer: OfferView) -> str:
    """How the customer gets the lines: at home, or at a store's counter."""
    if offer.delivery == DeliveryKind.COLLECT:
        if offer.collect_at:
            return _("collection at {store}", store=offer.collect_at)
        return _("collection")
    return _("home delivery")


def rank_text(offer: OfferView) -> str:
    """``2nd of 3``-style: where routing placed this store among the stores offered."""
    return _(
        "rank {rank} of {stores}",
        rank=number(offer.rank),
        stores=number(offer.competitors + 1),
    )


def lines_text(offer: OfferView, *, names: bool = False) -> str:
    """``2 x S1, 1 x S2`` (with a multiplication sign): the offered lines; with ``names``,
    each item's name, size and colour after its SKU."""
    return ", ".join(
        f"{number(line.qty)} × {line.sku}{' ' + line.name if names and line.name else ''}"  # noqa: RUF001
        for line in offer.lines
    )


def standing_text(offer: OfferView) -> str:
    """How the offer stands here: its time left while open, or where the claim is, or how it
    ended."""
    if offer.standing is OfferStanding.OPEN:
        return time_left(offer.left)
    if offer.standing is OfferStanding.CLAIMING:
        return _("claim waiting to be sent")
    if offer.standing is OfferStanding.CLAIMED:
        return _("claimed: the job comes with the sync")
    if offer.standing is OfferStanding.WON:
        return _("won")
    if offer.standing is OfferStanding.LOST:
        if offer.claimed_by:
            return _("lost to {store}", store=offer.claimed_by)
        return _("lost to another store")
    return _("expired")


def claim_recorded(offer: OfferView, online: bool) -> str:
    """What staff read once a claim is queued."""
    if online:
        return _(
            "Offer {offer} claimed: the first store to claim it gets it; the answer comes "
            "with the sync.",
            offer=offer.short_id,
        )
    return _(
        "Offer {offer} claimed while offline: the claim waits here and is sent when the "
        "ledger is reachable; another store may claim it first.",
        offer=offer.short_id,
    )


def ended_notice(offer: OfferView) -> str:
    """A short notice when an offer leaves the list of open offers."""
    if offer.standing is OfferStanding.WON:
        return _("Offer {offer} is yours: its job is in the queue.", offer=offer.short_id)
    if offer.standing is OfferStanding.LOST:
        if offer.claimed_by:
            return _(
                "Offer {offer}: {store} claimed it first.",
                offer=offer.short_id,
                store=offer.claimed_by,
            )
        return _("Offer {offer}: another store claimed it first.", offer=offer.short_id)
    return _("Offer {offer}: too late, it expired.", offer=offer.short_id)


def claim_refused_text(offer: OfferView) -> str | None:
    """When the ledger refused a claim made here for a reason other than the offer ending."""
    if offer.claim_refused is None:
        return None
    detail = offer.claim_refused.get("detail") or offer.claim_refused.get("title") or ""
    return _("The ledger refused the claim: {detail}", detail=detail)


def no_offers() -> str:
    return _("No open offer at this store. New ones arrive with the sync, on their own.")


def offer_refusal(error: OfferRefused, sync_hint: str) -> str:
    """Why a claim was refused before anything was sent."""
    facts = error.facts
    if error.code is OfferRefusal.UNKNOWN_OFFER:
        return _(
            "No offer {offer} at this store. New offers arrive with the sync: {hint}.",
            offer=facts.get("offer_id", ""),
            hint=sync_hint,
        )
    if error.code is OfferRefusal.AMBIGUOUS_OFFER:
        return _(
            "Several offers start with {offer}: type more of its id.",
            offer=facts.get("offer_id", ""),
        )
    if error.code is OfferRefusal.ALREADY_CLAIMED:
        return _("This terminal has already claimed this offer.")
    if error.code is OfferRefusal.TOO_LATE:
        return _("Too late: the offer's time has run out.")
    standing = facts.get("standing")
    if standing == OfferStanding.LOST:
        store = facts.get("claimed_by")
        if store:
            return _("{store} claimed this offer first.", store=store)
        return _("Another store claimed this offer first.")
    if standing == OfferStanding.WON:
        return _("This store has already won this offer: its job is in the queue.")
    return _("Too late: the offer has expired.")
