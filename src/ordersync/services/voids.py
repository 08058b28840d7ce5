"""Voided counter sales: a sale taken back as if it never happened (stock, the day's history and
the demand figures), posted as movements that reverse the sale's and are dated when it happened.
"""

from __future__ import annotations

from typing import Any

from ordersync.contract import SaleVoid
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal


def void_sale(tx: LedgerTx, principal: Principal, command: SaleVoid) -> dict[str, Any]:
    raise NotImplementedError
