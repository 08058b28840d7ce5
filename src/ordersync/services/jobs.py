"""Fulfilment jobs: state transitions, and short picks that re-route the line at once.

Every transition is checked against the job's current state and recorded with who made it; each
state a transition moves (the job's, its lines', the order's and its lines') goes on the change
journal from the state the statement already had in hand.
Shipping commits the job's reservations as shipment movements; handing over at the counter
commits them as sales; cancelling releases them. A rejected line releases its units and is
routed again to the next best location (never one that already failed it), or promised against
incoming units (future stock) when no shelf can serve it; if nothing can, the order line is
marked unfulfillable. A unit not found proves the record wrong: the position is flagged suspect
with a count task. A damaged unit is set aside as damaged (unavailable, so never routed again);
the position is flagged only when its record did not hold the units on sale.
While a job is being picked, its steps belong to the device holding it (``job_holders``).
A job's units stay held while it is open, and each step records when it is due (``job_holds``);
a cancelled job and its order lines record why (a ``CancelReason``: ``other`` when not given),
and a line nothing can serve records ``unfulfillable``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ordersync.contract import (
    LINE_END_STATES,
    AuditedEntity,
    CancelReason,
    CountTaskReason,
    Disposition,
    JobKind,
    JobLineState,
    JobStateName,
    JobTransition,
    LineRejection,
    MovementKind,
    OrderLineState,
    OrderState,
    RejectReason,
    ReservationCommit,
    can_reject_lines,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import InvalidRequest, InvalidState, NotFound
from ordersync.domain.future_stock import with_future
from ordersync.domain.jobs import ensure_transition
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.routing import Line
from ordersync.domain.rule_sets import named_as
from ordersync.services.count_tasks import open_count_task
from ordersync.services.dispositions import set_aside, units_held
from ordersync.services.drop_ship import refuse_supplier_cancel, settling_for
from ordersync.services.incoming_units import hold_incoming
from ordersync.services.job_creation import job_id_for, record_decision
from ordersync.services.job_holders import ensure_holder, take_hold
from ordersync.services.job_holds import LostLine, enter_state, prepare_step
from ordersync.services.movements import Poster
from ordersync.services.offers import allocation_for, carry_out
from ordersync.services.order_views import load_job, load_order, record_job_change
from ordersync.services.orders import decide_routing, gather_candidates, plan_future
from ordersync.services.reservations import commit_reservation, release_reservation
from ordersync.services.routing_context import context_of_order, order_destination
from ordersync.services.routing_policy import PolicyDocument
from ordersync.services.stock_checks import KnownEntities


def _job_row(tx: LedgerTx, job_id: str) -> tuple[str, str, JobKind, JobStateName]:
    row = tx.sql.first(
        "SELECT order_id, location, kind, state FROM jobs WHERE id = :id", {"id": job_id}
    )
    if row is None:
        raise NotFound(f"no job {job_id}", job_id=job_id)
    return row[0], row[1], JobKind(row[2]), JobStateName(row[3])


def transition_job(
    tx: LedgerTx,
    principal: Principal,
    job_id: str,
    command: JobTransition,
    policy: PolicyDocument,
) -> dict[str, Any]:
    order_id, location, kind, current = _job_row(tx, job_id)
    principal.require(Action.FULFIL, location)
    ensure_holder(tx, principal, job_id)
    target = command.to
    refuse_supplier_cancel(principal, target)
    principal = settling_for(principal)
    if command.from_state is not None and command.from_state.value != current.value:
        # The device acted on a state another device has already moved the job out of.
        raise InvalidState(
            f"the job is {current.value} now, not {command.from_state.value}",
            current_state=current.value,
        )
    ensure_transition(kind, current, target)
    if target is JobStateName.PACKED and (command.parcels is None or command.weight_grams is None):
        raise InvalidRequest("packing needs the number of parcels and the weight")
    if target is JobStateName.SHIPPED and command.tracking is None:
        raise InvalidRequest("shipping needs the carrier's tracking reference")
    if command.reason is not None and target is not JobStateName.CANCELLED:
        raise InvalidRequest("a reason is given only when cancelling a job")
    # A cancel gives back what is still held; any other step first makes sure it still is.
    lost = [] if target is JobStateName.CANCELLED else prepare_step(tx, job_id, policy)
    if _reroute_lost(tx, job_id, order_id, current, lost, policy):
        # Every unit it held went to other orders while its hold had lapsed: the answer is the
        # job, cancelled, its lines routed again.
        return load_job(tx, job_id, policy).model_dump(mode="json")
    changed = tx.sql.rowcount(
        "UPDATE jobs SET state = :to, updated_at = :now, updated_by = :actor, "
        "parcels = COALESCE(:parcels, parcels), weight_grams = COALESCE(:weight, weight_grams), "
        "tracking = COALESCE(:tracking, tracking), cancel_reason = COALESCE(:reason, "
        "cancel_reason) WHERE id = :id AND state = :from",
        {
            "to": target.value,
            "reason": _cancel_reason(target, command),
            "now": tx.sql.time(tx.now),
            "actor": principal.token_id,
            "parcels": command.parcels,
            "weight": command.weight_grams,
            "tracking": command.tracking,
            "id": job_id,
            "from": current.value,
        },
    )
    if changed != 1:
        # Another device moved it first: say who holds it now, or where it stands.
        ensure_holder(tx, principal, job_id)
        _, _, _, now_state = _job_row(tx, job_id)
        raise InvalidState(f"the job is {now_state.value} now", current_state=now_state.value)
    tx.journal.state(AuditedEntity.JOB, job_id, current.value, target.value)
    enter_state(tx, job_id, kind, target, policy)
    if target is JobStateName.PICKING:
        take_hold(tx, principal, job_id)
    if target in LINE_END_STATES:
        destination = _settle_lines(tx, principal, job_id, order_id, target, command)
        if destination is not None:
            _open_handover(tx, job_id, order_id, destination, policy)
    job = record_job_change(tx, job_id, policy)
    return job.model_dump(mode="json")


def _cancel_reason(target: JobStateName, command: JobTransition) -> str | None:
    """Why a cancelled job (and its lines) ended: as the caller said, else ``other``."""
    if target is not JobStateName.CANCELLED:
        return None
    return (command.reason or CancelReason.OTHER).value


def _reroute_lost(
    tx: LedgerTx,
    job_id: str,
    order_id: str,
    state: JobStateName,
    lost: list[LostLine],
    policy: PolicyDocument,
) -> bool:
    """Route again the lines whose lapsed holds could not be held again (``job_holds``); True
    when that left the job without an open line, and so cancelled it."""
    for line in lost:
        units = Line(line.order_line_no, line.sku, line.qty)
        _reroute(tx, order_id, units, line.order_line_state, policy)
    if not lost:
        return False
    remaining = tx.sql.first(
        "SELECT COUNT(*) FROM job_lines WHERE job_id = :id AND state = 'open'", {"id": job_id}
    )
    if remaining is not None and int(remaining[0]) > 0:
        return False
    tx.sql.execute(
        "UPDATE jobs SET state = 'cancelled', cancel_reason = :reason, updated_at = :now, "
        "state_since = :now WHERE id = :id",
        {
            "reason": CancelReason.NOT_PREPARED_IN_TIME.value,
            "now": tx.sql.time(tx.now),
            "id": job_id,
        },
    )
    tx.journal.state(AuditedEntity.JOB, job_id, state.value, JobStateName.CANCELLED.value)
    record_job_change(tx, job_id, policy)
    close_order_if_done(tx, order_id)
    return True


def _open_handover(
    tx: LedgerTx, shipped_job: str, order_id: str, store: str, policy: PolicyDocument
) -> None:
    """A parcel on its way to the collection store becomes a job there: it is marked ready when
    it arrives and ends with the customer's pickup."""
    handover = job_id_for(order_id, store, f"handover-{shipped_job}")
    due = tx.now + timedelta(minutes=policy.service_level.to_pack_minutes)
    tx.sql.execute(
        # The parcel's tracking number comes along, so the collection store can scan it in.
        "INSERT INTO jobs (id, order_id, location, kind, state, destination, created_at, due_at, "
        "updated_at, updated_by, tracking) SELECT :id, :order_id, :location, 'collect', "
        "'picked', NULL, :now, :due, :now, 0, tracking FROM jobs WHERE id = :shipped",
        {
            "id": handover,
            "order_id": order_id,
            "location": store,
            "now": tx.sql.time(tx.now),
            "due": tx.sql.time(due),
            "shipped": shipped_job,
        },
    )
    tx.sql.execute(
        "INSERT INTO job_lines (job_id, line_no, order_line_no, sku, qty, reservation_id, state) "
        "SELECT :handover, line_no, order_line_no, sku, qty, '', 'open' FROM job_lines "
        "WHERE job_id = :shipped AND state = 'shipped'",
        {"handover": handover, "shipped": shipped_job},
    )
    tx.journal.state(AuditedEntity.JOB, handover, None, JobStateName.PICKED.value)
    enter_state(tx, handover, JobKind.COLLECT, JobStateName.PICKED, policy)
    record_job_change(tx, handover, policy)


def _settle_lines(
    tx: LedgerTx,
    principal: Principal,
    job_id: str,
    order_id: str,
    target: JobStateName,
    command: JobTransition,
) -> str | None:
    """End the job's open lines; answers the collection store its parcel goes to, if any."""
    job = tx.sql.first("SELECT location, destination FROM jobs WHERE id = :id", {"id": job_id})
    assert job is not None
    location, destination = job
    to_store = destination if target is JobStateName.SHIPPED else None
    for line_no, order_line_no, sku, qty, reservation_id, was in tx.sql.all(
        "SELECT l.line_no, l.order_line_no, l.sku, l.qty, l.reservation_id, o.state "
        "FROM job_lines l LEFT JOIN order_lines o "
        "ON o.order_id = :order AND o.line_no = l.order_line_no "
        "WHERE l.job_id = :id AND l.state = 'open' ORDER BY l.line_no",
        {"id": job_id, "order": order_id},
    ):
        order_line_state = OrderLineState.IN_TRANSIT if to_store else LINE_END_STATES[target]
        if not reservation_id:
            # A parcel received for collection: its units left the network when it shipped.
            if target is JobStateName.CANCELLED:
                # Not collected: the units join this store's stock.
                Poster(tx, principal, str(command.op_id), tx.now, KnownEntities(tx)).post(
                    MovementKind.RETURN, sku, location, int(qty), reason="collection not picked up"
                )
        elif target is JobStateName.CANCELLED:
            _give_back(tx, principal, reservation_id, str(command.op_id))
        else:
            movement = "shipment" if target is JobStateName.SHIPPED else "sale"
            commit_reservation(
                tx,
                principal,
                reservation_id,
                ReservationCommit(op_id=command.op_id, movement=movement),
            )
        tx.sql.execute(
            "UPDATE job_lines SET state = :state WHERE job_id = :id AND line_no = :line_no",
            {"state": LINE_END_STATES[target], "id": job_id, "line_no": line_no},
        )
        tx.sql.execute(
            "UPDATE order_lines SET state = :state, cancel_reason = :reason "
            "WHERE order_id = :order AND line_no = :line",
            {
                "state": order_line_state,
                "reason": _cancel_reason(target, command),
                "order": order_id,
                "line": order_line_no,
            },
        )
        tx.journal.state(
            AuditedEntity.JOB_LINE,
            job_id,
            JobLineState.OPEN.value,
            LINE_END_STATES[target].value,
            line_no=int(line_no),
        )
        tx.journal.state(
            AuditedEntity.ORDER_LINE,
            order_id,
            was,
            str(order_line_state),
            line_no=int(order_line_no),
        )
    close_order_if_done(tx, order_id)
    return to_store


def _give_back(tx: LedgerTx, principal: Principal, reservation_id: str, op_id: str) -> None:
    """Release a line's units, unless its hold already ended (say, it expired)."""
    found = tx.reservation(reservation_id)
    if found is not None and found[0].state == "pending":
        release_reservation(tx, principal, reservation_id, op_id)


def close_order_if_done(tx: LedgerTx, order_id: str) -> None:
    rows = tx.sql.all(
        "SELECT o.state, l.state FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id "
        "WHERE o.id = :id",
        {"id": order_id},
    )
    states = [line for _, line in rows if line is not None]
    waiting = (
        OrderLineState.ROUTED,
        OrderLineState.IN_TRANSIT,
        OrderLineState.AWAITING_STOCK,
        OrderLineState.OFFERED,
    )
    if any(s in waiting for s in states):
        return
    final = OrderState.FOLLOW_UP if OrderLineState.UNFULFILLABLE in states else OrderState.CLOSED
    tx.sql.execute(
        "UPDATE orders SET state = :state, updated_at = :now WHERE id = :id",
        {"state": final, "now": tx.sql.time(tx.now), "id": order_id},
    )
    if rows and rows[0][0] != final.value:
        tx.journal.state(AuditedEntity.ORDER, order_id, rows[0][0], final.value)


def reject_line(
    tx: LedgerTx,
    principal: Principal,
    job_id: str,
    line_no: int,
    command: LineRejection,
    policy: PolicyDocument,
) -> dict[str, Any]:
    order_id, location, _, state = _job_row(tx, job_id)
    principal.require(Action.FULFIL, location)
    ensure_holder(tx, principal, job_id)
    principal = settling_for(principal)
    if not can_reject_lines(state):
        raise InvalidState(
            f"lines can be rejected while a job is assigned or picking, not {state.value}",
            current_state=state.value,
        )
    line = tx.sql.first(
        "SELECT l.order_line_no, l.sku, l.qty, l.reservation_id, l.state, o.state "
        "FROM job_lines l LEFT JOIN order_lines o "
        "ON o.order_id = :order AND o.line_no = l.order_line_no "
        "WHERE l.job_id = :id AND l.line_no = :line_no",
        {"id": job_id, "line_no": line_no, "order": order_id},
    )
    if line is None:
        raise NotFound(f"job {job_id} has no line {line_no}", job_id=job_id, line_no=line_no)
    order_line_no, sku, qty, reservation_id, line_state, order_line_state = line
    if line_state != "open":
        raise InvalidState(f"the line is already {line_state}", current_state=line_state)
    _give_back(tx, principal, reservation_id, str(command.op_id))
    tx.sql.execute(
        "UPDATE job_lines SET state = 'rejected', reject_reason = :reason, rejected_at = :now "
        "WHERE job_id = :id AND line_no = :line_no",
        {
            "reason": command.reason.value,
            "now": tx.sql.time(tx.now),
            "id": job_id,
            "line_no": line_no,
        },
    )
    tx.journal.state(
        AuditedEntity.JOB_LINE,
        job_id,
        line_state,
        JobLineState.REJECTED.value,
        line_no=line_no,
    )
    # The job changed even while other lines stay open: the day's queue finds today's
    # rejections through the jobs updated today.
    tx.sql.execute(
        "UPDATE jobs SET updated_at = :now, updated_by = :actor WHERE id = :id",
        {"now": tx.sql.time(tx.now), "actor": principal.token_id, "id": job_id},
    )
    if command.reason is RejectReason.DAMAGED:
        _set_damaged_aside(tx, principal, str(command.op_id), job_id, sku, location, int(qty))
    else:
        _flag_short_pick(tx, sku, location)
    rerouted = _reroute(
        tx, order_id, Line(int(order_line_no), sku, int(qty)), order_line_state, policy
    )
    remaining = tx.sql.first(
        "SELECT COUNT(*) FROM job_lines WHERE job_id = :id AND state = 'open'", {"id": job_id}
    )
    if remaining is not None and int(remaining[0]) == 0:
        tx.sql.execute(
            "UPDATE jobs SET state = 'rejected', updated_at = :now, updated_by = :actor "
            "WHERE id = :id",
            {"now": tx.sql.time(tx.now), "actor": principal.token_id, "id": job_id},
        )
        tx.journal.state(AuditedEntity.JOB, job_id, state.value, JobStateName.REJECTED.value)
    record_job_change(tx, job_id, policy)
    close_order_if_done(tx, order_id)
    return {
        "job": load_job(tx, job_id, policy).model_dump(mode="json"),
        "rerouted_to": rerouted,
        "order": load_order(tx, order_id, policy).model_dump(mode="json"),
    }


def _flag_short_pick(tx: LedgerTx, sku: str, location: str) -> None:
    """The record said the units were there: flag it suspect until a count."""
    if tx.position(sku, location) is not None:
        tx.set_position_flags(sku, location, suspect=True)
    open_count_task(tx, sku, location, CountTaskReason.SHORT_PICK)


def _set_damaged_aside(
    tx: LedgerTx, principal: Principal, op_id: str, job_id: str, sku: str, location: str, qty: int
) -> None:
    """The picker found the units damaged: they leave sale for the damaged disposition (the
    unit is on the shelf, so this is never refused); when the record did not hold them on
    sale, it is flagged too."""
    on_sale = units_held(tx.position(sku, location), Disposition.SELLABLE)
    poster = Poster(tx, principal, op_id, tx.now, KnownEntities(tx))
    reason = f"found damaged when picking job {job_id}"
    set_aside(poster, sku, location, qty, Disposition.SELLABLE, Disposition.DAMAGED, reason=reason)
    if on_sale < qty:
        _flag_short_pick(tx, sku, location)


def _reroute(
    tx: LedgerTx, order_id: str, line: Line, line_state: str | None, policy: PolicyDocument
) -> str | None:
    """Route a rejected line again; ``line_state`` is its order line's state before."""
    failed = frozenset(
        code
        for (code,) in tx.sql.all(
            "SELECT j.location FROM job_lines l JOIN jobs j ON j.id = l.job_id "
            "WHERE j.order_id = :order AND l.order_line_no = :line AND l.state = 'rejected'",
            {"order": order_id, "line": line.line_no},
        )
    )
    destination = order_destination(tx, order_id)
    collect_at, target, customer = (
        destination.collect_at,
        destination.target,
        destination.customer_name,
    )
    candidates = gather_candidates(tx, [line.sku], target)
    context = context_of_order(tx, order_id)
    decision = decide_routing([line], candidates, policy, collect_at, failed, context)
    if not decision.complete:
        # No shelf left: units on their way may still serve it (future stock).
        plans, unserved = plan_future(tx, [line], candidates, policy, collect_at, excluded=failed)
        record_decision(
            tx,
            order_id,
            "short_pick",
            named_as(decision, with_future(decision, plans, unserved)) if plans else decision,
        )
        hold_incoming(tx, order_id, plans)
        after = OrderLineState.AWAITING_STOCK if plans else OrderLineState.UNFULFILLABLE
        tx.sql.execute(
            "UPDATE order_lines SET state = :state, cancel_reason = :reason "
            "WHERE order_id = :o AND line_no = :n",
            {
                "state": after.value,
                "reason": None if plans else CancelReason.UNFULFILLABLE.value,
                "o": order_id,
                "n": line.line_no,
            },
        )
        tx.journal.state(
            AuditedEntity.ORDER_LINE, order_id, line_state, after.value, line_no=line.line_no
        )
        return None
    attempt = f"line{line.line_no}-after{len(failed)}"
    allocation = allocation_for(decision, candidates, policy, collect_at, failed)
    explained = carry_out(
        tx, order_id, allocation, decision, policy, collect_at, customer, attempt=attempt
    )
    record_decision(tx, order_id, "short_pick", explained)
    return decision.assignments[0].location
