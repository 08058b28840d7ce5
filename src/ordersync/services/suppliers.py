"""Suppliers: the codes a delivery may name as its source, kept by the ERP or an admin.

Putting a supplier is idempotent by nature (the same code and name twice leave one row); each put
is audited. A supplier is never deleted: deliveries keep naming it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ordersync.contract import Supplier, SupplierIn
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.raw import RawSql
from ordersync.domain.permissions import Action, Principal


def _supplier(row: tuple[Any, ...]) -> Supplier:
    code, name, updated_at = row
    return Supplier(code=code, name=name, updated_at=RawSql.read_time(updated_at))


def find_supplier(sql: RawSql, code: str) -> Supplier | None:
    row = sql.first(
        "SELECT code, name, updated_at FROM suppliers WHERE code = :code", {"code": code}
    )
    return None if row is None else _supplier(row)


def put_supplier(tx: LedgerTx, principal: Principal, code: str, wanted: SupplierIn) -> Supplier:
    """Create or rename a supplier; audited with its name before and after."""
    principal.require(Action.MANAGE_SUPPLIERS)
    before = find_supplier(tx.sql, code)
    tx.sql.execute(
        "INSERT INTO suppliers (code, name, updated_at) VALUES (:code, :name, :now) "
        "ON CONFLICT (code) DO UPDATE SET name = :name, updated_at = :now",
        {"code": code, "name": wanted.name, "now": tx.sql.time(tx.now)},
    )
    tx.audit_by(
        principal,
        operation="supplier.put",
        location=principal.location,
        detail={
            "code": code,
            "name": wanted.name,
            **({} if before is None else {"name_before": before.name}),
        },
    )
    return Supplier(code=code, name=wanted.name, updated_at=tx.now)


def list_suppliers(connection: Connection, principal: Principal) -> list[Supplier]:
    """Every supplier, by code: any device that reads stock may know who sends it."""
    principal.require(Action.READ_STOCK)
    sql = RawSql(connection)
    return [
        _supplier(row)
        for row in sql.all("SELECT code, name, updated_at FROM suppliers ORDER BY code")
    ]
