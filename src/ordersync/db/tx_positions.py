"""Positions and movements inside a write transaction: the stock record and the entries behind it.

Every change of a position updates its SKU's network total in the same transaction, and both are
recorded on the change feed with their state after the change, and on the transaction's change
journal with their state before and after. Movements are only inserted, never updated or deleted:
a mistake is corrected by a new entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ordersync.contract import Disposition, MovementKind, Position
from ordersync.db.tx_position_days import PositionDaysTx
from ordersync.domain.stock import Stock

_POSITION_COLUMNS = (
    "sku, location, on_hand, reserved, safety_stock, suspect, seq, updated_at, unavailable"
)


@dataclass(frozen=True, slots=True)
class PositionState:
    sku: str
    location: str
    stock: Stock
    suspect: bool
    seq: int
    updated_at: datetime
    dispositions: tuple[tuple[str, int], ...] = ()
    """Unavailable units per disposition holding any, as (disposition, units)."""

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
            unavailable=self.stock.unavailable,
            dispositions=dict(self.dispositions),
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class PositionsTx(PositionDaysTx):
    """The statements on positions, their network totals and the movements (their days:
    ``PositionDaysTx``)."""

    # --- positions ---------------------------------------------------------------------------

    def _position(self, row: tuple[Any, ...]) -> PositionState:
        sku, location, on_hand, reserved, safety_stock, suspect, seq, updated_at, unavailable = row
        return PositionState(
            sku=sku,
            location=location,
            stock=Stock(int(on_hand), int(reserved), int(safety_stock), int(unavailable)),
            suspect=bool(suspect),
            seq=int(seq),
            updated_at=self.sql.read_time(updated_at),
            dispositions=self._dispositions(sku, location) if unavailable else (),
        )

    def _dispositions(self, sku: str, location: str) -> tuple[tuple[str, int], ...]:
        rows = self.sql.all(
            "SELECT disposition, units FROM position_dispositions "
            "WHERE sku = :sku AND location = :location AND units <> 0 ORDER BY disposition",
            {"sku": sku, "location": location},
        )
        return tuple((str(disposition), int(units)) for disposition, units in rows)

    def position(self, sku: str, location: str) -> PositionState | None:
        row = self.sql.first(
            f"SELECT {_POSITION_COLUMNS} FROM positions WHERE sku = :sku AND location = :location",
            {"sku": sku, "location": location},
        )
        return None if row is None else self._position(row)

    def change_on_hand(
        self,
        sku: str,
        location: str,
        delta: int,
        *,
        default_safety_stock: int,
        seq: int,
        disposition: Disposition | None = None,
    ) -> tuple[Stock, PositionState]:
        """Add ``delta`` to on-hand (creating the position); returns (stock before, state after).

        ``disposition`` names the unavailable units the change is made of (None or
        ``sellable``: units on sale); their count moves with on-hand."""
        set_aside = disposition is not None and disposition is not Disposition.SELLABLE
        unavailable_delta = delta if set_aside else 0
        if set_aside and delta:
            assert disposition is not None
            self.sql.execute(
                "INSERT INTO position_dispositions (sku, location, disposition, units) "
                "VALUES (:sku, :location, :disposition, :delta) "
                "ON CONFLICT (sku, location, disposition) "
                "DO UPDATE SET units = position_dispositions.units + :delta",
                {
                    "sku": sku,
                    "location": location,
                    "disposition": disposition.value,
                    "delta": delta,
                },
            )
        row = self.sql.one(
            "INSERT INTO positions (sku, location, on_hand, reserved, safety_stock, suspect, seq, "
            "updated_at, unavailable) VALUES (:sku, :location, :delta, 0, :safety, :suspect, "
            ":seq, :now, :unavailable) "
            "ON CONFLICT (sku, location) DO UPDATE SET on_hand = positions.on_hand + :delta, "
            "unavailable = positions.unavailable + :unavailable, "
            f"seq = :seq, updated_at = :now RETURNING {_POSITION_COLUMNS}",
            {
                "sku": sku,
                "location": location,
                "delta": delta,
                "unavailable": unavailable_delta,
                "safety": default_safety_stock,
                "suspect": False,
                "seq": seq,
                "now": self._now_db,
            },
        )
        after = self._position(row)
        before = replace(
            after.stock,
            on_hand=after.stock.on_hand - delta,
            unavailable=after.stock.unavailable - unavailable_delta,
        )
        self._after_position_change(before, after)
        return before, after

    def try_reserve(self, sku: str, location: str, qty: int, seq: int) -> PositionState | None:
        """Hold ``qty`` units if ``available`` stays at or above zero; None when it would not."""
        row = self.sql.first(
            "UPDATE positions SET reserved = reserved + :qty, seq = :seq, updated_at = :now "
            "WHERE sku = :sku AND location = :location "
            "AND on_hand - unavailable - reserved - safety_stock >= :qty "
            f"RETURNING {_POSITION_COLUMNS}",
            {"qty": qty, "seq": seq, "now": self._now_db, "sku": sku, "location": location},
        )
        if row is None:
            return None
        after = self._position(row)
        before = replace(after.stock, reserved=after.stock.reserved - qty)
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
        before = replace(
            after.stock,
            on_hand=after.stock.on_hand - on_hand_delta,
            reserved=after.stock.reserved - reserved_delta,
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
        self._after_position_change(current.stock, after, was_suspect=current.suspect)
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

    def _after_position_change(
        self, before: Stock, after: PositionState, was_suspect: bool | None = None
    ) -> None:
        """Keep the network total, the feed and the journal in step with a changed position;
        ``was_suspect`` is None when the change left the flag as it was."""
        self.journal.position(
            after.sku,
            after.location,
            before,
            after.stock,
            was_suspect=after.suspect if was_suspect is None else was_suspect,
            is_suspect=after.suspect,
        )
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
                    "unavailable": stock.unavailable,
                    "dispositions": dict(after.dispositions),
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
        person: str | None = None,
        disposition: Disposition | None = None,
    ) -> None:
        """Insert one movement; ``disposition`` names the unavailable units it moved (None or
        ``sellable``: units on sale, stored as NULL)."""
        set_aside = None if disposition in (None, Disposition.SELLABLE) else disposition
        self.sql.execute(
            "INSERT INTO movements (seq, op_id, kind, sku, location, qty, reason, reservation_id, "
            "actor, device, person, occurred_at, recorded_at, disposition) VALUES (:seq, :op_id, "
            ":kind, :sku, :location, :qty, :reason, :reservation_id, :actor, :device, :person, "
            ":occurred_at, :now, :disposition)",
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
                "person": person,
                "occurred_at": self.sql.time(occurred_at),
                "now": self._now_db,
                "disposition": None if set_aside is None else set_aside.value,
            },
        )
        self.journal.movement(kind, sku, location, qty)

    def moved_since(self, sku: str, location: str, since_seq: int) -> tuple[int, bool]:
        """Sum of the movements of units on sale after ``since_seq`` (a count counts the units on
        sale, units set aside are not on its shelf), and whether a recount is among them: a count,
        or a reconciliation to the ERP's figure, which sets on-hand as a count does; an earlier
        count applied on top of either would post again the difference it already settled."""
        total, recounted = self.sql.one(
            "SELECT COALESCE(SUM(qty), 0), "
            "COALESCE(MAX(CASE WHEN kind IN (:count, :reconciliation) THEN 1 ELSE 0 END), 0) "
            "FROM movements WHERE sku = :sku AND location = :location AND seq > :since "
            "AND disposition IS NULL",
            {
                "sku": sku,
                "location": location,
                "since": since_seq,
                "count": MovementKind.COUNT.value,
                "reconciliation": MovementKind.RECONCILIATION.value,
            },
        )
        return int(total), bool(recounted)
