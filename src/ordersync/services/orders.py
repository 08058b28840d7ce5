"""Orders: routed to the locations that serve them, their units reserved in the same transaction.

The shelf comes first; a line no shelf can serve may be promised against incoming units (a
delivery or a sent transfer, within the ``[future_stock]`` policy): the units are held for it
(``future_holds``), the line awaits stock, and ``services.future_stock`` turns the hold into a
job when the document is received. An order that even incoming units cannot serve in full is
refused with the nearest alternatives (other sizes and colours of the reference, stores where the
customer could collect, units on their way), never silently accepted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ordersync.contract import (
    AuditedEntity,
    Channel,
    DeliveryKind,
    OrderCreate,
    OrderLineState,
    OrderState,
    SizedVariant,
    rank_sizes,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import InvalidRequest, LedgerError
from ordersync.domain.future_stock import FuturePlan, plan_incoming, with_future
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.routing import Candidate, Line, RoutingDecision, haversine_km
from ordersync.domain.rule_sets import named_as, route_by_rules
from ordersync.services.incoming_units import free_incoming, hold_incoming
from ordersync.services.job_creation import record_decision
from ordersync.services.offers import allocation_for, carry_out
from ordersync.services.order_views import load_order
from ordersync.services.routing_context import (
    RoutingContext,
    context_of_command,
    rule_set_for,
    with_daily_sales,
)
from ordersync.services.routing_policy import PolicyDocument, Promise
from ordersync.services.stock_checks import KnownEntities


class OrderUnfulfillable(LedgerError):
    slug = "order-unfulfillable"
    title = "The order cannot be served now"
    status = 409


def _location_facts(tx: LedgerTx) -> dict[str, dict[str, Any]]:
    rows = tx.sql.all(
        "SELECT code, kind, name, timezone, latitude, longitude, fulfils_web_orders, "
        "daily_job_capacity, groups, ship_cost_minor, lead_time_days FROM locations"
    )
    return {
        row[0]: {
            "code": row[0],
            "kind": row[1],
            "name": row[2],
            "timezone": row[3],
            "latitude": float(row[4]),
            "longitude": float(row[5]),
            "fulfils": bool(row[6]),
            "capacity": int(row[7]),
            "groups": frozenset(name for name in (row[8] or "").split(",") if name),
            "ship_cost_minor": int(row[9] or 0),
            "lead_time_days": int(row[10] or 0),
        }
        for row in rows
    }


def _jobs_today(tx: LedgerTx, places: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Jobs created since the start of each location's own day."""
    starts = {
        code: datetime.combine(
            tx.now.astimezone(ZoneInfo(place["timezone"])).date(),
            datetime.min.time(),
            ZoneInfo(place["timezone"]),
        )
        for code, place in places.items()
    }
    if not starts:
        return {}
    earliest = min(starts.values())
    counts: dict[str, int] = {}
    for location, created_at in tx.sql.all(
        "SELECT location, created_at FROM jobs WHERE created_at >= :since",
        {"since": tx.sql.time(earliest)},
    ):
        if tx.sql.read_time(created_at) >= starts.get(location, earliest):
            counts[location] = counts.get(location, 0) + 1
    return counts


def gather_candidates(
    tx: LedgerTx, skus: list[str], target: tuple[float, float] | None
) -> list[Candidate]:
    tx.lock_for_decision()
    places = _location_facts(tx)
    jobs_today = _jobs_today(tx, places)
    available: dict[str, dict[str, int]] = {code: {} for code in places}
    held: dict[str, dict[str, int]] = {code: {} for code in places}
    suspect: dict[str, set[str]] = {code: set() for code in places}
    marks = ",".join(f":s{i}" for i in range(len(skus)))
    params = {f"s{i}": sku for i, sku in enumerate(skus)}
    for sku, location, on_hand, reserved, safety, flagged in tx.sql.all(
        "SELECT sku, location, on_hand - unavailable, reserved, safety_stock, suspect "
        f"FROM positions WHERE sku IN ({marks})",
        params,
    ):
        if location in available:
            free = int(on_hand) - int(reserved)
            available[location][sku] = free - int(safety)
            held[location][sku] = min(int(safety), max(free, 0))
            if flagged:
                suspect[location].add(sku)
    candidates = []
    for code, place in places.items():
        distance = (
            None
            if target is None
            else haversine_km(target[0], target[1], place["latitude"], place["longitude"])
        )
        today = jobs_today.get(code, 0)
        candidates.append(
            Candidate(
                code=code,
                kind=place["kind"],
                fulfils=place["fulfils"],
                capacity_left=place["capacity"] - today,
                jobs_today=today,
                daily_capacity=place["capacity"],
                distance_km=distance,
                available=available[code],
                held_by_safety=held[code],
                suspect=frozenset(suspect[code]),
                groups=place["groups"],
                ship_cost_minor=place["ship_cost_minor"],
                lead_time_days=place["lead_time_days"],
            )
        )
    return candidates


def place_order(
    tx: LedgerTx, principal: Principal, command: OrderCreate, policy: PolicyDocument
) -> dict[str, Any]:
    if command.channel is Channel.WEB:
        principal.require(Action.TAKE_WEB_ORDERS)
    else:
        principal.require(Action.PLACE_ORDER, principal.location)
    known = KnownEntities(tx)
    seen: set[str] = set()
    for line in command.lines:
        known.sku(line.sku)
        if line.sku in seen:
            raise InvalidRequest("name each SKU once per order", sku=line.sku)
        seen.add(line.sku)
    places = _location_facts(tx)
    delivery = command.delivery.located()
    if delivery.kind is DeliveryKind.COLLECT:
        assert delivery.collect_at is not None
        collect = places.get(delivery.collect_at)
        if collect is None or collect["kind"] != "store":
            raise InvalidRequest(
                f"{delivery.collect_at} is not a store customers can collect at",
                location=delivery.collect_at,
            )
        target = (collect["latitude"], collect["longitude"])
    else:
        assert delivery.latitude is not None
        assert delivery.longitude is not None
        target = (delivery.latitude, delivery.longitude)
    lines = [Line(n, line.sku, line.qty) for n, line in enumerate(command.lines, start=1)]
    candidates = gather_candidates(tx, [line.sku for line in lines], target)
    context = context_of_command(tx, command)
    decision = decide_routing(lines, candidates, policy, delivery.collect_at, context=context)
    plans, unserved = plan_future(tx, decision.unserved, candidates, policy, delivery.collect_at)
    explained = named_as(decision, with_future(decision, plans, unserved)) if plans else decision
    if unserved:
        raise OrderUnfulfillable(
            "no location can serve every line of this order now",
            unserved=[{"line_no": ln.line_no, "sku": ln.sku, "qty": ln.qty} for ln in unserved],
            alternatives=alternatives(tx, unserved, candidates, target),
            routing=explained.explanation(),
        )
    order_id = str(command.op_id)
    promised = shelf_promise(tx.now, decision, candidates, policy, delivery.collect_at)
    promised = max([promised, *(plan.promised_at for plan in plans)])
    tx.sql.execute(
        "INSERT INTO orders (id, channel, placed_by, external_ref, customer, delivery, state, "
        "created_at, updated_at, promised_by) VALUES (:id, :channel, :placed_by, :external_ref, "
        ":customer, :delivery, 'open', :now, :now, :promised)",
        {
            "id": order_id,
            "channel": command.channel.value,
            "placed_by": principal.location,
            "external_ref": command.external_ref,
            "customer": command.customer.model_dump_json(),
            "delivery": delivery.model_dump_json(),
            "now": tx.sql.time(tx.now),
            "promised": tx.sql.time(promised),
        },
    )
    waiting = {plan.line.line_no for plan in plans}
    allocation = allocation_for(decision, candidates, policy, delivery.collect_at)
    states = {
        ln.line_no: OrderLineState.AWAITING_STOCK
        if ln.line_no in waiting
        else OrderLineState.OFFERED
        if ln.line_no in allocation.offered_lines
        else OrderLineState.ROUTED
        for ln in lines
    }
    tx.sql.executemany(
        "INSERT INTO order_lines (order_id, line_no, sku, qty, state) "
        "VALUES (:order_id, :line_no, :sku, :qty, :state)",
        [
            {
                "order_id": order_id,
                "line_no": ln.line_no,
                "sku": ln.sku,
                "qty": ln.qty,
                "state": states[ln.line_no].value,
            }
            for ln in lines
        ],
    )
    tx.journal.state(AuditedEntity.ORDER, order_id, None, OrderState.OPEN.value)
    for ln in lines:
        tx.journal.state(
            AuditedEntity.ORDER_LINE, order_id, None, states[ln.line_no].value, line_no=ln.line_no
        )
    offered = carry_out(
        tx,
        order_id,
        allocation,
        decision,
        policy,
        delivery.collect_at,
        command.customer.name,
        attempt="first",
    )
    hold_incoming(tx, order_id, plans)
    record_decision(tx, order_id, "order", named_as(offered, explained) if plans else offered)
    return load_order(tx, order_id, policy).model_dump(mode="json")


def decide_routing(
    lines: list[Line],
    candidates: list[Candidate],
    policy: PolicyDocument,
    collect_at: str | None,
    excluded: frozenset[str] = frozenset(),
    context: RoutingContext | None = None,
) -> RoutingDecision:
    """Route by the rule set the order's ``context`` chooses (without one: the rule set that
    needs no condition, else the default built from the policy's top-level keys)."""
    rule_set, named = rule_set_for(policy.rule_sets, policy.routing, context)
    candidates = with_daily_sales(candidates, rule_set, context)

    def route(among: list[Candidate]) -> RoutingDecision:
        return route_by_rules(
            lines,
            among,
            policy.routing,
            rule_set,
            lambda decision, places: _promise_delay(decision, places, policy, collect_at),
            timedelta(days=policy.promise.near_days),
            excluded,
            named=named,
        )

    if collect_at is not None and collect_at not in excluded:
        # Collection from the store's own shelf beats any shipment to it.
        here = [c for c in candidates if c.code == collect_at]
        if here and all(here[0].can_serve(line) for line in lines):
            relaxed = [c if c.code != collect_at else _as_collection_point(c) for c in candidates]
            decision = route(relaxed)
            if decision.assignments and decision.assignments[0].location == collect_at:
                return decision
            if here[0].suspect_for(lines):
                # Its own record is suspect: the policy decides, as for any other location.
                return decision
            return route([_as_collection_point(here[0])])
    return route(candidates)


def _as_collection_point(candidate: Candidate) -> Candidate:
    # Handing over at its own counter needs no shipping capacity and no web-order role.
    return replace(
        candidate, fulfils=True, capacity_left=max(candidate.capacity_left, 1), distance_km=0.0
    )


def shelf_promise(
    now: datetime,
    decision: RoutingDecision,
    candidates: list[Candidate],
    policy: PolicyDocument,
    collect_at: str | None,
) -> datetime:
    """When the decision's jobs reach the customer: today at the collection store's own
    counter, else after the latest shipment (a supplier's lead time and then the shipping days
    of its distance; a day more when split)."""
    sources = [a.location for a in decision.assignments]
    if not sources or (collect_at is not None and sources == [collect_at]):
        return now
    places = {c.code: c for c in candidates}
    days = max(
        (places[s].lead_time_days if s in places else 0)
        + shipping_days(places[s].distance_km if s in places else None, policy.promise)
        for s in sources
    )
    if len(sources) > 1:
        days += 1
    return now + timedelta(days=days)


_ANY_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


def _promise_delay(
    decision: RoutingDecision,
    candidates: list[Candidate],
    policy: PolicyDocument,
    collect_at: str | None,
) -> timedelta:
    """How long after the order ``shelf_promise`` promises ``decision`` (whatever the moment)."""
    return shelf_promise(_ANY_MOMENT, decision, candidates, policy, collect_at) - _ANY_MOMENT


def shipping_days(distance_km: float | None, promise: Promise) -> int:
    """Days a parcel takes over ``distance_km`` (unknown: as if near)."""
    return promise.near_days if (distance_km or 0.0) <= promise.near_km else promise.far_days


# --- Future stock: units on their way promised to lines no shelf serves ----------------------


def plan_future(
    tx: LedgerTx,
    lines: list[Line],
    candidates: list[Candidate],
    policy: PolicyDocument,
    collect_at: str | None,
    excluded: frozenset[str] = frozenset(),
    skip_documents: frozenset[str] = frozenset(),
) -> tuple[list[FuturePlan], list[Line]]:
    """Promise ``lines`` against incoming units when the policy allows it; answers the plans and
    the lines nobody can serve even then. ``skip_documents``: ids of documents not to count."""
    if not lines or not policy.future_stock.enabled:
        return [], list(lines)
    pool = free_incoming(tx, sorted({line.sku for line in lines}), skip_documents)
    return plan_incoming(
        lines,
        pool,
        candidates,
        policy.routing,
        policy.future_stock,
        tx.now,
        lambda distance: shipping_days(distance, policy.promise),
        collect_at,
        excluded,
    )


def alternatives(
    tx: LedgerTx,
    unserved: list[Line],
    candidates: list[Candidate],
    target: tuple[float, float] | None,
    limit: int = 5,
) -> dict[str, Any]:
    """Other sizes and colours of the same references in stock, stores holding the lines, and
    units on their way that could serve a line (whatever the future stock policy says).

    Other sizes are those with the line's quantity available in the network, best fit first
    (``ordersync.contract.sizes``: the same size in another colour, sister sizes, neighbours),
    each with its ``kind``; never ranked by how many units there are."""
    sizes: list[dict[str, Any]] = []
    for line in unserved:
        # The whole reference, in stock or not: sizes step in the bands and cups it is made in.
        rows = tx.sql.all(
            "SELECT i.sku, i.size, i.size_row, i.size_column, i.colour, "
            "COALESCE(t.available, 0) FROM items i LEFT JOIN sku_totals t ON t.sku = i.sku "
            "WHERE i.reference = (SELECT reference FROM items WHERE sku = :sku)",
            {"sku": line.sku},
        )
        made = [SizedVariant(*row[:5]) for row in rows]
        available = {row[0]: int(row[5]) for row in rows}
        asked = next((v for v in made if v.sku == line.sku), None)
        if asked is None:
            continue
        in_stock = [v for v in made if available[v.sku] >= line.qty]
        sizes.extend(
            {
                "instead_of": line.sku,
                "sku": offer.variant.sku,
                "size": offer.variant.size,
                "colour": offer.variant.colour,
                "available": available[offer.variant.sku],
                "kind": offer.kind.value,
            }
            for offer in rank_sizes(asked, in_stock, made)[:limit]
        )
    # A store whose record of a line's SKU is suspect is no place to send a customer.
    holding = [
        c
        for c in candidates
        if c.kind == "store" and all(c.trusted().can_serve(ln) for ln in unserved)
    ]
    holding.sort(key=lambda c: (c.distance_km is None, c.distance_km or 0.0, c.code))
    wanted = {line.sku: line.qty for line in unserved}
    coming = sorted(
        (u for u in free_incoming(tx, sorted(wanted)) if u.free >= wanted[u.sku]),
        key=lambda u: (u.expected_until, u.location, u.sku),
    )
    return {
        "other_sizes": sizes,
        "incoming": [
            {
                "sku": u.sku,
                "location": u.location,
                "free": u.free,
                "document_kind": u.document_kind.value,
                "source": u.source,
                "expected_at": u.expected_until.isoformat(),
            }
            for u in coming[:limit]
        ],
        "collect_at": [
            {
                "location": c.code,
                "distance_km": None if c.distance_km is None else round(c.distance_km, 1),
            }
            for c in holding[:limit]
        ],
    }
