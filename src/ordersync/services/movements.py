"""Receipts, counter sales, returns, adjustments and instant transfers, applied all or nothing.

An instant transfer (a ``transfer`` line) is an admin's correction of the record: both ends move
at once and the source must hold the units free. Goods that travel go by a transfer document
(``services.transfers``: requested, sent, received), never by this line.

A batch with a sale or return line above the policy's hard limit per line
(``[counter] max_line_units``) is refused whole, before anything is posted: such a line is far
more likely a fat finger than a sale. Receipts, counts and adjustments have no such limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordersync.contract import (
    AdjustmentLine,
    CountTaskReason,
    Disposition,
    MovementBatch,
    MovementBatchResult,
    MovementKind,
    ReceiptLine,
    ReturnLine,
    SaleLine,
    TransferLine,
)
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.tx_positions import PositionState
from ordersync.domain.counter_policy import CounterPolicy, check_line_units
from ordersync.domain.errors import Forbidden, InsufficientStock, InvalidRequest
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.stock import is_suspect_after, signed_quantity
from ordersync.services.count_tasks import open_count_task
from ordersync.services.stock_checks import KnownEntities

DEFAULT_COUNTER = CounterPolicy()

_ACTION_OF_LINE = {
    "receipt": Action.RECEIVE,
    "sale": Action.SELL,
    "return": Action.RETURN,
    "adjustment": Action.ADJUST,
    "transfer": Action.TRANSFER,
}


@dataclass
class Poster:
    """Posts the movements of one operation and keeps the last state of each position touched."""

    tx: LedgerTx
    principal: Principal
    op_id: str
    occurred_at: datetime
    known: KnownEntities
    touched: dict[tuple[str, str], PositionState] = field(default_factory=dict)
    movements: int = 0

    def post(
        self,
        kind: MovementKind,
        sku: str,
        location: str,
        qty: int,
        *,
        reason: str | None = None,
        reservation_id: str | None = None,
        disposition: Disposition | None = None,
    ) -> PositionState:
        """Post one movement; ``disposition`` names the unavailable units it moves (None: units
        on sale)."""
        delta = signed_quantity(kind, qty)
        seq = self.tx.next_seq()
        facts = self.known.location(location)
        _, after = self.tx.change_on_hand(
            sku,
            location,
            delta,
            default_safety_stock=facts.default_safety_stock,
            seq=seq,
            disposition=disposition,
        )
        self.tx.add_movement(
            seq=seq,
            op_id=self.op_id,
            kind=kind.value,
            sku=sku,
            location=location,
            qty=delta,
            actor=self.principal.token_id,
            device=self.principal.device,
            person=self.principal.person,
            occurred_at=self.occurred_at,
            reason=reason,
            reservation_id=reservation_id,
            disposition=disposition,
        )
        self.tx.record_position_day(
            sku,
            location,
            kind,
            delta,
            self.occurred_at,
            timezone=facts.timezone,
            closing_on_hand=after.stock.on_hand,
        )
        if is_suspect_after(kind, after.stock) and not after.suspect:
            after = self.tx.set_position_flags(sku, location, suspect=True)
            open_count_task(self.tx, sku, location, CountTaskReason.BELOW_ZERO)
        self.touched[(sku, location)] = after
        self.movements += 1
        return after


def _require_instant_transfer(principal: Principal, location: str) -> None:
    try:
        principal.require(Action.TRANSFER, location)
    except Forbidden as refused:
        raise Forbidden(
            f"{refused.detail}: an instant transfer is an admin's correction of the record; "
            "goods that travel go by a transfer (POST /v1/transfers, then send and receive)",
            **refused.fields,
        ) from None


def _authorize_and_validate(
    batch: MovementBatch, principal: Principal, known: KnownEntities, counter: CounterPolicy
) -> None:
    for line in batch.lines:
        action = _ACTION_OF_LINE[line.kind]
        if isinstance(line, TransferLine):
            _require_instant_transfer(principal, line.from_location)
            known.location(line.from_location)
            known.location(line.to_location)
        else:
            principal.require(action, line.location)
            known.location(line.location)
        known.sku(line.sku)
        if isinstance(line, SaleLine | ReturnLine):
            check_line_units(line.qty, counter, sku=line.sku, what=line.kind)


def apply_movements(
    tx: LedgerTx,
    principal: Principal,
    batch: MovementBatch,
    counter: CounterPolicy = DEFAULT_COUNTER,
) -> dict[str, Any]:
    """Post a batch all or nothing; ``counter`` is the policy's limit on counter lines."""
    known = KnownEntities(tx)
    _authorize_and_validate(batch, principal, known, counter)
    poster = Poster(tx, principal, str(batch.op_id), batch.occurred_at or tx.now, known)
    for line in batch.lines:
        if isinstance(line, ReceiptLine):
            poster.post(MovementKind.RECEIPT, line.sku, line.location, line.qty)
        elif isinstance(line, SaleLine):
            poster.post(MovementKind.SALE, line.sku, line.location, line.qty)
        elif isinstance(line, ReturnLine):
            poster.post(MovementKind.RETURN, line.sku, line.location, line.qty)
        elif isinstance(line, AdjustmentLine):
            _adjust(tx, poster, line)
        else:
            _transfer(tx, poster, line)
    result = MovementBatchResult(
        op_id=batch.op_id,
        seq=tx.head(),
        movements=poster.movements,
        positions=[p.to_contract() for p in poster.touched.values()],
        suspect=[p.to_contract() for p in poster.touched.values() if p.suspect],
    )
    return result.model_dump(mode="json")


def _adjust(tx: LedgerTx, poster: Poster, line: AdjustmentLine) -> None:
    current = tx.position(line.sku, line.location)
    on_hand = current.stock.on_hand if current is not None else 0
    if on_hand + line.delta < 0:
        raise InvalidRequest(
            "an adjustment cannot leave a negative quantity on hand; record a count instead",
            sku=line.sku,
            location=line.location,
            on_hand=on_hand,
            delta=line.delta,
        )
    poster.post(MovementKind.ADJUSTMENT, line.sku, line.location, line.delta, reason=line.reason)


def _transfer(tx: LedgerTx, poster: Poster, line: TransferLine) -> None:
    source = tx.position(line.sku, line.from_location)
    free = 0 if source is None else source.stock.sellable - source.stock.reserved
    if free < line.qty:
        raise InsufficientStock(
            f"{line.from_location} has {max(free, 0)} unreserved units of {line.sku}",
            sku=line.sku,
            location=line.from_location,
            requested=line.qty,
            available=max(free, 0),
        )
    poster.post(MovementKind.TRANSFER_OUT, line.sku, line.from_location, line.qty)
    poster.post(MovementKind.TRANSFER_IN, line.sku, line.to_location, line.qty)
