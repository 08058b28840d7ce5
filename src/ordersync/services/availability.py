"""Network availability of a SKU or of a whole reference, read from positions and SKU totals.

Both answers come from primary-key ranges (positions by SKU, totals by SKU), never a scan of
movements, so their cost depends on the number of locations, not on the size of the network.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, select

from ordersync.contract import NetworkTotal, Position, ReferenceAvailability, SkuAvailability
from ordersync.db.ledger_tx import ITEMS, POSITIONS, TOTALS
from ordersync.domain.errors import UnknownReference, UnknownSku
from ordersync.domain.stock import Stock


def _positions_of(connection: Connection, skus: list[str]) -> dict[str, list[Position]]:
    by_sku: dict[str, list[Position]] = defaultdict(list)
    rows = connection.execute(
        select(POSITIONS)
        .where(POSITIONS.c.sku.in_(skus))
        .order_by(POSITIONS.c.sku, POSITIONS.c.location)
    )
    for row in rows:
        stock = Stock(row.on_hand, row.reserved, row.safety_stock)
        by_sku[row.sku].append(
            Position(
                sku=row.sku,
                location=row.location,
                on_hand=row.on_hand,
                reserved=row.reserved,
                safety_stock=row.safety_stock,
                available=stock.available,
                suspect=bool(row.suspect),
                seq=row.seq,
                updated_at=row.updated_at,
            )
        )
    return by_sku


def _totals_of(connection: Connection, skus: list[str]) -> dict[str, NetworkTotal]:
    rows = connection.execute(select(TOTALS).where(TOTALS.c.sku.in_(skus)))
    return {
        row.sku: NetworkTotal(
            sku=row.sku, on_hand=row.on_hand, reserved=row.reserved, available=row.available
        )
        for row in rows
    }


def _assemble(skus: list[str], connection: Connection) -> list[SkuAvailability]:
    positions = _positions_of(connection, skus)
    totals = _totals_of(connection, skus)
    return [
        SkuAvailability(
            sku=sku,
            total=totals.get(sku, NetworkTotal(sku=sku, on_hand=0, reserved=0, available=0)),
            locations=positions.get(sku, []),
        )
        for sku in skus
    ]


def sku_availability(connection: Connection, sku: str) -> SkuAvailability:
    if connection.execute(select(ITEMS.c.sku).where(ITEMS.c.sku == sku)).first() is None:
        raise UnknownSku(f"no SKU {sku!r} in the catalog", sku=sku)
    return _assemble([sku], connection)[0]


def reference_availability(connection: Connection, reference: str) -> ReferenceAvailability:
    skus = list(
        connection.execute(
            select(ITEMS.c.sku).where(ITEMS.c.reference == reference).order_by(ITEMS.c.sku)
        ).scalars()
    )
    if not skus:
        raise UnknownReference(f"no reference {reference!r} in the catalog", reference=reference)
    per_sku = _assemble(skus, connection)
    return ReferenceAvailability(
        reference=reference,
        total=NetworkTotal(
            sku="*",
            on_hand=sum(s.total.on_hand for s in per_sku),
            reserved=sum(s.total.reserved for s in per_sku),
            available=sum(s.total.available for s in per_sku),
        ),
        skus=per_sku,
    )
