"""The ledger's view of this store's positions, and the same view with unsent local effects:
on hand, the units set aside (unavailable, per disposition) and what is left on sale."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from ordersync.contract import Disposition, Position
from storeapp.cache.counter import pending_dispositions as pending_dispositions  # read here too

UPSERT_POSITION_SQL = (
    "INSERT INTO positions (sku, location, on_hand, reserved, safety_stock, suspect, seq, "
    "updated_at, unavailable, dispositions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (sku, location) DO UPDATE SET "
    "on_hand = excluded.on_hand, reserved = excluded.reserved, "
    "safety_stock = excluded.safety_stock, suspect = excluded.suspect, "
    "seq = excluded.seq, updated_at = excluded.updated_at, "
    "unavailable = excluded.unavailable, dispositions = excluded.dispositions "
    "WHERE excluded.seq >= positions.seq"
)
"""Keep the newest report of each position: an older reply never overwrites a newer one (the
feed writes its pages with it as well, as tuples on the DB-API cursor)."""


def dispositions_json(dispositions: Mapping[str, int]) -> str:
    """The ``positions.dispositions`` column: the ledger's units per disposition, as JSON."""
    if not dispositions:  # nearly every position of a bootstrap: skip the encoder
        return "{}"
    return json.dumps(
        {name: units for name, units in sorted(dispositions.items()) if units},
        separators=(",", ":"),
    )


def parse_dispositions(value: str | None) -> dict[Disposition, int]:
    """The column read back; a disposition this version does not know is left out."""
    try:
        raw = json.loads(value or "{}")
    except json.JSONDecodeError:
        return {}
    if not isinstance(raw, dict):
        return {}
    known = {d.value: d for d in Disposition}
    return {
        known[name]: int(units)
        for name, units in raw.items()
        if name in known and isinstance(units, int) and units
    }


def upsert_positions(connection: Connection, positions: Iterable[Position]) -> None:
    """Keep the newest report of each position: an older reply never overwrites a newer one."""
    rows = [
        (
            p.sku,
            p.location,
            p.on_hand,
            p.reserved,
            p.safety_stock,
            p.suspect,
            p.seq,
            p.updated_at.isoformat(),
            p.unavailable,
            dispositions_json(p.dispositions),
        )
        for p in positions
    ]
    if rows:
        connection.exec_driver_sql(UPSERT_POSITION_SQL, rows)


@dataclass(frozen=True, slots=True)
class LocalPosition:
    """One position of this store as the ledger last said, with this terminal's unsent
    operations laid over it (what staff have done here and the ledger has not answered yet)."""

    sku: str
    location: str
    on_hand: int
    reserved: int
    safety_stock: int
    unavailable: int
    dispositions: dict[Disposition, int] = field(default_factory=dict)
    """Units set aside, per disposition (only those holding units)."""
    suspect: bool = False

    @property
    def sellable(self) -> int:
        """Units on sale: on hand and not set aside."""
        return self.on_hand - self.unavailable

    @property
    def available(self) -> int:
        return self.sellable - self.reserved - self.safety_stock

    def movable(self, disposition: Disposition) -> int:
        """Units that may leave ``disposition``: for units on sale, those no order holds (the
        ledger's rule), else the units set aside there."""
        if disposition is Disposition.SELLABLE:
            return max(0, self.sellable - self.reserved)
        return max(0, self.dispositions.get(disposition, 0))


def local_position(connection: Connection, sku: str, location: str) -> LocalPosition:
    """The position of ``sku`` at ``location``: the ledger's view plus pending effects."""
    row = connection.execute(
        text(
            "SELECT on_hand, reserved, safety_stock, suspect, unavailable, dispositions "
            "FROM positions WHERE sku = :sku AND location = :location"
        ),
        {"sku": sku, "location": location},
    ).first()
    on_hand_delta, unavailable_delta = connection.execute(
        text(
            "SELECT COALESCE(SUM(e.on_hand_delta), 0), COALESCE(SUM(e.unavailable_delta), 0) "
            "FROM outbox_effects e JOIN outbox o ON o.id = e.outbox_id "
            "WHERE o.state = 'pending' AND e.sku = :sku AND e.location = :location"
        ),
        {"sku": sku, "location": location},
    ).one()
    dispositions = parse_dispositions(None if row is None else row.dispositions)
    for disposition, delta in pending_dispositions(connection, sku, location).items():
        dispositions[disposition] = dispositions.get(disposition, 0) + delta
    return LocalPosition(
        sku=sku,
        location=location,
        on_hand=(0 if row is None else int(row.on_hand)) + int(on_hand_delta),
        reserved=0 if row is None else int(row.reserved),
        safety_stock=0 if row is None else int(row.safety_stock),
        unavailable=(0 if row is None else int(row.unavailable)) + int(unavailable_delta),
        dispositions={d: units for d, units in dispositions.items() if units},
        suspect=False if row is None else bool(row.suspect),
    )


def local_dispositions(connection: Connection, sku: str, location: str) -> dict[Disposition, int]:
    """Units set aside at the position, per disposition, with this terminal's unsent operations
    (only the dispositions holding units; ``Disposition`` is a ``str``)."""
    return local_position(connection, sku, location).dispositions
