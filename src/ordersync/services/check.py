"""The ledger's self-check: positions and totals rebuilt from movements and reservations, and
each position's incoming units rebuilt from the documents (deliveries on order, transfers in
transit, promises of future stock)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text

from ordersync.contract import DeliveryState, HoldState, TransferState
from ordersync.db.ledger_tx import MOVEMENTS, POSITIONS, RESERVATION_LINES, RESERVATIONS, TOTALS
from ordersync.domain.stock import Stock


@dataclass(frozen=True, slots=True)
class Discrepancy:
    what: str
    sku: str
    location: str
    recorded: int
    rebuilt: int

    def describe(self) -> str:
        where = f"{self.sku} at {self.location}" if self.location else self.sku
        return f"{self.what} of {where}: recorded {self.recorded}, rebuilt {self.rebuilt}"


@dataclass(frozen=True, slots=True)
class CheckReport:
    positions: int
    movements: int
    discrepancies: list[Discrepancy]
    incoming: int = 0
    """Positions with units on their way (an ``incoming`` row or an open document)."""

    @property
    def ok(self) -> bool:
        return not self.discrepancies


def rebuild_on_hand(connection: Connection) -> dict[tuple[str, str], int]:
    rows = connection.execute(
        select(MOVEMENTS.c.sku, MOVEMENTS.c.location, func.sum(MOVEMENTS.c.qty)).group_by(
            MOVEMENTS.c.sku, MOVEMENTS.c.location
        )
    )
    return {(sku, location): int(total) for sku, location, total in rows}


def rebuild_reserved(connection: Connection) -> dict[tuple[str, str], int]:
    rows = connection.execute(
        select(
            RESERVATION_LINES.c.sku, RESERVATION_LINES.c.location, func.sum(RESERVATION_LINES.c.qty)
        )
        .join(RESERVATIONS, RESERVATIONS.c.id == RESERVATION_LINES.c.reservation_id)
        .where(RESERVATIONS.c.state == "pending")
        .group_by(RESERVATION_LINES.c.sku, RESERVATION_LINES.c.location)
    )
    return {(sku, location): int(total) for sku, location, total in rows}


def check_ledger(connection: Connection) -> CheckReport:
    """Compare the materialised positions and totals with what movements and holds say."""
    on_hand = rebuild_on_hand(connection)
    reserved = rebuild_reserved(connection)
    found: list[Discrepancy] = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    positions = 0
    seen: set[tuple[str, str]] = set()
    for row in connection.execute(select(POSITIONS)):
        positions += 1
        key = (row.sku, row.location)
        seen.add(key)
        if row.on_hand != on_hand.get(key, 0):
            found.append(
                Discrepancy("on hand", row.sku, row.location, row.on_hand, on_hand.get(key, 0))
            )
        if row.reserved != reserved.get(key, 0):
            found.append(
                Discrepancy("reserved", row.sku, row.location, row.reserved, reserved.get(key, 0))
            )
        stock = Stock(row.on_hand, row.reserved, row.safety_stock)
        sums = totals[row.sku]
        sums[0] += row.on_hand
        sums[1] += row.reserved
        sums[2] += stock.offerable
    for key in (on_hand.keys() | reserved.keys()) - seen:
        found.append(Discrepancy("missing position", key[0], key[1], 0, on_hand.get(key, 0)))
    recorded_totals = {row.sku: row for row in connection.execute(select(TOTALS))}
    for sku in totals.keys() | recorded_totals.keys():
        rebuilt = totals.get(sku, [0, 0, 0])
        total = recorded_totals.get(sku)
        recorded = [0, 0, 0] if total is None else [total.on_hand, total.reserved, total.available]
        for label, have, want in zip(
            ("network on hand", "network reserved", "network available"),
            recorded,
            rebuilt,
            strict=True,
        ):
            if have != want:
                found.append(Discrepancy(label, sku, "", have, want))
    movements = int(connection.execute(select(func.count()).select_from(MOVEMENTS)).scalar_one())
    incoming = check_incoming(connection, found)
    return CheckReport(
        positions=positions, movements=movements, discrepancies=found, incoming=incoming
    )


_INCOMING_BUCKETS = ("on order", "in transit", "promised")
_REBUILT_INCOMING = (
    "SELECT d.destination, l.sku, SUM(l.expected_qty), 0, 0 FROM delivery_lines l "
    "JOIN deliveries d ON d.id = l.delivery_id WHERE d.state = :expected "
    "GROUP BY d.destination, l.sku "
    "UNION ALL SELECT t.to_location, l.sku, 0, SUM(COALESCE(l.sent_qty, 0)), 0 "
    "FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id WHERE t.state = :sent "
    "GROUP BY t.to_location, l.sku "
    "UNION ALL SELECT location, sku, 0, 0, SUM(qty) FROM future_holds WHERE state = :open "
    "GROUP BY location, sku"
)


def rebuild_incoming(connection: Connection) -> dict[tuple[str, str], list[int]]:
    """(on order, in transit, promised) per (sku, location), from the open documents alone."""
    rebuilt: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = connection.execute(
        text(_REBUILT_INCOMING),
        {
            "expected": DeliveryState.EXPECTED.value,
            "sent": TransferState.SENT.value,
            "open": HoldState.OPEN.value,
        },
    )
    for location, sku, on_order, in_transit, promised in rows:
        sums = rebuilt[(sku, location)]
        sums[0] += int(on_order)
        sums[1] += int(in_transit)
        sums[2] += int(promised)
    return rebuilt


def check_incoming(connection: Connection, found: list[Discrepancy]) -> int:
    """Compare each ``incoming`` row (none: zeros) with what the documents say; adds what
    differs to ``found`` and returns how many positions were compared."""
    rebuilt = rebuild_incoming(connection)
    recorded = {
        (sku, location): [int(on_order), int(in_transit), int(promised)]
        for sku, location, on_order, in_transit, promised in connection.execute(
            text("SELECT sku, location, on_order, in_transit, promised FROM incoming")
        )
    }
    keys = sorted(recorded.keys() | rebuilt.keys())
    for key in keys:
        have = recorded.get(key, [0, 0, 0])
        want = rebuilt.get(key, [0, 0, 0])
        for label, mine, theirs in zip(_INCOMING_BUCKETS, have, want, strict=True):
            if mine != theirs:
                found.append(Discrepancy(label, key[0], key[1], mine, theirs))
    return len(keys)
