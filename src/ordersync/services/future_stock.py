"""Future stock: order lines promised against incoming units, settled when the units arrive."""

from __future__ import annotations

from collections.abc import Mapping

from ordersync.contract import DocumentKind
from ordersync.db.ledger_tx import LedgerTx
from ordersync.services.routing_policy import PolicyDocument


def settle_arrival(
    tx: LedgerTx,
    document_kind: DocumentKind,
    document_id: str,
    location: str,
    received: Mapping[str, int],
    policy: PolicyDocument,
) -> None:
    """Called once when a delivery or transfer is received (``received``: units per SKU put on
    the shelf at ``location``, already posted) or cancelled (``received`` empty): turns the open
    promises of its units into jobs on the shelf stock, and routes again what it cannot cover."""
    return
