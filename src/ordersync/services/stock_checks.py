"""Lookups every write service needs before touching stock: the SKU and location must exist."""

from __future__ import annotations

from typing import Any

from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import UnknownLocation, UnknownSku


class KnownEntities:
    """Remembers, for one operation, which SKUs and locations were already found."""

    def __init__(self, tx: LedgerTx) -> None:
        self._tx = tx
        self._locations: dict[str, Any] = {}
        self._skus: set[str] = set()

    def location(self, code: str) -> Any:
        if code not in self._locations:
            row = self._tx.location_row(code)
            if row is None:
                raise UnknownLocation(f"no location {code!r} in the network", location=code)
            self._locations[code] = row
        return self._locations[code]

    def sku(self, sku: str) -> None:
        if sku not in self._skus:
            if not self._tx.sku_exists(sku):
                raise UnknownSku(f"no SKU {sku!r} in the catalog", sku=sku)
            self._skus.add(sku)
