"""A drop-ship supplier's statement of its own stock, posted as reconciliation movements.

The supplier (with its own ``supplier`` token, or an admin) says how many units of each SKU it
holds now; the ledger posts the difference against its record as one reconciliation movement per
SKU that changed, exactly as the stock import does (``imports.stock_writes``): reserved units are
never touched, so units already routed to the supplier stay held, and the change feed and the
position days follow. A ``complete`` statement is a full snapshot: every SKU the supplier holds
and does not name goes to zero. Nothing else changes stock at a supplier but its shipments.
"""

from __future__ import annotations

from typing import Any

from ordersync.contract import SupplierStock, SupplierStockResult
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Action, Principal
from ordersync.imports.stock_writes import Target, post_reconciliations, read_positions
from ordersync.services.drop_ship import require_supplier_location
from ordersync.services.stock_checks import KnownEntities


def state_supplier_stock(
    tx: LedgerTx, principal: Principal, code: str, command: SupplierStock
) -> dict[str, Any]:
    """Bring the supplier ``code``'s positions to the counts of ``command``."""
    principal.require(Action.SUPPLY_STOCK, code)
    require_supplier_location(tx.sql, code)
    known = KnownEntities(tx)
    for line in command.lines:
        known.sku(line.sku)
    tx.lock_for_decision()
    counts = {line.sku: line.on_hand for line in command.lines}
    if command.complete:
        for (sku,) in tx.sql.all(
            "SELECT sku FROM positions WHERE location = :code AND on_hand <> 0 ORDER BY sku",
            {"code": code},
        ):
            counts.setdefault(str(sku), 0)
    held = read_positions(tx, code, sorted(counts)) if counts else {}
    targets = [Target(sku, code, held.get(sku), on_hand) for sku, on_hand in counts.items()]
    reason = "supplier's stock, complete" if command.complete else "supplier's stock"
    changed = post_reconciliations(tx, str(command.op_id), reason, targets, principal)
    return SupplierStockResult(location=code, lines=len(counts), changed=changed).model_dump(
        mode="json"
    )
