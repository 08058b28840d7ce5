"""Offers nobody claimed in time: their lines go to the next stores, then to the next rules, and
last to follow-up.

The sweep (run by the ledger's housekeeping loop, with the injected clock) ends every open offer
whose ``expires_at`` has passed, oldest first, at most ``limit`` per run: the offer is
``expired`` for each of its stores (their feeds say so), and its lines are routed again by the
order's rule set with every store they were already offered to left out, so a competitive rule
offers them to its next best placed stores (round 2, 3, ...), and when it has none left the next
rule of the set decides (an offer again, or a job). When no rule can serve them, the lines end
``unfulfillable`` with the reason ``not_claimed_in_time`` and the order goes to follow-up. Each
step is a routing decision (trigger ``offer_expired``) that says who was offered the lines, that
nobody claimed them, and where they went.

Idempotent: an offer the sweep ended is no longer open, and the ids of what it creates derive
from the offer.
"""

from __future__ import annotations

from dataclasses import replace

from ordersync.contract import CancelReason, OfferAnswer, OfferState, OrderLineState, RoutingReason
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.routing import Line, Verdict
from ordersync.services.job_creation import record_decision
from ordersync.services.jobs import close_order_if_done
from ordersync.services.offer_views import offer_lines, publish_offer
from ordersync.services.offers import allocation_for, carry_out, set_line_states
from ordersync.services.orders import decide_routing, gather_candidates
from ordersync.services.reservations import SYSTEM_ACTOR
from ordersync.services.routing_context import context_of_order, order_destination
from ordersync.services.routing_policy import PolicyDocument

DEFAULT_LIMIT = 100


def sweep_offers(tx: LedgerTx, policy: PolicyDocument, *, limit: int = DEFAULT_LIMIT) -> int:
    """End the open offers past their time and route their lines again; answers how many."""
    due = tx.sql.all(
        "SELECT id FROM offers WHERE state = :open AND expires_at <= :now "
        "ORDER BY expires_at, id LIMIT :limit",
        {"open": OfferState.OPEN.value, "now": tx.sql.time(tx.now), "limit": limit},
    )
    ended = 0
    for (offer_id,) in due:
        since = tx.journal.mark()
        where = expire_offer(tx, str(offer_id), policy)
        if where is None:
            continue
        ended += 1
        tx.audit(
            op_id=None,
            operation="offer.expired",
            actor=SYSTEM_ACTOR,
            role="system",
            location=where,
            device="ledger",
            detail={"offer_id": str(offer_id), **tx.journal.take(since)},
        )
    return ended


def expire_offer(tx: LedgerTx, offer_id: str, policy: PolicyDocument) -> str | None:
    """End one open offer and route its lines again; answers the best placed store it was made
    to (for the audit), or None when it was no longer open."""
    row = tx.sql.first(
        "SELECT order_id, lines, round, created_at, expires_at FROM offers WHERE id = :id",
        {"id": offer_id},
    )
    if row is None:
        return None
    order_id, encoded, round_no = str(row[0]), str(row[1]), int(row[2])
    ended = tx.sql.rowcount(
        "UPDATE offers SET state = :expired WHERE id = :id AND state = :open",
        {"expired": OfferState.EXPIRED.value, "id": offer_id, "open": OfferState.OPEN.value},
    )
    if ended != 1:
        return None
    tx.sql.execute(
        "UPDATE offer_locations SET state = :expired, answered_at = :now "
        "WHERE offer_id = :id AND state = :open",
        {
            "expired": OfferAnswer.EXPIRED.value,
            "now": tx.sql.time(tx.now),
            "id": offer_id,
            "open": OfferAnswer.OPEN.value,
        },
    )
    views = publish_offer(tx, offer_id)
    lines = offer_lines(encoded)
    minutes = int((tx.sql.read_time(row[4]) - tx.sql.read_time(row[3])).total_seconds() // 60)
    offered_to = [v.location for v in views]
    _route_again(tx, policy, order_id, offer_id, lines, offered_to, minutes, round_no)
    close_order_if_done(tx, order_id)
    return views[0].location if views else None


def _route_again(
    tx: LedgerTx,
    policy: PolicyDocument,
    order_id: str,
    offer_id: str,
    lines: list[Line],
    offered_to: list[str],
    minutes: int,
    round_no: int,
) -> None:
    excluded = _already_asked(tx, order_id, lines)
    destination = order_destination(tx, order_id)
    candidates = gather_candidates(tx, sorted({line.sku for line in lines}), destination.target)
    context = context_of_order(tx, order_id)
    decision = decide_routing(lines, candidates, policy, destination.collect_at, excluded, context)
    allocation = allocation_for(decision, candidates, policy, destination.collect_at, excluded)
    explained = carry_out(
        tx,
        order_id,
        allocation,
        decision,
        policy,
        destination.collect_at,
        destination.customer_name,
        attempt=f"after-offer-{offer_id}",
        round_no=round_no + 1,
    )
    _give_up(tx, order_id, decision.unserved)
    nobody = f"nobody claimed the offer to {', '.join(offered_to)} within {minutes} minutes"
    unclaimed = [
        Verdict(
            code,
            False,
            [{"code": RoutingReason.NOT_CLAIMED, "offer_id": offer_id}],
            f"did not claim the offer within {minutes} minutes",
            None,
        )
        for code in offered_to
    ]
    record_decision(
        tx,
        order_id,
        "offer_expired",
        replace(
            explained,
            summary=f"{nobody}; {explained.summary}",
            verdicts=[*unclaimed, *(v for v in explained.verdicts if v.location not in offered_to)],
        ),
    )


def _give_up(tx: LedgerTx, order_id: str, lines: list[Line]) -> None:
    """Lines no rule can serve after nobody claimed them: to follow-up, with that reason."""
    set_line_states(tx, order_id, lines, OrderLineState.UNFULFILLABLE)
    for line in lines:
        tx.sql.execute(
            "UPDATE order_lines SET cancel_reason = :reason WHERE order_id = :o AND line_no = :n",
            {"reason": CancelReason.NOT_CLAIMED_IN_TIME.value, "o": order_id, "n": line.line_no},
        )


def _already_asked(tx: LedgerTx, order_id: str, lines: list[Line]) -> frozenset[str]:
    """Every location that was offered one of ``lines`` (any round) or rejected one of them."""
    numbers = {line.line_no for line in lines}
    asked: set[str] = set()
    for encoded, location in tx.sql.all(
        "SELECT o.lines, ol.location FROM offers o JOIN offer_locations ol ON ol.offer_id = o.id "
        "WHERE o.order_id = :order",
        {"order": order_id},
    ):
        if numbers & {line.line_no for line in offer_lines(str(encoded))}:
            asked.add(str(location))
    for location, line_no in tx.sql.all(
        "SELECT j.location, l.order_line_no FROM job_lines l JOIN jobs j ON j.id = l.job_id "
        "WHERE j.order_id = :order AND l.state = 'rejected'",
        {"order": order_id},
    ):
        if int(line_no) in numbers:
            asked.add(str(location))
    return frozenset(asked)
