"""Reservations: hold units all-or-nothing, then commit (fully or partly), release, or expire.

A reservation an open job holds does not expire: the sweep renews it instead (see
``domain.reservations``), so the job's own end frees its units.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ordersync.contract import (
    MovementKind,
    Reservation,
    ReservationCommit,
    ReservationCreate,
    ReservationLine,
    ReservationState,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import InsufficientStock, InvalidRequest, NotFound
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.reservations import HeldLine, ensure_pending, job_hold_until, plan_commit
from ordersync.services.movements import Poster
from ordersync.services.stock_checks import KnownEntities

SYSTEM_ACTOR = 0
DEFAULT_JOB_HOLD = timedelta(hours=72)
"""How far ahead the sweep renews a job's hold when it is not told the policy's."""


def create_reservation(
    tx: LedgerTx, principal: Principal, command: ReservationCreate, default_ttl_seconds: int
) -> dict[str, Any]:
    known = KnownEntities(tx)
    seen: set[tuple[str, str]] = set()
    for line in command.lines:
        principal.require(Action.RESERVE, line.location)
        known.location(line.location)
        known.sku(line.sku)
        if (line.sku, line.location) in seen:
            raise InvalidRequest(
                "name each SKU and location once per reservation",
                sku=line.sku,
                location=line.location,
            )
        seen.add((line.sku, line.location))
    reservation_id = str(command.op_id)
    for line in command.lines:
        held = tx.try_reserve(line.sku, line.location, line.qty, tx.next_seq())
        if held is None and expire_due(tx, limit=100, sku=line.sku, location=line.location):
            held = tx.try_reserve(line.sku, line.location, line.qty, tx.next_seq())
        if held is None:
            position = tx.position(line.sku, line.location)
            available = 0 if position is None else position.stock.available
            raise InsufficientStock(
                f"only {max(available, 0)} of {line.sku} available at {line.location}",
                sku=line.sku,
                location=line.location,
                requested=line.qty,
                available=max(available, 0),
            )
    ttl = command.ttl_seconds or default_ttl_seconds
    reservation = Reservation(
        id=command.op_id,
        state=ReservationState.PENDING,
        # An admin reserving at one store reserves on that store's behalf.
        owner_location=(
            command.lines[0].location
            if len({line.location for line in command.lines}) == 1
            else principal.location
        ),
        order_ref=command.order_ref,
        lines=[
            ReservationLine(sku=line.sku, location=line.location, qty=line.qty, committed_qty=0)
            for line in command.lines
        ],
        created_at=tx.now,
        expires_at=tx.now + timedelta(seconds=ttl),
        ended_at=None,
    )
    tx.insert_reservation(
        {
            "id": reservation_id,
            "owner_location": reservation.owner_location,
            "state": reservation.state.value,
            "order_ref": reservation.order_ref,
            "actor": principal.token_id,
            "created_at": reservation.created_at,
            "expires_at": reservation.expires_at,
        },
        [
            {
                "reservation_id": reservation_id,
                "line_no": number,
                "sku": line.sku,
                "location": line.location,
                "qty": line.qty,
                "committed_qty": 0,
            }
            for number, line in enumerate(reservation.lines)
        ],
    )
    return reservation.model_dump(mode="json")


def _load(tx: LedgerTx, reservation_id: str) -> Reservation:
    found = tx.reservation(reservation_id)
    if found is None:
        raise NotFound(f"no reservation {reservation_id}", reservation_id=reservation_id)
    row, lines = found
    return Reservation(
        id=row.id,
        state=ReservationState(row.state),
        owner_location=row.owner_location,
        order_ref=row.order_ref,
        lines=[
            ReservationLine(
                sku=line.sku, location=line.location, qty=line.qty, committed_qty=line.committed_qty
            )
            for line in lines
        ],
        created_at=row.created_at,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
    )


def get_reservation(tx: LedgerTx, principal: Principal, reservation_id: str) -> Reservation:
    reservation = _load(tx, reservation_id)
    principal.require(Action.READ_STOCK, reservation.owner_location)
    return reservation


def commit_reservation(
    tx: LedgerTx, principal: Principal, reservation_id: str, command: ReservationCommit
) -> dict[str, Any]:
    reservation = get_reservation(tx, principal, reservation_id)
    principal.require(Action.RESERVE, reservation.owner_location)
    ensure_pending(reservation.state, reservation.expires_at, tx.now)
    held = [HeldLine(line.sku, line.location, line.qty) for line in reservation.lines]
    settlements = plan_commit(held, list(command.lines) if command.lines is not None else None)
    _end(tx, reservation_id, ReservationState.COMMITTED, str(command.op_id))
    kind = MovementKind(command.movement)
    poster = Poster(tx, principal, str(command.op_id), tx.now, KnownEntities(tx))
    for line_no, settlement in enumerate(settlements):
        tx.change_reserved_and_on_hand(
            settlement.sku, settlement.location, -settlement.held, 0, tx.next_seq()
        )
        if settlement.committed:
            poster.post(
                kind,
                settlement.sku,
                settlement.location,
                settlement.committed,
                reservation_id=reservation_id,
            )
            tx.set_committed_qty(reservation_id, line_no, settlement.committed)
    return _load(tx, reservation_id).model_dump(mode="json")


def release_reservation(
    tx: LedgerTx, principal: Principal, reservation_id: str, op_id: str
) -> dict[str, Any]:
    reservation = get_reservation(tx, principal, reservation_id)
    principal.require(Action.RESERVE, reservation.owner_location)
    if reservation.state is not ReservationState.PENDING:
        ensure_pending(reservation.state, reservation.expires_at, tx.now)
    _end(tx, reservation_id, ReservationState.RELEASED, op_id)
    _give_back(tx, reservation)
    return _load(tx, reservation_id).model_dump(mode="json")


def _end(tx: LedgerTx, reservation_id: str, state: ReservationState, op_id: str | None) -> None:
    if not tx.end_reservation(reservation_id, state.value, op_id):
        current = _load(tx, reservation_id).state
        ensure_pending(current, tx.now, tx.now)


def _give_back(tx: LedgerTx, reservation: Reservation) -> None:
    for line in reservation.lines:
        tx.change_reserved_and_on_hand(line.sku, line.location, -line.qty, 0, tx.next_seq())


def expire_due(
    tx: LedgerTx,
    *,
    limit: int = 500,
    sku: str | None = None,
    location: str | None = None,
    job_hold: timedelta = DEFAULT_JOB_HOLD,
) -> int:
    """End every pending reservation whose time is up (optionally only those on one position);
    one an open job holds is renewed for ``job_hold`` instead (a ready collection at least to
    its deadline)."""
    expired = 0
    for reservation_id in tx.due_reservations(limit, sku, location):
        held_until = _job_hold(tx, reservation_id, job_hold)
        if held_until is not None:
            tx.sql.execute(
                "UPDATE reservations SET expires_at = :until WHERE id = :id AND state = 'pending'",
                {"until": tx.sql.time(held_until), "id": reservation_id},
            )
            continue
        # Its changes go to its own audit row, not to the operation whose reservation swept it.
        since = tx.journal.mark()
        if not tx.end_reservation(reservation_id, ReservationState.EXPIRED.value, None):
            continue
        reservation = _load(tx, reservation_id)
        _give_back(tx, reservation)
        tx.audit(
            op_id=None,
            operation="reservation.expire",
            actor=SYSTEM_ACTOR,
            role="system",
            location=reservation.owner_location,
            device="ledger",
            detail={"reservation_id": reservation_id, **tx.journal.take(since)},
        )
        expired += 1
    return expired


def _job_hold(tx: LedgerTx, reservation_id: str, hold: timedelta) -> datetime | None:
    """Until when an open job holds this reservation, or None when no open job does."""
    # A job's reservations name its order: the job's index finds it without scanning lines.
    row = tx.sql.first(
        "SELECT j.collect_by FROM reservations r JOIN jobs j ON j.order_id = r.order_ref "
        "JOIN job_lines l ON l.job_id = j.id AND l.reservation_id = r.id "
        "WHERE r.id = :id AND l.state = 'open'",
        {"id": reservation_id},
    )
    if row is None:
        return None
    return job_hold_until(tx.now, hold, None if row[0] is None else tx.sql.read_time(row[0]))
