"""Voided counter sales: a sale taken back as if it never happened (stock, the day's history and
the demand figures), posted as movements that reverse the sale's and are dated when it happened.

A counter sale is the set of ``sale`` movements an operation posted without a reservation; its
operation id is the receipt reference. The terminal that made it voids it the same store day (in
the store's own calendar); any other void is a manager's. A sale is voided at most once: the
``sale_voids`` row is keyed by the sale, and the feed counter is locked before it is read, so
two voids of one sale never both pass the check. A sale some of whose units already came back
by a customer return is not voided: the void would give those units back a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ordersync.contract import AuditedEntity, MovementKind, SaleVoid, VoidedLine, VoidedSale
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import (
    AlreadyVoided,
    Forbidden,
    InvalidRequest,
    InvalidState,
    NotFound,
)
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.position_days import local_day
from ordersync.services.movements import Poster
from ordersync.services.stock_checks import KnownEntities

SOLD = "sold"
VOIDED = "voided"
"""A counter sale's states in the audit log: it has no other."""


@dataclass(frozen=True, slots=True)
class SaleLine:
    """One ``sale`` movement of the sale, its units as a positive count."""

    sku: str
    location: str
    qty: int
    device: str
    occurred_at: datetime
    reservation_id: str | None


def void_sale(tx: LedgerTx, principal: Principal, command: SaleVoid) -> dict[str, Any]:
    sale_op_id = str(command.sale_op_id)
    # Read under the write lock: a second void of the same sale waits, then finds the first.
    tx.lock_for_decision()
    lines = _sale_lines(tx, sale_op_id)
    location = _one_location(sale_op_id, lines)
    principal.require(Action.VOID_SALE, location)
    _refuse_order_sale(sale_op_id, lines)
    _refuse_second_void(tx, sale_op_id)
    sold = lines[0]
    known = KnownEntities(tx)
    timezone = known.location(location).timezone
    _require_voider(principal, sale_op_id, sold, local_day(tx.now, timezone), timezone)
    _refuse_returned(tx, sale_op_id)
    poster = Poster(tx, principal, str(command.op_id), sold.occurred_at, known)
    for line in lines:
        poster.post(
            MovementKind.VOID,
            line.sku,
            line.location,
            line.qty,
            reason=f"void of sale {sale_op_id}",
        )
    tx.sql.execute(
        "INSERT INTO sale_voids (sale_op_id, void_op_id, location, sold_at, voided_at, actor, "
        "device, person, reason) VALUES (:sale, :void, :location, :sold_at, :now, :actor, "
        ":device, :person, :reason)",
        {
            "sale": sale_op_id,
            "void": str(command.op_id),
            "location": location,
            "sold_at": tx.sql.time(sold.occurred_at),
            "now": tx.sql.time(tx.now),
            "actor": principal.token_id,
            "device": principal.device,
            "person": principal.person,
            "reason": command.reason,
        },
    )
    tx.journal.state(AuditedEntity.SALE, sale_op_id, SOLD, VOIDED)
    voided = VoidedSale(
        id=command.op_id,
        sale_op_id=command.sale_op_id,
        location=location,
        sold_at=sold.occurred_at,
        voided_at=tx.now,
        device=principal.device,
        person=principal.person,
        reason=command.reason,
        lines=[VoidedLine(sku=line.sku, qty=line.qty) for line in lines],
        positions=[p.to_contract() for p in poster.touched.values()],
    )
    return voided.model_dump(mode="json")


def _sale_lines(tx: LedgerTx, sale_op_id: str) -> list[SaleLine]:
    rows = tx.sql.all(
        "SELECT sku, location, qty, device, occurred_at, reservation_id FROM movements "
        "WHERE op_id = :op_id AND kind = :sale ORDER BY seq",
        {"op_id": sale_op_id, "sale": MovementKind.SALE.value},
    )
    if not rows:
        raise NotFound(f"no counter sale {sale_op_id} in the ledger", sale_op_id=sale_op_id)
    return [
        SaleLine(
            sku=str(sku),
            location=str(location),
            qty=-int(qty),
            device=str(device),
            occurred_at=tx.sql.read_time(occurred_at),
            reservation_id=None if reservation_id is None else str(reservation_id),
        )
        for sku, location, qty, device, occurred_at, reservation_id in rows
    ]


def _one_location(sale_op_id: str, lines: list[SaleLine]) -> str:
    locations = sorted({line.location for line in lines})
    if len(locations) > 1:
        raise InvalidRequest(
            f"sale {sale_op_id} was recorded at several locations ({', '.join(locations)}); "
            "correct each location's stock with an adjustment instead",
            sale_op_id=sale_op_id,
            locations=locations,
        )
    return locations[0]


def _refuse_order_sale(sale_op_id: str, lines: list[SaleLine]) -> None:
    reservation = next((line.reservation_id for line in lines if line.reservation_id), None)
    if reservation is not None:
        raise InvalidRequest(
            f"sale {sale_op_id} handed over an order's units: cancel or return through the "
            "order, not by a void",
            sale_op_id=sale_op_id,
            reservation_id=reservation,
        )


def _refuse_second_void(tx: LedgerTx, sale_op_id: str) -> None:
    row = tx.sql.first(
        "SELECT void_op_id, voided_at FROM sale_voids WHERE sale_op_id = :sale",
        {"sale": sale_op_id},
    )
    if row is not None:
        voided_at = tx.sql.read_time(row[1])
        raise AlreadyVoided(
            f"sale {sale_op_id} was already voided at {voided_at:%Y-%m-%d %H:%M} UTC by "
            f"operation {row[0]}",
            sale_op_id=sale_op_id,
            voided_by_op=str(row[0]),
            voided_at=voided_at.isoformat().replace("+00:00", "Z"),
        )


def _require_voider(
    principal: Principal, sale_op_id: str, sold: SaleLine, today: date, timezone: str
) -> None:
    """The terminal that made the sale voids it the same store day; any other void is a
    manager's, and the refusal says which of the two it is not."""
    sale_day = local_day(sold.occurred_at, timezone)
    if sold.device == principal.device and sale_day == today:
        return
    if sold.device != principal.device:
        why = f"sale {sale_op_id} was made on another terminal ({sold.device}): a manager voids it"
    else:
        why = (
            f"sale {sale_op_id} was made on an earlier store day ({sale_day.isoformat()}): "
            "a manager voids it"
        )
    try:
        principal.require(Action.VOID_PAST_SALE, sold.location)
    except Forbidden as refused:
        raise Forbidden(why, sale_op_id=sale_op_id, **refused.fields) from None


def _refuse_returned(tx: LedgerTx, sale_op_id: str) -> None:
    row = tx.sql.first(
        "SELECT id FROM customer_returns WHERE sale_op_id = :sale ORDER BY recorded_at, id",
        {"sale": sale_op_id},
    )
    if row is not None:
        raise InvalidState(
            f"units of sale {sale_op_id} already came back by return {row[0]}: a void would "
            "give them back a second time",
            sale_op_id=sale_op_id,
            return_id=str(row[0]),
        )
