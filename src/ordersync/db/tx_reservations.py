"""Reservations inside a write transaction: a hold, its lines, and the one move out of pending.

A reservation ends once: ``end_reservation`` moves it out of ``pending`` only if it is still
there, so a commit, a release and the expiry sweep racing for the same hold cannot both win.
Both moves are journaled (see ``tx_journal``) for the audit row of the operation that made them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordersync.contract import AuditedEntity, ReservationState
from ordersync.db.tx_feed import FeedTx


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


class ReservationsTx(FeedTx):
    """The statements on reservations and their lines."""

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
        self.journal.state(AuditedEntity.RESERVATION, str(row["id"]), None, str(row["state"]))

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
        if changed != 1:
            return False
        self.journal.state(
            AuditedEntity.RESERVATION, reservation_id, ReservationState.PENDING.value, state
        )
        return True

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
