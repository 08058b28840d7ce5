"""Future stock: order lines promised against incoming units, settled when the units arrive.

``settle_arrival`` runs in the transaction that receives (or cancels) a delivery or a transfer,
after its units are posted. It guarantees that no open hold outlives its document: each hold,
oldest first, either becomes a job on the shelf stock that just arrived (``converted``) or is
ended (``rerouted``) and its line routed again (shelf first, then other incoming units within the
policy), or marked unfulfillable so the order goes to follow-up. The position's ``promised`` units
go down with every hold that ends, and every outcome is a routing decision a person can read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ordersync.contract import AuditedEntity, DocumentKind, HoldState, OrderLineState
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.future_stock import (
    arrival_decision,
    document_text,
    prefaced,
    short_text,
    with_future,
)
from ordersync.domain.routing import Line, RoutingDecision
from ordersync.domain.rule_sets import named_as
from ordersync.services.incoming_units import hold_incoming
from ordersync.services.job_creation import create_jobs, record_decision
from ordersync.services.jobs import close_order_if_done
from ordersync.services.orders import (
    decide_routing,
    gather_candidates,
    plan_future,
    shelf_promise,
)
from ordersync.services.routing_context import context_of_order
from ordersync.services.routing_policy import PolicyDocument


@dataclass(frozen=True, slots=True)
class _Hold:
    id: int
    order_id: str
    line_no: int
    sku: str
    location: str
    qty: int
    expected_at: datetime

    @property
    def line(self) -> Line:
        return Line(self.line_no, self.sku, self.qty)


@dataclass(frozen=True, slots=True)
class _Document:
    kind: DocumentKind
    id: str
    source: str
    cancelled: bool


@dataclass(frozen=True, slots=True)
class _OrderFacts:
    collect_at: str | None
    customer: str
    target: tuple[float, float] | None


def settle_arrival(
    tx: LedgerTx,
    document_kind: DocumentKind,
    document_id: str,
    location: str,
    received: Mapping[str, int],
    policy: PolicyDocument,
) -> None:
    """Called once when a delivery or transfer is received (``received``: units per SKU put on
    the shelf at ``location``, already posted) or cancelled (``received`` empty): turns the open
    promises of its units into jobs on the shelf stock, and routes again what it cannot cover."""
    # Serialised with routing: an order placed meanwhile either sees the document closed or
    # its hold is committed before this reads the holds.
    tx.lock_for_decision()
    holds = _open_holds(tx, document_kind, document_id)
    if not holds:
        return
    document = _document(tx, document_kind, document_id, received)
    arrived = {sku: int(qty) for sku, qty in received.items()}
    free: dict[tuple[str, str], int] = {}
    keeping: dict[str, list[_Hold]] = {}
    short: list[tuple[_Hold, int]] = []
    for hold in holds:
        state = _line_state(tx, hold)
        if state != OrderLineState.AWAITING_STOCK:
            _end(tx, hold, HoldState.REROUTED, f"the order line was already {state}")
            continue
        spot = (hold.sku, hold.location)
        if spot not in free:
            position = tx.position(hold.sku, hold.location)
            free[spot] = 0 if position is None else position.stock.available
        if arrived.get(hold.sku, 0) >= hold.qty and free[spot] >= hold.qty:
            arrived[hold.sku] -= hold.qty
            free[spot] -= hold.qty
            keeping.setdefault(hold.order_id, []).append(hold)
        else:
            short.append((hold, max(hold.qty - arrived.get(hold.sku, 0), 0)))
    for order_id, kept in keeping.items():
        _convert(tx, order_id, kept, document, policy)
    for hold, missing in short:
        why = short_text(
            document.kind,
            document.source,
            hold.location,
            _day(tx, hold),
            missing=missing,
            cancelled=document.cancelled,
        )
        _end(tx, hold, HoldState.REROUTED, why)
        _route_again(tx, hold, document, why, policy)


def _open_holds(tx: LedgerTx, kind: DocumentKind, document_id: str) -> list[_Hold]:
    return [
        _Hold(
            int(row[0]), row[1], int(row[2]), row[3], row[4], int(row[5]), tx.sql.read_time(row[6])
        )
        for row in tx.sql.all(
            "SELECT id, order_id, order_line_no, sku, location, qty, expected_at "
            "FROM future_holds WHERE document_kind = :kind AND document_id = :id "
            "AND state = :open ORDER BY created_at, id",
            {"kind": kind.value, "id": document_id, "open": HoldState.OPEN.value},
        )
    ]


def _document(
    tx: LedgerTx, kind: DocumentKind, document_id: str, received: Mapping[str, int]
) -> _Document:
    if kind is DocumentKind.TRANSFER:
        row = tx.sql.first(
            "SELECT from_location, state FROM transfers WHERE id = :id", {"id": document_id}
        )
    else:
        row = tx.sql.first(
            "SELECT source, state FROM deliveries WHERE id = :id", {"id": document_id}
        )
    source, state = ("", "cancelled") if row is None else (str(row[0]), str(row[1]))
    # A receipt marks its document received before settling; nothing received from a document
    # still open (or called off) is a cancellation.
    cancelled = state == "cancelled" or (not any(received.values()) and state != "received")
    return _Document(kind, document_id, source, cancelled)


def _day(tx: LedgerTx, hold: _Hold) -> date:
    """The day the units were expected, in their location's own time zone."""
    row = tx.sql.first("SELECT timezone FROM locations WHERE code = :code", {"code": hold.location})
    zone = ZoneInfo(str(row[0]) if row is not None else "UTC")
    return hold.expected_at.astimezone(zone).date()


def _line_state(tx: LedgerTx, hold: _Hold) -> str | None:
    row = tx.sql.first(
        "SELECT state FROM order_lines WHERE order_id = :order AND line_no = :line",
        {"order": hold.order_id, "line": hold.line_no},
    )
    return None if row is None else str(row[0])


def _end(tx: LedgerTx, hold: _Hold, state: HoldState, outcome: str) -> None:
    tx.sql.execute(
        "UPDATE future_holds SET state = :state, ended_at = :now, outcome = :outcome "
        "WHERE id = :id",
        {"state": state.value, "now": tx.sql.time(tx.now), "outcome": outcome, "id": hold.id},
    )
    tx.change_incoming(hold.sku, hold.location, promised=-hold.qty)


def _set_line(tx: LedgerTx, hold: _Hold, state: OrderLineState) -> None:
    tx.sql.execute(
        "UPDATE order_lines SET state = :state WHERE order_id = :order AND line_no = :line",
        {"state": state.value, "order": hold.order_id, "line": hold.line_no},
    )
    tx.journal.state(
        AuditedEntity.ORDER_LINE,
        hold.order_id,
        OrderLineState.AWAITING_STOCK.value,
        state.value,
        line_no=hold.line_no,
    )


def _order_facts(tx: LedgerTx, order_id: str) -> _OrderFacts:
    row = tx.sql.first("SELECT delivery, customer FROM orders WHERE id = :id", {"id": order_id})
    assert row is not None
    delivery = json.loads(row[0])
    customer = str(json.loads(row[1]).get("name", ""))
    collect_at = delivery.get("collect_at")
    if collect_at:
        place = tx.sql.first(
            "SELECT latitude, longitude FROM locations WHERE code = :code", {"code": collect_at}
        )
        target = None if place is None else (float(place[0]), float(place[1]))
        return _OrderFacts(str(collect_at), customer, target)
    return _OrderFacts(None, customer, (float(delivery["latitude"]), float(delivery["longitude"])))


def _convert(
    tx: LedgerTx, order_id: str, kept: list[_Hold], document: _Document, policy: PolicyDocument
) -> None:
    """The arrived units become the order's job at the location (one job per order)."""
    facts = _order_facts(tx, order_id)
    location = kept[0].location
    arrived = document_text(document.kind, document.source, location, _day(tx, kept[0]))
    decision = arrival_decision(location, [hold.line for hold in kept], arrived)
    [job_id] = create_jobs(
        tx,
        order_id,
        decision,
        policy,
        facts.collect_at,
        facts.customer,
        attempt=f"arrival:{document.id}",
    )
    for hold in kept:
        _end(tx, hold, HoldState.CONVERTED, f"{arrived}: job {job_id} at {location}")
        _set_line(tx, hold, OrderLineState.ROUTED)
    record_decision(tx, order_id, "arrival", decision)


def _route_again(
    tx: LedgerTx, hold: _Hold, document: _Document, why: str, policy: PolicyDocument
) -> None:
    """Route a line whose incoming units did not come, as a rejected line is: the shelf first,
    then other incoming units within the policy; nothing left: unfulfillable (follow-up)."""
    facts = _order_facts(tx, hold.order_id)
    failed = frozenset(
        code
        for (code,) in tx.sql.all(
            "SELECT j.location FROM job_lines l JOIN jobs j ON j.id = l.job_id "
            "WHERE j.order_id = :order AND l.order_line_no = :line AND l.state = 'rejected'",
            {"order": hold.order_id, "line": hold.line_no},
        )
    )
    line = hold.line
    candidates = gather_candidates(tx, [line.sku], facts.target)
    shelf = decide_routing(
        [line],
        candidates,
        policy,
        facts.collect_at,
        excluded=failed,
        context=context_of_order(tx, hold.order_id),
    )
    decision: RoutingDecision
    if shelf.complete:
        create_jobs(
            tx,
            hold.order_id,
            shelf,
            policy,
            facts.collect_at,
            facts.customer,
            attempt=f"arrival:{document.id}:line{line.line_no}",
        )
        _set_line(tx, hold, OrderLineState.ROUTED)
        _promise_no_earlier(
            tx,
            hold.order_id,
            shelf_promise(tx.now, shelf, candidates, policy, facts.collect_at),
        )
        decision = shelf
    else:
        plans, unserved = plan_future(
            tx,
            [line],
            candidates,
            policy,
            facts.collect_at,
            excluded=failed,
            skip_documents=frozenset({document.id}),
        )
        decision = named_as(shelf, with_future(shelf, plans, unserved))
        if plans:
            hold_incoming(tx, hold.order_id, plans)
            _promise_no_earlier(tx, hold.order_id, plans[0].promised_at)
        else:
            _set_line(tx, hold, OrderLineState.UNFULFILLABLE)
    record_decision(tx, hold.order_id, "arrival_short", prefaced(decision, why))
    close_order_if_done(tx, hold.order_id)


def _promise_no_earlier(tx: LedgerTx, order_id: str, promised: datetime) -> None:
    """Move the order's promised date later when the line now comes later (never earlier: the
    customer was told the first date)."""
    row = tx.sql.first("SELECT promised_by FROM orders WHERE id = :id", {"id": order_id})
    if row is not None and row[0] is not None and tx.sql.read_time(row[0]) >= promised:
        return
    tx.sql.execute(
        "UPDATE orders SET promised_by = :promised, updated_at = :now WHERE id = :id",
        {"promised": tx.sql.time(promised), "now": tx.sql.time(tx.now), "id": order_id},
    )
