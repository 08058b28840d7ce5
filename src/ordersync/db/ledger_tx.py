"""LedgerTx: one write transaction of the ledger and every statement the services may run in it.

The statements of the write path run as plain SQL on the transaction's cursor (see ``db.raw``);
the rare ones (catalog upserts) use SQLAlchemy Core on the same connection. ``LedgerTx`` is put
together from one part per area, each in its own module with the promises it keeps:

- ``tx_feed``: the connection, each operation's savepoint, and feed positions handed out in
  commit order (a reader of the feed never sees position N+1 while N is still to commit);
- ``tx_positions``: positions (units set aside by disposition included), their network totals
  and the append-only movements;
- ``tx_position_days``: each position's day history, corrected when a movement comes late;
- ``tx_reservations``: holds and the one move out of ``pending``;
- ``tx_outcomes``: stored outcomes of operation ids and the audit log;
- ``tx_incoming``: units on their way to each position, and documents on the feed;
- this module: the catalog facts an operation looks up, cached for the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ordersync.db.tables import (
    AuditRow,
    BarcodeRow,
    ChangeRow,
    FeedCounter,
    IdempotencyRow,
    ItemRow,
    LocationRow,
    MovementRow,
    PositionRow,
    ReservationLineRow,
    ReservationRow,
    SkuTotalRow,
)
from ordersync.db.tx_incoming import IncomingTx
from ordersync.db.tx_outcomes import OutcomesTx
from ordersync.db.tx_positions import PositionsTx
from ordersync.db.tx_reservations import ReservationsTx


def table_of(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


POSITIONS = table_of(PositionRow)
TOTALS = table_of(SkuTotalRow)
MOVEMENTS = table_of(MovementRow)
CHANGES = table_of(ChangeRow)
COUNTER = table_of(FeedCounter)
RESERVATIONS = table_of(ReservationRow)
RESERVATION_LINES = table_of(ReservationLineRow)
IDEMPOTENCY = table_of(IdempotencyRow)
AUDIT = table_of(AuditRow)
ITEMS = table_of(ItemRow)
BARCODES = table_of(BarcodeRow)
LOCATIONS = table_of(LocationRow)


@dataclass(frozen=True, slots=True)
class LocationFacts:
    code: str
    default_safety_stock: int
    timezone: str


class LedgerTx(PositionsTx, ReservationsTx, OutcomesTx, IncomingTx):
    """A write transaction. Services call its methods; only the writer begins and commits it."""

    def __init__(self, connection: Connection, now: datetime) -> None:
        super().__init__(connection, now)
        self._locations: dict[str, LocationFacts] = {}
        self._skus: set[str] = set()

    def rollback_to(self, name: str) -> None:
        super().rollback_to(name)
        # Cached facts may describe rows the savepoint took back (a location upsert).
        self._locations.clear()
        self._skus.clear()

    # --- catalog -----------------------------------------------------------------------------

    def _insert(self, table: Table) -> Any:
        return pg_insert(table) if self.is_postgres else sqlite_insert(table)

    def location_row(self, code: str) -> LocationFacts | None:
        if code not in self._locations:
            row = self.sql.first(
                "SELECT code, default_safety_stock, timezone FROM locations WHERE code = :code",
                {"code": code},
            )
            if row is None:
                return None
            self._locations[code] = LocationFacts(row[0], int(row[1]), row[2])
        return self._locations[code]

    def sku_exists(self, sku: str) -> bool:
        if sku not in self._skus:
            if self.sql.first("SELECT 1 FROM items WHERE sku = :sku", {"sku": sku}) is None:
                return False
            self._skus.add(sku)
        return True

    def upsert_rows(self, table: Table, rows: Sequence[dict[str, Any]], keys: list[str]) -> None:
        if not rows:
            return
        insert = self._insert(table)
        updatable = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
        statement = insert.on_conflict_do_update(index_elements=keys, set_=updatable)
        self.connection.execute(statement, list(rows))
        self._locations.clear()

    def barcodes_of(self, skus: Iterable[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        rows = self.connection.execute(
            select(BARCODES.c.sku, BARCODES.c.gtin).where(BARCODES.c.sku.in_(list(skus)))
        )
        for sku, gtin in rows:
            found.setdefault(sku, set()).add(gtin)
        return found

    def barcode_owners(self, gtins: Iterable[str]) -> dict[str, str]:
        rows = self.connection.execute(
            select(BARCODES.c.gtin, BARCODES.c.sku).where(BARCODES.c.gtin.in_(list(gtins)))
        )
        return {str(gtin): str(sku) for gtin, sku in rows}

    def delete_barcodes(self, gtins: Iterable[str]) -> None:
        self.connection.execute(BARCODES.delete().where(BARCODES.c.gtin.in_(list(gtins))))
