"""LedgerTx: one write transaction of the ledger and every statement the services may run in it.

The statements of the write path run as plain SQL on the transaction's cursor (see ``db.raw``);
the rare ones (catalog upserts) use SQLAlchemy Core on the same connection.

Feed positions (``seq``) come from one counter row that the transaction locks the first time it
needs one and keeps until commit; so positions are handed out in commit order and a reader of the
change feed can never see position N+1 while N is still to commit. Feed rows are collected per key
and written once, at the end, with the latest state of each key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ordersync.contract import Position
from ordersync.db.raw import RawSql
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
from ordersync.domain.position_days import DayEffect
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


_POSITION_COLUMNS = "sku, location, on_hand, reserved, safety_stock, suspect, seq, updated_at"


@dataclass(frozen=True, slots=True)
class LocationFacts:
    code: str
    default_safety_stock: int
    timezone: str


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    request_hash: str
    status_code: int
    response: str


@dataclass(frozen=True, slots=True)
class ReservationRecord:
    id: str
    owner_location: str
    state: str
    order_ref: str | None
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReservationLineRecord:
    line_no: int
    sku: str
    location: str
    qty: int
    committed_qty: int


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class LedgerTx:
    """A write transaction. Services call its methods; only the writer begins and commits it."""

    def __init__(self, connection: Connection, now: datetime) -> None:
        self.connection = connection
        self.now = now
        self.sql = RawSql(connection)
        self.is_postgres = self.sql.is_postgres
        self._now_db = self.sql.time(now)
        self._last_seq: int | None = None
        self._counter_start: int | None = None
        self._changes: dict[tuple[str, str], PendingChange] = {}
        self._locations: dict[str, LocationFacts] = {}
        self._skus: set[str] = set()
        self._savepoints = 0
        self._seq_at_savepoint: dict[str, int | None] = {}

    # --- operation scope ---------------------------------------------------------------------

    def mark(self) -> TxMark:
        return TxMark(dict(self._changes))

    def restore(self, mark: TxMark) -> None:
        self._changes = dict(mark.changes)

    def savepoint(self) -> str:
        self._savepoints += 1
        name = f"op_{self._savepoints}"
        self.sql.execute(f"SAVEPOINT {name}")
        self._seq_at_savepoint[name] = self._last_seq
        return name

    def release(self, name: str) -> None:
        self.sql.execute(f"RELEASE SAVEPOINT {name}")
        self._seq_at_savepoint.pop(name, None)

    def rollback_to(self, name: str) -> None:
        self.sql.execute(f"ROLLBACK TO SAVEPOINT {name}")
        if self._seq_at_savepoint.pop(name, None) is None:
            # PostgreSQL gives back a row lock taken inside a savepoint that is rolled back: if
            # the feed counter was first locked in here, it must be locked (and read) again.
            self._last_seq = None
            self._counter_start = None
        # Cached facts may describe rows the savepoint took back (a location upsert).
        self._locations.clear()
        self._skus.clear()

    # --- feed positions ----------------------------------------------------------------------

    def next_seq(self) -> int:
        self.lock_for_decision()
        assert self._last_seq is not None
        self._last_seq += 1
        return self._last_seq

    def lock_for_decision(self) -> None:
        """Take the write lock before reading what a decision depends on (routing reads stock
        first, then reserves): on PostgreSQL another process cannot commit in between."""
        if self._last_seq is None:
            lock = " FOR UPDATE" if self.is_postgres else ""
            (current,) = self.sql.one(f"SELECT last_seq FROM feed_counter WHERE id = 1{lock}")
            self._last_seq = int(current)
            self._counter_start = self._last_seq

    def head(self) -> int:
        if self._last_seq is not None:
            return self._last_seq
        (current,) = self.sql.one("SELECT last_seq FROM feed_counter WHERE id = 1")
        return int(current)

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
            self.sql.executemany(
                "INSERT INTO changes (seq, kind, key, scope, payload) "
                "VALUES (:seq, :kind, :key, :scope, :payload) "
                "ON CONFLICT (kind, key) DO UPDATE SET seq = excluded.seq, "
                "scope = excluded.scope, payload = excluded.payload",
                rows,
            )
            self._changes.clear()
        if self._last_seq is not None and self._last_seq != self._counter_start:
            self.sql.execute(
                "UPDATE feed_counter SET last_seq = :last WHERE id = 1", {"last": self._last_seq}
            )

    def _insert(self, table: Table) -> Any:
        return pg_insert(table) if self.is_postgres else sqlite_insert(table)

    # --- catalog -----------------------------------------------------------------------------

    def location_row(self, code: str) -> LocationFacts | None:
        if code not in self._locations:
            row = self.sql.first(
                "SELECT code, default_safety_stock, timezone FROM locations WHERE code = :code",
                {"code": code},
            )
            if row is None:
                return None
            self._locations[code] = LocationFacts(row[0], int(row[1]), row[2])
        return self._locations[code]

    def sku_exists(self, sku: str) -> bool:
        if sku not in self._skus:
            if self.sql.first("SELECT 1 FROM items WHERE sku = :sku", {"sku": sku}) is None:
                return False
            self._skus.add(sku)
        return True

    def upsert_rows(self, table: Table, rows: Sequence[dict[str, Any]], keys: list[str]) -> None:
        if not rows:
            return
        insert = self._insert(table)
        updatable = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
        statement = insert.on_conflict_do_update(index_elements=keys, set_=updatable)
        self.connection.execute(statement, list(rows))
        self._locations.clear()

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

    def _position(self, row: tuple[Any, ...]) -> PositionState:
        sku, location, on_hand, reserved, safety_stock, suspect, seq, updated_at = row
        return PositionState(
            sku=sku,
            location=location,
            stock=Stock(int(on_hand), int(reserved), int(safety_stock)),
            suspect=bool(suspect),
            seq=int(seq),
            updated_at=self.sql.read_time(updated_at),
        )

    def position(self, sku: str, location: str) -> PositionState | None:
        row = self.sql.first(
            f"SELECT {_POSITION_COLUMNS} FROM positions WHERE sku = :sku AND location = :location",
            {"sku": sku, "location": location},
        )
        return None if row is None else self._position(row)

    def change_on_hand(
        self, sku: str, location: str, delta: int, *, default_safety_stock: int, seq: int
    ) -> tuple[Stock, PositionState]:
        """Add ``delta`` to on-hand (creating the position); returns (stock before, state after)."""
        row = self.sql.one(
            "INSERT INTO positions (sku, location, on_hand, reserved, safety_stock, suspect, seq, "
            "updated_at) VALUES (:sku, :location, :delta, 0, :safety, :suspect, :seq, :now) "
            "ON CONFLICT (sku, location) DO UPDATE SET on_hand = positions.on_hand + :delta, "
            f"seq = :seq, updated_at = :now RETURNING {_POSITION_COLUMNS}",
            {
                "sku": sku,
                "location": location,
                "delta": delta,
                "safety": default_safety_stock,
                "suspect": False,
                "seq": seq,
                "now": self._now_db,
            },
        )
        after = self._position(row)
        before = Stock(after.stock.on_hand - delta, after.stock.reserved, after.stock.safety_stock)
        self._after_position_change(before, after)
        return before, after

    def try_reserve(self, sku: str, location: str, qty: int, seq: int) -> PositionState | None:
        """Hold ``qty`` units if ``available`` stays at or above zero; None when it would not."""
        row = self.sql.first(
            "UPDATE positions SET reserved = reserved + :qty, seq = :seq, updated_at = :now "
            "WHERE sku = :sku AND location = :location "
            "AND on_hand - reserved - safety_stock >= :qty "
            f"RETURNING {_POSITION_COLUMNS}",
            {"qty": qty, "seq": seq, "now": self._now_db, "sku": sku, "location": location},
        )
        if row is None:
            return None
        after = self._position(row)
        before = Stock(after.stock.on_hand, after.stock.reserved - qty, after.stock.safety_stock)
        self._after_position_change(before, after)
        return after

    def change_reserved_and_on_hand(
        self, sku: str, location: str, reserved_delta: int, on_hand_delta: int, seq: int
    ) -> PositionState:
        row = self.sql.one(
            "UPDATE positions SET reserved = reserved + :reserved, on_hand = on_hand + :on_hand, "
            "seq = :seq, updated_at = :now WHERE sku = :sku AND location = :location "
            f"RETURNING {_POSITION_COLUMNS}",
            {
                "reserved": reserved_delta,
                "on_hand": on_hand_delta,
                "seq": seq,
                "now": self._now_db,
                "sku": sku,
                "location": location,
            },
        )
        after = self._position(row)
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
        current = self.position(sku, location)
        if current is None:
            raise LookupError(f"no position {sku} at {location}")
        row = self.sql.one(
            "UPDATE positions SET suspect = :suspect, safety_stock = :safety, updated_at = :now "
            f"WHERE sku = :sku AND location = :location RETURNING {_POSITION_COLUMNS}",
            {
                "suspect": current.suspect if suspect is None else suspect,
                "safety": current.stock.safety_stock if safety_stock is None else safety_stock,
                "now": self._now_db,
                "sku": sku,
                "location": location,
            },
        )
        after = self._position(row)
        self._after_position_change(current.stock, after)
        return after

    def ensure_position(self, sku: str, location: str, default_safety_stock: int) -> None:
        self.sql.execute(
            "INSERT INTO positions (sku, location, on_hand, reserved, safety_stock, suspect, seq, "
            "updated_at) VALUES (:sku, :location, 0, 0, :safety, :suspect, 0, :now) "
            "ON CONFLICT (sku, location) DO NOTHING",
            {
                "sku": sku,
                "location": location,
                "safety": default_safety_stock,
                "suspect": False,
                "now": self._now_db,
            },
        )

    def _after_position_change(self, before: Stock, after: PositionState) -> None:
        on_hand, reserved, available = self.sql.one(
            "INSERT INTO sku_totals (sku, on_hand, reserved, available, seq) "
            "VALUES (:sku, :on_hand, :reserved, :available, :seq) "
            "ON CONFLICT (sku) DO UPDATE SET on_hand = sku_totals.on_hand + :on_hand, "
            "reserved = sku_totals.reserved + :reserved, "
            "available = sku_totals.available + :available, seq = :seq "
            "RETURNING on_hand, reserved, available",
            {
                "sku": after.sku,
                "on_hand": after.stock.on_hand - before.on_hand,
                "reserved": after.stock.reserved - before.reserved,
                "available": after.stock.offerable - before.offerable,
                "seq": after.seq,
            },
        )
        stock = after.stock
        self.record_change(
            "position",
            f"{after.location}|{after.sku}",
            after.location,
            {
                "position": {
                    "sku": after.sku,
                    "location": after.location,
                    "on_hand": stock.on_hand,
                    "reserved": stock.reserved,
                    "safety_stock": stock.safety_stock,
                    "available": stock.available,
                    "suspect": after.suspect,
                    "seq": after.seq,
                    "updated_at": _iso(after.updated_at),
                }
            },
        )
        self.record_change(
            "network",
            after.sku,
            "",
            {
                "total": {
                    "sku": after.sku,
                    "on_hand": int(on_hand),
                    "reserved": int(reserved),
                    "available": int(available),
                }
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
        self.sql.execute(
            "INSERT INTO movements (seq, op_id, kind, sku, location, qty, reason, reservation_id, "
            "actor, device, occurred_at, recorded_at) VALUES (:seq, :op_id, :kind, :sku, "
            ":location, :qty, :reason, :reservation_id, :actor, :device, :occurred_at, :now)",
            {
                "seq": seq,
                "op_id": op_id,
                "kind": kind,
                "sku": sku,
                "location": location,
                "qty": qty,
                "reason": reason,
                "reservation_id": reservation_id,
                "actor": actor,
                "device": device,
                "occurred_at": self.sql.time(occurred_at),
                "now": self._now_db,
            },
        )

    def record_position_day(
        self,
        sku: str,
        location: str,
        day: date,
        effect: DayEffect,
        closing_on_hand: int,
        occurred_at: datetime,
    ) -> None:
        """Add a movement to its position's day; the latest movement of the day sets its close."""
        self.sql.execute(
            "INSERT INTO position_days (sku, location, day, sold_units, returned_units, "
            "received_units, closing_on_hand, min_on_hand, last_occurred_at) VALUES (:sku, "
            ":location, :day, :sold, :returned, :received, :closing, :closing, :occurred) "
            "ON CONFLICT (sku, location, day) DO UPDATE SET "
            "sold_units = position_days.sold_units + :sold, "
            "returned_units = position_days.returned_units + :returned, "
            "received_units = position_days.received_units + :received, "
            "closing_on_hand = CASE WHEN :occurred >= position_days.last_occurred_at "
            "THEN :closing ELSE position_days.closing_on_hand END, "
            "min_on_hand = CASE WHEN position_days.min_on_hand < :closing "
            "THEN position_days.min_on_hand ELSE :closing END, "
            "last_occurred_at = CASE WHEN :occurred >= position_days.last_occurred_at "
            "THEN :occurred ELSE position_days.last_occurred_at END",
            {
                "sku": sku,
                "location": location,
                "day": day.isoformat(),
                "sold": effect.sold,
                "returned": effect.returned,
                "received": effect.received,
                "closing": closing_on_hand,
                "occurred": self.sql.time(occurred_at),
            },
        )

    def moved_since(self, sku: str, location: str, since_seq: int) -> tuple[int, bool]:
        """Sum of movements after ``since_seq``, and whether a count is among them."""
        total, counted = self.sql.one(
            "SELECT COALESCE(SUM(qty), 0), "
            "COALESCE(MAX(CASE WHEN kind = 'count' THEN 1 ELSE 0 END), 0) "
            "FROM movements WHERE sku = :sku AND location = :location AND seq > :since",
            {"sku": sku, "location": location, "since": since_seq},
        )
        return int(total), bool(counted)

    # --- reservations ------------------------------------------------------------------------

    def insert_reservation(self, row: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        self.sql.execute(
            "INSERT INTO reservations (id, owner_location, state, order_ref, actor, created_at, "
            "expires_at) VALUES (:id, :owner_location, :state, :order_ref, :actor, :created_at, "
            ":expires_at)",
            {
                **row,
                "created_at": self.sql.time(row["created_at"]),
                "expires_at": self.sql.time(row["expires_at"]),
            },
        )
        self.sql.executemany(
            "INSERT INTO reservation_lines (reservation_id, line_no, sku, location, qty, "
            "committed_qty) VALUES (:reservation_id, :line_no, :sku, :location, :qty, "
            ":committed_qty)",
            lines,
        )

    def reservation(
        self, reservation_id: str
    ) -> tuple[ReservationRecord, list[ReservationLineRecord]] | None:
        row = self.sql.first(
            "SELECT id, owner_location, state, order_ref, created_at, expires_at, ended_at "
            "FROM reservations WHERE id = :id",
            {"id": reservation_id},
        )
        if row is None:
            return None
        record = ReservationRecord(
            id=row[0],
            owner_location=row[1],
            state=row[2],
            order_ref=row[3],
            created_at=self.sql.read_time(row[4]),
            expires_at=self.sql.read_time(row[5]),
            ended_at=None if row[6] is None else self.sql.read_time(row[6]),
        )
        lines = [
            ReservationLineRecord(int(n), sku, location, int(qty), int(committed))
            for n, sku, location, qty, committed in self.sql.all(
                "SELECT line_no, sku, location, qty, committed_qty FROM reservation_lines "
                "WHERE reservation_id = :id ORDER BY line_no",
                {"id": reservation_id},
            )
        ]
        return record, lines

    def end_reservation(self, reservation_id: str, state: str, op_id: str | None) -> bool:
        """Move a pending reservation to its final state; False if it had already ended."""
        changed = self.sql.rowcount(
            "UPDATE reservations SET state = :state, ended_at = :now, ended_by_op = :op_id "
            "WHERE id = :id AND state = 'pending'",
            {"state": state, "now": self._now_db, "op_id": op_id, "id": reservation_id},
        )
        return changed == 1

    def set_committed_qty(self, reservation_id: str, line_no: int, qty: int) -> None:
        self.sql.execute(
            "UPDATE reservation_lines SET committed_qty = :qty "
            "WHERE reservation_id = :id AND line_no = :line_no",
            {"qty": qty, "id": reservation_id, "line_no": line_no},
        )

    def due_reservations(
        self, limit: int, sku: str | None = None, location: str | None = None
    ) -> list[str]:
        params: dict[str, Any] = {"now": self._now_db, "limit": limit}
        where = "state = 'pending' AND expires_at <= :now"
        if sku is not None and location is not None:
            where += (
                " AND id IN (SELECT reservation_id FROM reservation_lines "
                "WHERE sku = :sku AND location = :location)"
            )
            params.update(sku=sku, location=location)
        rows = self.sql.all(
            f"SELECT id FROM reservations WHERE {where} ORDER BY expires_at LIMIT :limit", params
        )
        return [str(r[0]) for r in rows]

    # --- idempotency and audit ---------------------------------------------------------------

    def stored_outcome(self, op_id: str) -> StoredOutcome | None:
        row = self.sql.first(
            "SELECT request_hash, status_code, response FROM idempotency WHERE op_id = :op_id",
            {"op_id": op_id},
        )
        return None if row is None else StoredOutcome(row[0], int(row[1]), row[2])

    def store_outcome(
        self, op_id: str, request_hash: str, token_id: int, status: int, body: dict[str, Any]
    ) -> None:
        self.sql.execute(
            "INSERT INTO idempotency (op_id, request_hash, token_id, status_code, response, "
            "created_at) VALUES (:op_id, :hash, :token_id, :status, :response, :now)",
            {
                "op_id": op_id,
                "hash": request_hash,
                "token_id": token_id,
                "status": status,
                "response": json.dumps(body, separators=(",", ":"), default=str),
                "now": self._now_db,
            },
        )

    def forget_outcomes_before(self, moment: datetime) -> int:
        return self.sql.rowcount(
            "DELETE FROM idempotency WHERE created_at < :moment", {"moment": self.sql.time(moment)}
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
        self.sql.execute(
            "INSERT INTO audit_log (op_id, operation, actor, role, location, device, recorded_at, "
            "detail) VALUES (:op_id, :operation, :actor, :role, :location, :device, :now, :detail)",
            {
                "op_id": op_id,
                "operation": operation,
                "actor": actor,
                "role": role,
                "location": location,
                "device": device,
                "now": self._now_db,
                "detail": json.dumps(detail, separators=(",", ":"), default=str),
            },
        )
