"""Positions one at a time: reading one, listing a location's suspect ones, setting a safety stock.

Any device reads any position. The suspect list is a report: a manager reads its own location's,
an admin any location's. Setting the safety stock is a manager's operation at its own location
(an admin's anywhere); it creates the position when the SKU was never stocked there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from ordersync.contract import Position, SafetyStockSet
from ordersync.db.ledger_tx import POSITIONS, LedgerTx
from ordersync.domain.errors import NotFound
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.stock import Stock
from ordersync.services.access import readable_location
from ordersync.services.stock_checks import KnownEntities

SUSPECTS_SHOWN = 1000


def _position(row: Row[Any]) -> Position:
    stock = Stock(row.on_hand, row.reserved, row.safety_stock)
    return Position(**{**row._asdict(), "available": stock.available, "suspect": bool(row.suspect)})


def read_position(
    connection: Connection, principal: Principal, sku: str, location: str
) -> Position:
    principal.require(Action.READ_STOCK)
    row = connection.execute(
        POSITIONS.select().where(POSITIONS.c.sku == sku, POSITIONS.c.location == location)
    ).first()
    if row is None:
        raise NotFound(f"no stock record of {sku} at {location}", sku=sku, location=location)
    return _position(row)


def read_suspect_positions(
    connection: Connection, principal: Principal, location: str | None
) -> list[Position]:
    """Positions whose record was proved wrong (a sale below zero) and want a count."""
    scope = readable_location(connection, principal, Action.READ_REPORTS, location)
    rows = connection.execute(
        select(POSITIONS)
        .where(POSITIONS.c.location == scope, POSITIONS.c.suspect.is_(True))
        .order_by(POSITIONS.c.sku)
        .limit(SUSPECTS_SHOWN)
    )
    return [_position(row) for row in rows]


def set_safety_stock(
    tx: LedgerTx, principal: Principal, sku: str, location: str, command: SafetyStockSet
) -> dict[str, Any]:
    principal.require(Action.SET_SAFETY_STOCK, location)
    known = KnownEntities(tx)
    default = known.location(location).default_safety_stock
    known.sku(sku)
    tx.ensure_position(sku, location, default)
    after = tx.set_position_flags(sku, location, safety_stock=command.safety_stock)
    return after.to_contract().model_dump(mode="json")
