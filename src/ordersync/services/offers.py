"""Competitive allocation in the ledger: lines offered to several stores at once, claimed by the
first of them, and the routing decision that says so.

A decision whose rule allocates competitively (``domain.offers``) becomes offers rather than
jobs: each offer holds no units; its order lines are ``offered``; each store it is made to sees
it on its feed. The first store to claim it (``claim_offer``) gets it: one conditional update of
the offer's state decides, so exactly one claim wins however many arrive at once, from however
many ledger processes, on either database; the winner's job is created and its units reserved in
the same transaction (a claim that cannot reserve them is refused and changes nothing), and the
other stores see the offer end (``lost``). An offer nobody claims in time goes to the next stores
(``services.offer_rounds``).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from ordersync.contract import (
    AuditedEntity,
    OfferAnswer,
    OfferClaim,
    OfferState,
    OrderLineState,
    RoutingReason,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import InvalidRequest, LedgerError, NotFound
from ordersync.domain.offers import Allocation, OfferPlan, allocate
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.routing import (
    Assignment,
    Candidate,
    Line,
    RoutingDecision,
    Verdict,
)
from ordersync.domain.rules import Rule
from ordersync.services.job_creation import create_jobs, record_decision
from ordersync.services.offer_views import encode_lines, offer_lines, offer_view, publish_offer
from ordersync.services.order_views import load_job
from ordersync.services.routing_policy import PolicyDocument


class OfferTaken(LedgerError):
    slug = "offer-taken"
    title = "Another store claimed this offer first"
    status = 409


class OfferExpired(LedgerError):
    slug = "offer-expired"
    title = "The offer has expired"
    status = 409


def deciding_rule(policy: PolicyDocument, decision: RoutingDecision) -> Rule | None:
    """The rule of the policy's rule sets whose plan ``decision`` took (None: the default rule
    set, built from the top-level keys, which never allocates competitively)."""
    for rule_set in policy.rule_sets:
        if rule_set.name == decision.rule_set:
            return next((r for r in rule_set.rules if r.name == decision.rule), None)
    return None


def allocation_for(
    decision: RoutingDecision,
    candidates: list[Candidate],
    policy: PolicyDocument,
    collect_at: str | None,
    excluded: frozenset[str] = frozenset(),
) -> Allocation:
    rule = deciding_rule(policy, decision)
    return allocate(decision, rule, candidates, policy.routing, collect_at, excluded)


def carry_out(
    tx: LedgerTx,
    order_id: str,
    allocation: Allocation,
    decision: RoutingDecision,
    policy: PolicyDocument,
    collect_at: str | None,
    customer_name: str,
    *,
    attempt: str,
    round_no: int = 1,
) -> RoutingDecision:
    """Create the allocation's jobs and offers, move its order lines to ``routed`` or
    ``offered``; answers ``decision`` explained with its offers."""
    create_jobs(tx, order_id, allocation.direct, policy, collect_at, customer_name, attempt)
    made: list[dict[str, object]] = []
    for plan in allocation.offers:
        made.append(_make_offer(tx, order_id, plan, decision, collect_at, attempt, round_no))
    routed = [line for a in allocation.direct.assignments for line in a.lines]
    offered = [line for plan in allocation.offers for line in plan.lines]
    set_line_states(tx, order_id, routed, OrderLineState.ROUTED)
    set_line_states(tx, order_id, offered, OrderLineState.OFFERED)
    if not made:
        return decision
    said = "; ".join(
        f"offered to {', '.join(plan.locations)} for {plan.claim_minutes} minutes: "
        "the first to claim it serves it"
        for plan in allocation.offers
    )
    return RoutingDecision(
        decision.assignments,
        decision.unserved,
        decision.verdicts,
        f"{decision.summary}; {said}",
        decision.rule_set,
        decision.rule,
        decision.rules_tried,
        tuple(made),
    )


def set_line_states(tx: LedgerTx, order_id: str, lines: list[Line], state: OrderLineState) -> None:
    """Move ``lines`` of the order to ``state`` (those already there stay as they are)."""
    for line in lines:
        row = tx.sql.first(
            "SELECT state FROM order_lines WHERE order_id = :o AND line_no = :n",
            {"o": order_id, "n": line.line_no},
        )
        if row is None or row[0] == state.value:
            continue
        tx.sql.execute(
            "UPDATE order_lines SET state = :state, cancel_reason = NULL "
            "WHERE order_id = :o AND line_no = :n",
            {"state": state.value, "o": order_id, "n": line.line_no},
        )
        tx.journal.state(
            AuditedEntity.ORDER_LINE, order_id, row[0], state.value, line_no=line.line_no
        )


def _make_offer(
    tx: LedgerTx,
    order_id: str,
    plan: OfferPlan,
    decision: RoutingDecision,
    collect_at: str | None,
    attempt: str,
    round_no: int,
) -> dict[str, object]:
    numbers = ",".join(str(line.line_no) for line in plan.lines)
    offer_id = str(uuid.uuid5(uuid.UUID(order_id), f"offer:{attempt}:{numbers}"))
    expires = tx.now + timedelta(minutes=plan.claim_minutes)
    tx.sql.execute(
        "INSERT INTO offers (id, order_id, round, state, lines, collect_at, rule_set, rule, "
        "created_at, expires_at) VALUES (:id, :order_id, :round, :state, :lines, :collect_at, "
        ":rule_set, :rule, :now, :expires)",
        {
            "id": offer_id,
            "order_id": order_id,
            "round": round_no,
            "state": OfferState.OPEN.value,
            "lines": encode_lines(plan.lines),
            "collect_at": collect_at,
            "rule_set": decision.rule_set,
            "rule": decision.rule,
            "now": tx.sql.time(tx.now),
            "expires": tx.sql.time(expires),
        },
    )
    tx.sql.executemany(
        "INSERT INTO offer_locations (offer_id, location, rank, state) "
        "VALUES (:offer_id, :location, :rank, :state)",
        [
            {
                "offer_id": offer_id,
                "location": location,
                "rank": rank,
                "state": OfferAnswer.OPEN.value,
            }
            for rank, location in enumerate(plan.locations, start=1)
        ],
    )
    publish_offer(tx, offer_id)
    return {
        "offer_id": offer_id,
        "round": round_no,
        "lines": [line.line_no for line in plan.lines],
        "locations": list(plan.locations),
        "claim_minutes": plan.claim_minutes,
        "expires_at": expires.isoformat(),
    }


def claim_offer(
    tx: LedgerTx,
    principal: Principal,
    offer_id: str,
    command: OfferClaim,
    policy: PolicyDocument,
) -> dict[str, Any]:
    """The caller's store claims the offer: the first claim wins (see the module docstring)."""
    location = principal.location
    if not location:
        raise InvalidRequest("an offer is claimed by a store, with a token of that store")
    # Claims serialise on the write lock (on PostgreSQL too): the second reads the first's end.
    tx.lock_for_decision()
    offer = tx.sql.first(
        "SELECT o.order_id, o.state, o.lines, o.collect_at, o.created_at, o.expires_at, "
        "o.claimed_by, o.round, o.rule_set, o.rule, ol.state FROM offers o "
        "LEFT JOIN offer_locations ol ON ol.offer_id = o.id AND ol.location = :location "
        "WHERE o.id = :id",
        {"id": offer_id, "location": location},
    )
    if offer is None or offer[10] is None:
        raise NotFound(f"no offer {offer_id} was made to {location}", offer_id=offer_id)
    principal.require(Action.FULFIL, location)
    order_id, state, encoded, collect_at, created, expires, winner = offer[:7]
    if state == OfferState.CLAIMED.value:
        if winner == location:
            return _claimed(tx, offer_id, location, policy)
        raise OfferTaken(f"{winner} claimed this offer first", offer_id=offer_id, claimed_by=winner)
    if state == OfferState.EXPIRED.value or tx.sql.read_time(expires) <= tx.now:
        raise OfferExpired(
            "the offer has expired: its lines are going to other stores",
            offer_id=offer_id,
            expired_at=tx.sql.read_time(expires).isoformat(),
        )
    lines = offer_lines(encoded)
    job_ids = create_jobs(
        tx,
        order_id,
        RoutingDecision([Assignment(location, lines)], [], [], ""),
        policy,
        collect_at,
        _customer_name(tx, order_id),
        attempt=f"offer-{offer_id}",
    )
    won = tx.sql.rowcount(
        "UPDATE offers SET state = :claimed, claimed_by = :location, claimed_at = :now, "
        "job_id = :job WHERE id = :id AND state = :open",
        {
            "claimed": OfferState.CLAIMED.value,
            "location": location,
            "now": tx.sql.time(tx.now),
            "job": job_ids[0],
            "id": offer_id,
            "open": OfferState.OPEN.value,
        },
    )
    if won != 1:
        # Cannot happen while claims serialise on the write lock; refuse rather than double.
        raise OfferTaken("another store claimed this offer first", offer_id=offer_id)
    tx.sql.execute(
        "UPDATE offer_locations SET state = CASE WHEN location = :location THEN :won "
        "ELSE :lost END, answered_at = :now WHERE offer_id = :id AND state = :open",
        {
            "location": location,
            "won": OfferAnswer.WON.value,
            "lost": OfferAnswer.LOST.value,
            "now": tx.sql.time(tx.now),
            "id": offer_id,
            "open": OfferAnswer.OPEN.value,
        },
    )
    set_line_states(tx, order_id, lines, OrderLineState.ROUTED)
    minutes = int((tx.now - tx.sql.read_time(created)).total_seconds() // 60)
    record_decision(
        tx,
        order_id,
        "offer_claimed",
        _claim_decision(tx, offer_id, location, lines, minutes, offer[7], offer[8], offer[9]),
    )
    publish_offer(tx, offer_id)
    return _claimed(tx, offer_id, location, policy)


def _claimed(tx: LedgerTx, offer_id: str, location: str, policy: PolicyDocument) -> dict[str, Any]:
    view = offer_view(tx, offer_id, location)
    job = None if view.job_id is None else load_job(tx, str(view.job_id), policy)
    return {
        "offer": view.model_dump(mode="json"),
        "job": None if job is None else job.model_dump(mode="json"),
    }


def _claim_decision(
    tx: LedgerTx,
    offer_id: str,
    winner: str,
    lines: list[Line],
    minutes: int,
    round_no: int,
    rule_set: str | None,
    rule: str | None,
) -> RoutingDecision:
    others = [
        str(code)
        for (code,) in tx.sql.all(
            "SELECT location FROM offer_locations WHERE offer_id = :id AND location <> :winner "
            "ORDER BY rank",
            {"id": offer_id, "winner": winner},
        )
    ]
    skus = ", ".join(line.sku for line in lines)
    verdicts = [
        Verdict(
            winner,
            True,
            [{"code": RoutingReason.CLAIMED_FIRST, "minutes": minutes, "offer_id": offer_id}],
            f"claimed the offer first, {minutes} min after it was made; serves {skus}",
            None,
        ),
        *(
            Verdict(
                code,
                False,
                [{"code": RoutingReason.CLAIMED_ELSEWHERE, "winner": winner}],
                f"{winner} claimed the offer first",
                None,
            )
            for code in others
        ),
    ]
    lost = f"; {', '.join(others)} lost it" if others else ""
    summary = (
        f"{winner} claimed the offer (round {round_no}) first, {minutes} min after it was made, "
        f"and serves {skus}{lost}"
    )
    return RoutingDecision([Assignment(winner, lines)], [], verdicts, summary, rule_set, rule)


def _customer_name(tx: LedgerTx, order_id: str) -> str:
    row = tx.sql.first("SELECT customer FROM orders WHERE id = :id", {"id": order_id})
    if row is None:
        raise NotFound(f"no order {order_id}", order_id=order_id)
    return str(json.loads(row[0]).get("name", ""))
