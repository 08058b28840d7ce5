"""This store's own stock as staff see it: the ledger's position of each SKU here (its live answer
when it just gave one, else this terminal's copy) with this terminal's unsent operations laid
over it, split into units on sale and units set aside per disposition.

``available`` is what the ledger would let an order take: on hand less the units set aside, those
reserved and the safety stock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, text

from ordersync.contract import Disposition, Position
from storeapp.cache.incoming import NOTHING_COMING, Coming, coming_here
from storeapp.cache.positions import parse_dispositions, pending_dispositions


@dataclass(frozen=True, slots=True)
class OwnStock:
    on_hand: int
    reserved: int
    available: int
    """On hand less the units set aside, those reserved and the safety stock."""
    suspect: bool
    pending_delta: int
    """Units this terminal moved here (sold: negative) and the ledger has not acknowledged yet
    (already counted in the numbers)."""
    coming: Coming = NOTHING_COMING
    """Units on their way here (on order, in transit) and the next arrival's window."""
    unavailable: int = 0
    """Units on hand set aside (damaged, on display, in quarantine): never for sale."""
    dispositions: dict[Disposition, int] = field(default_factory=dict)
    """Those units per disposition (only the dispositions holding units)."""
    changed_at: datetime | None = None
    """When the ledger last changed the position (None: it never held this SKU here)."""


NO_STOCK = OwnStock(0, 0, 0, False, 0)


@dataclass(frozen=True, slots=True)
class _Recorded:
    """A position of this store as the ledger recorded it (live, or this terminal's copy)."""

    on_hand: int
    reserved: int
    safety_stock: int
    unavailable: int
    dispositions: dict[Disposition, int]
    suspect: bool
    changed_at: datetime | None


_NOTHING = _Recorded(0, 0, 0, 0, {}, False, None)
"""A position the ledger never recorded: nothing of the SKU was ever here."""
_DISPOSITIONS = {d.value: d for d in Disposition}


def _recorded(position: Position | None) -> _Recorded:
    if position is None:
        return _NOTHING
    return _Recorded(
        position.on_hand,
        position.reserved,
        position.safety_stock,
        position.unavailable,
        {_DISPOSITIONS[d]: n for d, n in position.dispositions.items() if d in _DISPOSITIONS},
        position.suspect,
        position.updated_at,
    )


def own_stock(
    connection: Connection,
    location: str,
    skus: list[str],
    live: Mapping[str, Position | None] | None = None,
) -> dict[str, OwnStock]:
    """The stock of ``skus`` at ``location`` with this terminal's unsent operations laid over it:
    the ledger's live position where ``live`` has the SKU (None: the ledger holds none here),
    else this terminal's copy."""
    live = live or {}
    marks = ",".join(f":s{i}" for i in range(len(skus)))
    params: dict[str, object] = {f"s{i}": sku for i, sku in enumerate(skus)}
    params["loc"] = location
    cached = {
        row.sku: _Recorded(
            int(row.on_hand),
            int(row.reserved),
            int(row.safety_stock),
            int(row.unavailable),
            parse_dispositions(row.dispositions),
            bool(row.suspect),
            datetime.fromisoformat(row.updated_at),
        )
        for row in connection.execute(
            text(
                "SELECT sku, on_hand, reserved, safety_stock, suspect, updated_at, unavailable, "
                f"dispositions FROM positions WHERE location = :loc AND sku IN ({marks})"
            ),
            params,
        )
    }
    pending = {
        row.sku: (int(row.delta), int(row.unavailable))
        for row in connection.execute(
            text(
                "SELECT e.sku, SUM(e.on_hand_delta) AS delta, "
                "SUM(e.unavailable_delta) AS unavailable FROM outbox_effects e "
                "JOIN outbox o ON o.id = e.outbox_id WHERE o.state = 'pending' "
                f"AND e.location = :loc AND e.sku IN ({marks}) GROUP BY e.sku"
            ),
            params,
        )
    }
    coming = coming_here(connection, skus)
    result: dict[str, OwnStock] = {}
    for sku in skus:
        recorded = _recorded(live[sku]) if sku in live else cached.get(sku, _NOTHING)
        delta, unavailable_delta = pending.get(sku, (0, 0))
        on_hand = recorded.on_hand + delta
        unavailable = recorded.unavailable + unavailable_delta
        dispositions = dict(recorded.dispositions)
        for disposition, units in pending_dispositions(connection, sku, location).items():
            dispositions[disposition] = dispositions.get(disposition, 0) + units
        result[sku] = OwnStock(
            on_hand=on_hand,
            reserved=recorded.reserved,
            available=on_hand - unavailable - recorded.reserved - recorded.safety_stock,
            suspect=recorded.suspect,
            pending_delta=delta,
            coming=coming.get(sku, NOTHING_COMING),
            unavailable=unavailable,
            dispositions={d: units for d, units in dispositions.items() if units},
            changed_at=recorded.changed_at,
        )
    return result
