"""Units set aside by disposition (damaged, on display, in quarantine) and put back on sale, and
the manager's write-off of units set aside."""

from __future__ import annotations

from typing import Any

from ordersync.contract import DispositionMove, WriteOff
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal


def move_disposition(
    tx: LedgerTx, principal: Principal, command: DispositionMove
) -> dict[str, Any]:
    raise NotImplementedError


def write_off(tx: LedgerTx, principal: Principal, command: WriteOff) -> dict[str, Any]:
    raise NotImplementedError
