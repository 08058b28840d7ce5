"""The ledger's view of this store's positions, and the same view with unsent local effects."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

from ordersync.contract import Position


def upsert_positions(connection: Connection, positions: Iterable[Position]) -> None:
    """Keep the newest report of each position: an older reply never overwrites a newer one."""
    rows = [
        {
            "sku": p.sku,
            "location": p.location,
            "on_hand": p.on_hand,
            "reserved": p.reserved,
            "safety_stock": p.safety_stock,
            "suspect": p.suspect,
            "seq": p.seq,
            "updated_at": p.updated_at.isoformat(),
        }
        for p in positions
    ]
    if not rows:
        return
    connection.execute(
        text(
            "INSERT INTO positions (sku, location, on_hand, reserved, safety_stock, suspect, seq, "
            "updated_at) VALUES (:sku, :location, :on_hand, :reserved, :safety_stock, :suspect, "
            ":seq, :updated_at) ON CONFLICT (sku, location) DO UPDATE SET "
            "on_hand = excluded.on_hand, reserved = excluded.reserved, "
            "safety_stock = excluded.safety_stock, suspect = excluded.suspect, "
            "seq = excluded.seq, updated_at = excluded.updated_at "
            "WHERE excluded.seq >= positions.seq"
        ),
        rows,
    )
