"""Positions one at a time: reading one, listing a location's suspect ones, setting a safety stock.

Any device reads any position. The suspect list is a report: a manager reads its own location's,
an admin any location's. Setting the safety stock is a manager's operation at its own location
(an admin's anywhere); it creates the position when the SKU was never stocked there.

A position's units set aside are read from ``position_dispositions`` only for the positions that
hold any (``unavailable`` not 0): most hold none, and their reads cost no second query.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Connection, Row, select

from ordersync.contract import Position, SafetyStockSet
from ordersync.db.ledger_tx import POSITIONS, LedgerTx
from ordersync.db.raw import RawSql
from ordersync.domain.errors import NotFound
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.stock import Stock
from ordersync.services.access import readable_location
from ordersync.services.stock_checks import KnownEntities

SUSPECTS_SHOWN = 1000


Dispositions = dict[tuple[str, str], dict[str, int]]
"""Units set aside per disposition, by (sku, location)."""


def dispositions_of(sql: RawSql, skus: Collection[str]) -> Dispositions:
    """The units set aside of every position of ``skus`` that holds any, per disposition in
    the order of their names (as a position read in a write transaction lists them)."""
    if not skus:
        return {}
    marks = ", ".join(f":s{i}" for i in range(len(skus)))
    params = {f"s{i}": sku for i, sku in enumerate(skus)}
    found: Dispositions = {}
    for sku, location, disposition, units in sql.all(
        "SELECT sku, location, disposition, units FROM position_dispositions "
        f"WHERE sku IN ({marks}) AND units <> 0 ORDER BY sku, location, disposition",
        params,
    ):
        found.setdefault((str(sku), str(location)), {})[str(disposition)] = int(units)
    return found


def set_aside_in(connection: Connection, rows: Iterable[Row[Any]]) -> Dispositions:
    """The dispositions of those of ``rows`` (positions) that hold units set aside."""
    skus = {row.sku for row in rows if row.unavailable}
    return dispositions_of(RawSql(connection), skus) if skus else {}


def position_of(row: Row[Any], dispositions: Dispositions) -> Position:
    """A ``positions`` row as the contract shows it, with its units set aside."""
    stock = Stock(row.on_hand, row.reserved, row.safety_stock, row.unavailable)
    return Position(
        sku=row.sku,
        location=row.location,
        on_hand=stock.on_hand,
        reserved=stock.reserved,
        safety_stock=stock.safety_stock,
        available=stock.available,
        suspect=bool(row.suspect),
        seq=row.seq,
        updated_at=row.updated_at,
        unavailable=stock.unavailable,
        dispositions=dispositions.get((row.sku, row.location), {}),
    )


def read_position(
    connection: Connection, principal: Principal, sku: str, location: str
) -> Position:
    principal.require(Action.READ_STOCK)
    row = connection.execute(
        POSITIONS.select().where(POSITIONS.c.sku == sku, POSITIONS.c.location == location)
    ).first()
    if row is None:
        raise NotFound(f"no stock record of {sku} at {location}", sku=sku, location=location)
    return position_of(row, set_aside_in(connection, [row]))


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
    ).all()
    dispositions = set_aside_in(connection, rows)
    return [position_of(row, dispositions) for row in rows]


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
