"""The ledger's self-check: positions and totals rebuilt from movements and reservations, each
position's units set aside (per disposition) rebuilt from the movements that name a disposition,
and each position's incoming units rebuilt from the documents (deliveries on order, transfers in
transit, promises of future stock).

Each difference names the record that disagrees with what it is made of: a position's figure
with its movements (or its pending reservations), a network total with its positions as their
movements rebuild them, an incoming row with its open documents. A position changed by hand is
reported once, as that position; the network total it no longer adds up to is not blamed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, text

from ordersync.contract import DeliveryState, HoldState, TransferState
from ordersync.db.ledger_tx import MOVEMENTS, POSITIONS, RESERVATION_LINES, RESERVATIONS, TOTALS
from ordersync.domain.stock import Stock

Key = tuple[str, str]
"""(sku, location)"""

MOVEMENTS_BASIS = "its movements"
RESERVATIONS_BASIS = "its pending reservations"
POSITIONS_BASIS = "its positions"
DOCUMENTS_BASIS = "its open documents"
NO_POSITION = "no position"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    what: str
    """The figure: ``on hand``, ``reserved``, ``unavailable``, a disposition, ``on order``..."""
    sku: str
    location: str
    """Empty for a network total."""
    recorded: int
    rebuilt: int
    basis: str = MOVEMENTS_BASIS
    """What the rebuilt figure adds up, from the record's point of view."""

    def describe(self) -> str:
        owner = (
            f"{self.location} SKU {self.sku}"
            if self.location
            else f"network total of SKU {self.sku}"
        )
        if self.what == NO_POSITION:
            return f"{owner}: no position recorded, {self.basis} add up to {self.rebuilt} on hand"
        return (
            f"{owner}: {self.what} {self.recorded} recorded, {self.basis} add up to {self.rebuilt}"
        )


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


def rebuild_on_hand(connection: Connection) -> dict[Key, int]:
    rows = connection.execute(
        select(MOVEMENTS.c.sku, MOVEMENTS.c.location, func.sum(MOVEMENTS.c.qty)).group_by(
            MOVEMENTS.c.sku, MOVEMENTS.c.location
        )
    )
    return {(sku, location): int(total) for sku, location, total in rows}


def rebuild_reserved(connection: Connection) -> dict[Key, int]:
    rows = connection.execute(
        select(
            RESERVATION_LINES.c.sku, RESERVATION_LINES.c.location, func.sum(RESERVATION_LINES.c.qty)
        )
        .join(RESERVATIONS, RESERVATIONS.c.id == RESERVATION_LINES.c.reservation_id)
        .where(RESERVATIONS.c.state == "pending")
        .group_by(RESERVATION_LINES.c.sku, RESERVATION_LINES.c.location)
    )
    return {(sku, location): int(total) for sku, location, total in rows}


def rebuild_set_aside(connection: Connection) -> dict[Key, dict[str, int]]:
    """Units per disposition of each position, from the movements that name one (a movement
    without a disposition moved units on sale)."""
    rebuilt: dict[Key, dict[str, int]] = defaultdict(dict)
    for sku, location, disposition, total in connection.execute(
        select(
            MOVEMENTS.c.sku,
            MOVEMENTS.c.location,
            MOVEMENTS.c.disposition,
            func.sum(MOVEMENTS.c.qty),
        )
        .where(MOVEMENTS.c.disposition.is_not(None))
        .group_by(MOVEMENTS.c.sku, MOVEMENTS.c.location, MOVEMENTS.c.disposition)
    ):
        rebuilt[(sku, location)][str(disposition)] = int(total)
    return rebuilt


def recorded_set_aside(connection: Connection) -> dict[Key, dict[str, int]]:
    recorded: dict[Key, dict[str, int]] = defaultdict(dict)
    for sku, location, disposition, units in connection.execute(
        text("SELECT sku, location, disposition, units FROM position_dispositions")
    ):
        recorded[(sku, location)][str(disposition)] = int(units)
    return recorded


def check_ledger(connection: Connection) -> CheckReport:
    """Compare the materialised positions and totals with what movements and holds say."""
    on_hand = rebuild_on_hand(connection)
    reserved = rebuild_reserved(connection)
    set_aside = rebuild_set_aside(connection)
    found: list[Discrepancy] = []
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    positions = 0
    seen: set[Key] = set()
    for row in connection.execute(select(POSITIONS)):
        positions += 1
        key = (row.sku, row.location)
        seen.add(key)
        rebuilt = Stock(
            on_hand.get(key, 0),
            reserved.get(key, 0),
            row.safety_stock,
            sum(set_aside.get(key, {}).values()),
        )
        for what, recorded, want, basis in (
            ("on hand", row.on_hand, rebuilt.on_hand, MOVEMENTS_BASIS),
            ("reserved", row.reserved, rebuilt.reserved, RESERVATIONS_BASIS),
            ("unavailable", row.unavailable, rebuilt.unavailable, MOVEMENTS_BASIS),
        ):
            if recorded != want:
                found.append(Discrepancy(what, row.sku, row.location, recorded, want, basis))
        _add_to_total(totals[row.sku], rebuilt)
    for key in sorted((on_hand.keys() | reserved.keys() | set_aside.keys()) - seen):
        found.append(Discrepancy(NO_POSITION, key[0], key[1], 0, on_hand.get(key, 0)))
        # its movements still count in the network total (its safety stock is lost with it)
        lost = Stock(
            on_hand.get(key, 0), reserved.get(key, 0), 0, sum(set_aside.get(key, {}).values())
        )
        _add_to_total(totals[key[0]], lost)
    _check_dispositions(connection, set_aside, found)
    recorded_totals = {row.sku: row for row in connection.execute(select(TOTALS))}
    for sku in sorted(totals.keys() | recorded_totals.keys()):
        want_totals = totals.get(sku, [0, 0, 0])
        total = recorded_totals.get(sku)
        recorded = [0, 0, 0] if total is None else [total.on_hand, total.reserved, total.available]
        for label, have, want in zip(
            ("on hand", "reserved", "available"), recorded, want_totals, strict=True
        ):
            if have != want:
                found.append(Discrepancy(label, sku, "", have, want, POSITIONS_BASIS))
    movements = int(connection.execute(select(func.count()).select_from(MOVEMENTS)).scalar_one())
    incoming = check_incoming(connection, found)
    return CheckReport(
        positions=positions, movements=movements, discrepancies=found, incoming=incoming
    )


def _add_to_total(sums: list[int], stock: Stock) -> None:
    sums[0] += stock.on_hand
    sums[1] += stock.reserved
    sums[2] += stock.offerable


def _check_dispositions(
    connection: Connection, rebuilt: dict[Key, dict[str, int]], found: list[Discrepancy]
) -> None:
    """Compare every ``position_dispositions`` row (none: 0) with its movements."""
    recorded = recorded_set_aside(connection)
    for key in sorted(recorded.keys() | rebuilt.keys()):
        have, want = recorded.get(key, {}), rebuilt.get(key, {})
        for disposition in sorted(have.keys() | want.keys()):
            mine, theirs = have.get(disposition, 0), want.get(disposition, 0)
            if mine != theirs:
                found.append(Discrepancy(disposition, key[0], key[1], mine, theirs))


_INCOMING_BUCKETS = ("on order", "in transit", "promised")
# Units set aside that travel (damaged ones back to the warehouse) are not coming for sale: they
# are neither incoming nor promised, so they are left out of the rebuilt in-transit units.
_REBUILT_INCOMING = (
    "SELECT d.destination, l.sku, SUM(l.expected_qty), 0, 0 FROM delivery_lines l "
    "JOIN deliveries d ON d.id = l.delivery_id WHERE d.state = :expected "
    "GROUP BY d.destination, l.sku "
    "UNION ALL SELECT t.to_location, l.sku, 0, SUM(COALESCE(l.sent_qty, 0)), 0 "
    "FROM transfer_lines l JOIN transfers t ON t.id = l.transfer_id "
    "WHERE t.state = :sent AND t.disposition IS NULL "
    "GROUP BY t.to_location, l.sku "
    "UNION ALL SELECT location, sku, 0, 0, SUM(qty) FROM future_holds WHERE state = :open "
    "GROUP BY location, sku"
)


def rebuild_incoming(connection: Connection) -> dict[Key, list[int]]:
    """(on order, in transit, promised) per (sku, location), from the open documents alone."""
    rebuilt: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
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
                found.append(Discrepancy(label, key[0], key[1], mine, theirs, DOCUMENTS_BASIS))
    return len(keys)
