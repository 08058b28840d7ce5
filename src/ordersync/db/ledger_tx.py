"""LedgerTx: one write transaction of the ledger and every statement the services may run in it.

Feed positions (``seq``) come from one counter row that the transaction locks the first time it
needs one and keeps until commit; so positions are handed out in commit order and a reader of the
change feed can never see position N+1 while N is still to commit. Feed rows are collected per key
and written once, at the end, with the latest state of each key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ordersync.contract import NetworkTotal, Position
from ordersync.db.tables import (
    AuditRow,
    BarcodeRow,
    ChangeRow,
    FeedCounter,
    IdempotencyRow,
    ItemRow,
    LocationRow,
    MovementRow,
    PositionRow,
    ReservationLineRow,
    ReservationRow,
    SkuTotalRow,
)
from ordersync.domain.stock import Stock


def table_of(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


POSITIONS = table_of(PositionRow)
TOTALS = table_of(SkuTotalRow)
MOVEMENTS = table_of(MovementRow)
CHANGES = table_of(ChangeRow)
COUNTER = table_of(FeedCounter)
RESERVATIONS = table_of(ReservationRow)
RESERVATION_LINES = table_of(ReservationLineRow)
IDEMPOTENCY = table_of(IdempotencyRow)
AUDIT = table_of(AuditRow)
ITEMS = table_of(ItemRow)
BARCODES = table_of(BarcodeRow)
LOCATIONS = table_of(LocationRow)


@dataclass(frozen=True, slots=True)
class PositionState:
    sku: str
    location: str
    stock: Stock
    suspect: bool
    seq: int
    updated_at: datetime

    def to_contract(self) -> Position:
        return Position(
            sku=self.sku,
            location=self.location,
            on_hand=self.stock.on_hand,
            reserved=self.stock.reserved,
            safety_stock=self.stock.safety_stock,
            available=self.stock.available,
            suspect=self.suspect,
            seq=self.seq,
            updated_at=self.updated_at,
        )


@dataclass(frozen=True, slots=True)
class PendingChange:
    kind: str
    key: str
    scope: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TxMark:
    """Where an operation started, so a refused operation can take back its buffered changes."""

    changes: dict[tuple[str, str], PendingChange]


def _position_from_row(row: Any) -> PositionState:
    return PositionState(
        sku=row.sku,
        location=row.location,
        stock=Stock(row.on_hand, row.reserved, row.safety_stock),
        suspect=bool(row.suspect),
        seq=row.seq,
        updated_at=row.updated_at,
    )


class LedgerTx:
    """A write transaction. Services call its methods; only the writer begins and commits it."""

    def __init__(self, connection: Connection, now: datetime) -> None:
        self.connection = connection
        self.now = now
        self.is_postgres = connection.dialect.name == "postgresql"
        self._last_seq: int | None = None
        self._counter_start: int | None = None
        self._changes: dict[tuple[str, str], PendingChange] = {}

    # --- operation scope ---------------------------------------------------------------------

    def mark(self) -> TxMark:
        return TxMark(dict(self._changes))

    def restore(self, mark: TxMark) -> None:
        self._changes = dict(mark.changes)

    # --- feed positions ----------------------------------------------------------------------

    def next_seq(self) -> int:
        if self._last_seq is None:
            query = select(COUNTER.c.last_seq).where(COUNTER.c.id == 1)
            if self.is_postgres:
                query = query.with_for_update()
            current = self.connection.execute(query).scalar_one()
            self._last_seq = int(current)
            self._counter_start = self._last_seq
        self._last_seq += 1
        return self._last_seq

    def head(self) -> int:
        if self._last_seq is not None:
            return self._last_seq
        return int(
            self.connection.execute(
                select(COUNTER.c.last_seq).where(COUNTER.c.id == 1)
            ).scalar_one()
        )

    def record_change(self, kind: str, key: str, scope: str, payload: dict[str, Any]) -> None:
        # Moving the key to the end keeps feed rows in the order their last change happened.
        self._changes.pop((kind, key), None)
        self._changes[(kind, key)] = PendingChange(kind, key, scope, payload)

    def finish(self) -> None:
        """Write the buffered feed rows and the counter; called once, just before commit."""
        if self._changes:
            rows = [
                {
                    "seq": self.next_seq(),
                    "kind": change.kind,
                    "key": change.key,
                    "scope": change.scope,
                    "payload": json.dumps(change.payload, separators=(",", ":")),
                }
                for change in self._changes.values()
            ]
            self._upsert_changes(rows)
            self._changes.clear()
        if self._last_seq is not None and self._last_seq != self._counter_start:
            self.connection.execute(
                update(COUNTER).where(COUNTER.c.id == 1).values(last_seq=self._last_seq)
            )

    def _upsert_changes(self, rows: list[dict[str, Any]]) -> None:
        insert = self._insert(CHANGES)
        statement = insert.on_conflict_do_update(
            index_elements=[CHANGES.c.kind, CHANGES.c.key],
            set_={
                "seq": insert.excluded.seq,
                "scope": insert.excluded.scope,
                "payload": insert.excluded.payload,
            },
        )
        self.connection.execute(statement, rows)

    def _insert(self, table: Table) -> Any:
        return pg_insert(table) if self.is_postgres else sqlite_insert(table)

    # --- catalog -----------------------------------------------------------------------------

    def location_row(self, code: str) -> Any | None:
        return self.connection.execute(select(LOCATIONS).where(LOCATIONS.c.code == code)).first()

    def sku_exists(self, sku: str) -> bool:
        return (
            self.connection.execute(select(ITEMS.c.sku).where(ITEMS.c.sku == sku)).first()
            is not None
        )

    def upsert_rows(self, table: Table, rows: Sequence[dict[str, Any]], keys: list[str]) -> None:
        if not rows:
            return
        insert = self._insert(table)
        updatable = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
        statement = insert.on_conflict_do_update(index_elements=keys, set_=updatable)
        self.connection.execute(statement, list(rows))

    def barcodes_of(self, skus: Iterable[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        rows = self.connection.execute(
            select(BARCODES.c.sku, BARCODES.c.gtin).where(BARCODES.c.sku.in_(list(skus)))
        )
        for sku, gtin in rows:
            found.setdefault(sku, set()).add(gtin)
        return found

    def barcode_owners(self, gtins: Iterable[str]) -> dict[str, str]:
        rows = self.connection.execute(
            select(BARCODES.c.gtin, BARCODES.c.sku).where(BARCODES.c.gtin.in_(list(gtins)))
        )
        return {str(gtin): str(sku) for gtin, sku in rows}

    def delete_barcodes(self, gtins: Iterable[str]) -> None:
        self.connection.execute(BARCODES.delete().where(BARCODES.c.gtin.in_(list(gtins))))

    # --- positions ---------------------------------------------------------------------------

    def position(self, sku: str, location: str) -> PositionState | None:
        row = self.connection.execute(
            select(POSITIONS).where(and_(POSITIONS.c.sku == sku, POSITIONS.c.location == location))
        ).first()
        return None if row is None else _position_from_row(row)

    def change_on_hand(
        self, sku: str, location: str, delta: int, *, default_safety_stock: int, seq: int
    ) -> tuple[Stock, PositionState]:
        """Add ``delta`` to on-hand (creating the position); returns (stock before, state after)."""
        insert = self._insert(POSITIONS)
        statement = (
            insert.values(
                sku=sku,
                location=location,
                on_hand=delta,
                reserved=0,
                safety_stock=default_safety_stock,
                suspect=False,
                seq=seq,
                updated_at=self.now,
            )
            .on_conflict_do_update(
                index_elements=[POSITIONS.c.sku, POSITIONS.c.location],
                set_={
                    "on_hand": POSITIONS.c.on_hand + delta,
                    "seq": seq,
                    "updated_at": self.now,
                },
            )
            .returning(*POSITIONS.c)
        )
        after = _position_from_row(self.connection.execute(statement).one())
        before = Stock(after.stock.on_hand - delta, after.stock.reserved, after.stock.safety_stock)
        self._after_position_change(before, after)
        return before, after

    def try_reserve(self, sku: str, location: str, qty: int, seq: int) -> PositionState | None:
        """Hold ``qty`` units if ``available`` stays at or above zero; None when it would not."""
        statement = (
            update(POSITIONS)
            .where(
                and_(
                    POSITIONS.c.sku == sku,
                    POSITIONS.c.location == location,
                    POSITIONS.c.on_hand - POSITIONS.c.reserved - POSITIONS.c.safety_stock >= qty,
                )
            )
            .values(reserved=POSITIONS.c.reserved + qty, seq=seq, updated_at=self.now)
            .returning(*POSITIONS.c)
        )
        row = self.connection.execute(statement).first()
        if row is None:
            return None
        after = _position_from_row(row)
        before = Stock(after.stock.on_hand, after.stock.reserved - qty, after.stock.safety_stock)
        self._after_position_change(before, after)
        return after

    def change_reserved_and_on_hand(
        self, sku: str, location: str, reserved_delta: int, on_hand_delta: int, seq: int
    ) -> PositionState:
        statement = (
            update(POSITIONS)
            .where(and_(POSITIONS.c.sku == sku, POSITIONS.c.location == location))
            .values(
                reserved=POSITIONS.c.reserved + reserved_delta,
                on_hand=POSITIONS.c.on_hand + on_hand_delta,
                seq=seq,
                updated_at=self.now,
            )
            .returning(*POSITIONS.c)
        )
        after = _position_from_row(self.connection.execute(statement).one())
        before = Stock(
            after.stock.on_hand - on_hand_delta,
            after.stock.reserved - reserved_delta,
            after.stock.safety_stock,
        )
        self._after_position_change(before, after)
        return after

    def set_position_flags(
        self,
        sku: str,
        location: str,
        *,
        suspect: bool | None = None,
        safety_stock: int | None = None,
    ) -> PositionState:
        values: dict[str, Any] = {"updated_at": self.now}
        if suspect is not None:
            values["suspect"] = suspect
        if safety_stock is not None:
            values["safety_stock"] = safety_stock
        before_row = self.position(sku, location)
        statement = (
            update(POSITIONS)
            .where(and_(POSITIONS.c.sku == sku, POSITIONS.c.location == location))
            .values(**values)
            .returning(*POSITIONS.c)
        )
        after = _position_from_row(self.connection.execute(statement).one())
        before = before_row.stock if before_row is not None else after.stock
        self._after_position_change(before, after)
        return after

    def ensure_position(self, sku: str, location: str, default_safety_stock: int) -> None:
        insert = self._insert(POSITIONS)
        self.connection.execute(
            insert.values(
                sku=sku,
                location=location,
                on_hand=0,
                reserved=0,
                safety_stock=default_safety_stock,
                suspect=False,
                seq=0,
                updated_at=self.now,
            ).on_conflict_do_nothing(index_elements=[POSITIONS.c.sku, POSITIONS.c.location])
        )

    def _after_position_change(self, before: Stock, after: PositionState) -> None:
        d_on_hand = after.stock.on_hand - before.on_hand
        d_reserved = after.stock.reserved - before.reserved
        d_available = after.stock.offerable - before.offerable
        insert = self._insert(TOTALS)
        statement = (
            insert.values(
                sku=after.sku,
                on_hand=d_on_hand,
                reserved=d_reserved,
                available=d_available,
                seq=after.seq,
            )
            .on_conflict_do_update(
                index_elements=[TOTALS.c.sku],
                set_={
                    "on_hand": TOTALS.c.on_hand + d_on_hand,
                    "reserved": TOTALS.c.reserved + d_reserved,
                    "available": TOTALS.c.available + d_available,
                    "seq": after.seq,
                },
            )
            .returning(TOTALS.c.sku, TOTALS.c.on_hand, TOTALS.c.reserved, TOTALS.c.available)
        )
        total = self.connection.execute(statement).one()
        self.record_change(
            "position",
            f"{after.location}|{after.sku}",
            after.location,
            {"position": after.to_contract().model_dump(mode="json")},
        )
        self.record_change(
            "network",
            after.sku,
            "",
            {
                "total": NetworkTotal(
                    sku=total.sku,
                    on_hand=total.on_hand,
                    reserved=total.reserved,
                    available=total.available,
                ).model_dump(mode="json")
            },
        )

    # --- movements ---------------------------------------------------------------------------

    def add_movement(
        self,
        *,
        seq: int,
        op_id: str,
        kind: str,
        sku: str,
        location: str,
        qty: int,
        actor: int,
        device: str,
        occurred_at: datetime,
        reason: str | None = None,
        reservation_id: str | None = None,
    ) -> None:
        self.connection.execute(
            MOVEMENTS.insert().values(
                seq=seq,
                op_id=op_id,
                kind=kind,
                sku=sku,
                location=location,
                qty=qty,
                reason=reason,
                reservation_id=reservation_id,
                actor=actor,
                device=device,
                occurred_at=occurred_at,
                recorded_at=self.now,
            )
        )

    def moved_since(self, sku: str, location: str, since_seq: int) -> tuple[int, bool]:
        """Sum of movements after ``since_seq``, and whether a count is among them."""
        row = self.connection.execute(
            select(
                func.coalesce(func.sum(MOVEMENTS.c.qty), 0),
                func.coalesce(func.max(case((MOVEMENTS.c.kind == "count", 1), else_=0)), 0),
            ).where(
                and_(
                    MOVEMENTS.c.sku == sku,
                    MOVEMENTS.c.location == location,
                    MOVEMENTS.c.seq > since_seq,
                )
            )
        ).one()
        return int(row[0]), bool(row[1])

    # --- reservations ------------------------------------------------------------------------

    def insert_reservation(self, row: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        self.connection.execute(RESERVATIONS.insert().values(**row))
        self.connection.execute(RESERVATION_LINES.insert(), lines)

    def reservation(self, reservation_id: str) -> tuple[Any, list[Any]] | None:
        row = self.connection.execute(
            select(RESERVATIONS).where(RESERVATIONS.c.id == reservation_id)
        ).first()
        if row is None:
            return None
        lines = self.connection.execute(
            select(RESERVATION_LINES)
            .where(RESERVATION_LINES.c.reservation_id == reservation_id)
            .order_by(RESERVATION_LINES.c.line_no)
        ).all()
        return row, list(lines)

    def end_reservation(self, reservation_id: str, state: str, op_id: str | None) -> bool:
        """Move a pending reservation to its final state; False if it had already ended."""
        result = self.connection.execute(
            update(RESERVATIONS)
            .where(and_(RESERVATIONS.c.id == reservation_id, RESERVATIONS.c.state == "pending"))
            .values(state=state, ended_at=self.now, ended_by_op=op_id)
        )
        return result.rowcount == 1

    def set_committed_qty(self, reservation_id: str, line_no: int, qty: int) -> None:
        self.connection.execute(
            update(RESERVATION_LINES)
            .where(
                and_(
                    RESERVATION_LINES.c.reservation_id == reservation_id,
                    RESERVATION_LINES.c.line_no == line_no,
                )
            )
            .values(committed_qty=qty)
        )

    def due_reservations(
        self, limit: int, sku: str | None = None, location: str | None = None
    ) -> list[str]:
        query = select(RESERVATIONS.c.id).where(
            and_(RESERVATIONS.c.state == "pending", RESERVATIONS.c.expires_at <= self.now)
        )
        if sku is not None and location is not None:
            held_here = select(RESERVATION_LINES.c.reservation_id).where(
                and_(RESERVATION_LINES.c.sku == sku, RESERVATION_LINES.c.location == location)
            )
            query = query.where(RESERVATIONS.c.id.in_(held_here))
        rows = self.connection.execute(query.order_by(RESERVATIONS.c.expires_at).limit(limit))
        return [r[0] for r in rows]

    # --- idempotency and audit ---------------------------------------------------------------

    def stored_outcome(self, op_id: str) -> Any | None:
        return self.connection.execute(
            select(IDEMPOTENCY).where(IDEMPOTENCY.c.op_id == op_id)
        ).first()

    def store_outcome(
        self, op_id: str, request_hash: str, token_id: int, status: int, body: dict[str, Any]
    ) -> None:
        self.connection.execute(
            IDEMPOTENCY.insert().values(
                op_id=op_id,
                request_hash=request_hash,
                token_id=token_id,
                status_code=status,
                response=json.dumps(body, separators=(",", ":"), default=str),
                created_at=self.now,
            )
        )

    def audit(
        self,
        *,
        op_id: str | None,
        operation: str,
        actor: int,
        role: str,
        location: str,
        device: str,
        detail: dict[str, Any],
    ) -> None:
        self.connection.execute(
            AUDIT.insert().values(
                op_id=op_id,
                operation=operation,
                actor=actor,
                role=role,
                location=location,
                device=device,
                recorded_at=self.now,
                detail=json.dumps(detail, separators=(",", ":"), default=str),
            )
        )
