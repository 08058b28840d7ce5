"""A position's days (``position_days``) kept exact in the movement's transaction, whatever order
its movements arrive in.

The newest movement of its position (the common case: posted as it happens) adds its units to
its day and sets the day's close, in one upsert. A movement dated earlier than the latest one
its position has seen (a store that was offline sends its sales late; a void is dated when its
sale happened) rebuilds that position's days from the movement's day on: its movements since
the start of that day are replayed in the order they happened (``occurred_at``, then ``seq``),
from the stock the position held before that day (on hand now minus everything that moved
since), so each day's units, close and lowest stock come out as if every movement had arrived
in time. A voided sale and its void are left out of the replay together, so the days read as if
the sale had never happened, whether the void's ``sale_voids`` row is written before or after
its movements. Only that one position and the days since that day are read and rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ordersync.contract import MovementKind
from ordersync.db.tx_feed import FeedTx
from ordersync.domain.position_days import DayEffect, day_effect, local_day


@dataclass(frozen=True, slots=True)
class DayMovement:
    """One movement as the day history sees it; ``qty`` is its signed change to on hand."""

    seq: int
    kind: MovementKind
    qty: int
    occurred_at: datetime
    op_id: str


@dataclass(frozen=True, slots=True)
class DayRow:
    """One rebuilt ``position_days`` row."""

    day: date
    sold: int
    returned: int
    received: int
    sent: int
    closing_on_hand: int
    min_on_hand: int
    last_occurred_at: datetime


def left_out_of_replay(
    movements: Sequence[DayMovement], sale_of_void: Mapping[str, str]
) -> frozenset[int]:
    """The ``seq`` of every voided sale's movement and of its void's, among ``movements`` (in
    replay order); ``sale_of_void`` maps a void's operation id to its sale's (``sale_voids``).

    A void's movements are posted in the same transaction as its ``sale_voids`` row, before it:
    a void not in the map yet reverses the sale movement of the same moment and units (a void
    is dated when its sale happened), the latest such one not already paired."""
    voided_sales = set(sale_of_void.values())
    left_out = {
        m.seq
        for m in movements
        if (m.kind is MovementKind.SALE and m.op_id in voided_sales)
        or (m.kind is MovementKind.VOID and m.op_id in sale_of_void)
    }
    for void in movements:
        if void.kind is not MovementKind.VOID or void.seq in left_out:
            continue
        sale = next(
            (
                m
                for m in reversed(movements)
                if m.kind is MovementKind.SALE
                and m.seq < void.seq
                and m.seq not in left_out
                and m.occurred_at == void.occurred_at
                and m.qty == -void.qty
            ),
            None,
        )
        if sale is not None:
            left_out |= {sale.seq, void.seq}
    return frozenset(left_out)


def replay_days(
    movements: Sequence[DayMovement],
    opening_on_hand: int,
    timezone: str,
    left_out: frozenset[int] = frozenset(),
) -> list[DayRow]:
    """The day rows ``movements`` (in replay order) make, from ``opening_on_hand``; a day whose
    every movement is left out has no row, as it would not had they never happened."""
    rows: list[DayRow] = []
    on_hand = opening_on_hand
    for movement in movements:
        if movement.seq in left_out:
            continue
        on_hand += movement.qty
        day = local_day(movement.occurred_at, timezone)
        effect = day_effect(movement.kind, movement.qty)
        if rows and rows[-1].day == day:
            last = rows[-1]
            rows[-1] = DayRow(
                day=day,
                sold=last.sold + effect.sold,
                returned=last.returned + effect.returned,
                received=last.received + effect.received,
                sent=last.sent + effect.sent,
                closing_on_hand=on_hand,
                min_on_hand=min(last.min_on_hand, on_hand),
                last_occurred_at=movement.occurred_at,
            )
        else:
            rows.append(
                DayRow(
                    day=day,
                    sold=effect.sold,
                    returned=effect.returned,
                    received=effect.received,
                    sent=effect.sent,
                    closing_on_hand=on_hand,
                    min_on_hand=on_hand,
                    last_occurred_at=movement.occurred_at,
                )
            )
    return rows


class PositionDaysTx(FeedTx):
    """The statements on ``position_days``; ``PositionsTx`` builds on it."""

    def record_position_day(
        self,
        sku: str,
        location: str,
        kind: MovementKind,
        qty: int,
        occurred_at: datetime,
        *,
        timezone: str,
        closing_on_hand: int,
    ) -> None:
        """Bring the position's days up to date with a movement just inserted: ``qty`` is its
        signed change, ``closing_on_hand`` the position's on hand after it, ``timezone`` its
        location's."""
        day = local_day(occurred_at, timezone)
        # A void is dated when its sale happened, often the position's latest moment: only a
        # replay leaves the sale's low point out of the day.
        if kind is not MovementKind.VOID and self._is_newest(sku, location, day, occurred_at):
            self._add_to_day(
                sku, location, day, day_effect(kind, qty), closing_on_hand, occurred_at
            )
        else:
            self._rebuild_days(sku, location, day, timezone, closing_on_hand)

    def _is_newest(self, sku: str, location: str, day: date, occurred_at: datetime) -> bool:
        latest = self.sql.first(
            "SELECT day, last_occurred_at FROM position_days "
            "WHERE sku = :sku AND location = :location ORDER BY day DESC LIMIT 1",
            {"sku": sku, "location": location},
        )
        if latest is None or str(latest[0]) < day.isoformat():
            return True
        return str(latest[0]) == day.isoformat() and self.sql.read_time(latest[1]) <= occurred_at

    def _add_to_day(
        self,
        sku: str,
        location: str,
        day: date,
        effect: DayEffect,
        closing_on_hand: int,
        occurred_at: datetime,
    ) -> None:
        self.sql.execute(
            "INSERT INTO position_days (sku, location, day, sold_units, returned_units, "
            "received_units, sent_units, closing_on_hand, min_on_hand, last_occurred_at) VALUES "
            "(:sku, :location, :day, :sold, :returned, :received, :sent, :closing, :closing, "
            ":occurred) ON CONFLICT (sku, location, day) DO UPDATE SET "
            "sold_units = position_days.sold_units + :sold, "
            "returned_units = position_days.returned_units + :returned, "
            "received_units = position_days.received_units + :received, "
            "sent_units = position_days.sent_units + :sent, "
            "closing_on_hand = :closing, "
            "min_on_hand = CASE WHEN position_days.min_on_hand < :closing "
            "THEN position_days.min_on_hand ELSE :closing END, "
            "last_occurred_at = :occurred",
            {
                "sku": sku,
                "location": location,
                "day": day.isoformat(),
                "sold": effect.sold,
                "returned": effect.returned,
                "received": effect.received,
                "sent": effect.sent,
                "closing": closing_on_hand,
                "occurred": self.sql.time(occurred_at),
            },
        )

    def _rebuild_days(
        self, sku: str, location: str, day: date, timezone: str, on_hand_now: int
    ) -> None:
        movements = self._movements_since(sku, location, day, timezone)
        opening = on_hand_now - sum(m.qty for m in movements)
        left_out = left_out_of_replay(movements, self._voids_among(movements))
        rows = replay_days(movements, opening, timezone, left_out)
        self.sql.execute(
            "DELETE FROM position_days WHERE sku = :sku AND location = :location AND day >= :day",
            {"sku": sku, "location": location, "day": day.isoformat()},
        )
        if not rows:
            return
        self.sql.executemany(
            "INSERT INTO position_days (sku, location, day, sold_units, returned_units, "
            "received_units, sent_units, closing_on_hand, min_on_hand, last_occurred_at) VALUES "
            "(:sku, :location, :day, :sold, :returned, :received, :sent, :closing, :lowest, "
            ":occurred)",
            [
                {
                    "sku": sku,
                    "location": location,
                    "day": row.day.isoformat(),
                    "sold": row.sold,
                    "returned": row.returned,
                    "received": row.received,
                    "sent": row.sent,
                    "closing": row.closing_on_hand,
                    "lowest": row.min_on_hand,
                    "occurred": self.sql.time(row.last_occurred_at),
                }
                for row in rows
            ],
        )

    def _movements_since(
        self, sku: str, location: str, day: date, timezone: str
    ) -> list[DayMovement]:
        """The position's movements of ``day`` (in the location's calendar) and later, in the
        order they happened."""
        # A day early, then cut by the local calendar: exact whatever the zone does at midnight.
        since = datetime.combine(day - timedelta(days=1), time.min, ZoneInfo(timezone))
        rows = self.sql.all(
            "SELECT seq, kind, qty, occurred_at, op_id FROM movements "
            "WHERE sku = :sku AND location = :location AND occurred_at >= :since "
            "ORDER BY occurred_at, seq",
            {"sku": sku, "location": location, "since": self.sql.time(since)},
        )
        movements = [
            DayMovement(
                seq=int(seq),
                kind=MovementKind(kind),
                qty=int(qty),
                occurred_at=self.sql.read_time(occurred_at),
                op_id=str(op_id),
            )
            for seq, kind, qty, occurred_at, op_id in rows
        ]
        return [m for m in movements if local_day(m.occurred_at, timezone) >= day]

    def _voids_among(self, movements: Sequence[DayMovement]) -> dict[str, str]:
        """The sale each void among ``movements`` took back, by the void's operation id, as far
        as ``sale_voids`` knows it yet."""
        voids = sorted({m.op_id for m in movements if m.kind is MovementKind.VOID})
        if not voids:
            return {}
        marks = ",".join(f":v{i}" for i in range(len(voids)))
        rows = self.sql.all(
            f"SELECT void_op_id, sale_op_id FROM sale_voids WHERE void_op_id IN ({marks})",
            {f"v{i}": op_id for i, op_id in enumerate(voids)},
        )
        return {str(void): str(sale) for void, sale in rows}
