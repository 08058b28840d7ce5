"""Where a job's parcel goes when the customer gets it at home: the order's delivery address and
the customer's name, which the store that ships it prints on the carrier label.

Only a ship job straight to the customer carries it: a collection is handed over at the counter,
and a parcel to the store where the customer collects it is addressed to that store.
"""

from __future__ import annotations

import json

from ordersync.contract import DeliveryKind, JobKind, ShipTo
from ordersync.db.ledger_tx import LedgerTx


def ship_to(tx: LedgerTx, order_id: str, kind: str, destination: str | None) -> ShipTo | None:
    """The recipient of the job's parcel, or None when it does not go to the customer's home."""
    if kind != JobKind.SHIP or destination is not None:
        return None
    row = tx.sql.first("SELECT customer, delivery FROM orders WHERE id = :id", {"id": order_id})
    if row is None:
        return None
    customer, delivery = json.loads(row[0]), json.loads(row[1])
    if delivery.get("kind") != DeliveryKind.HOME:
        return None
    return ShipTo(
        name=str(customer.get("name", "")),
        address=delivery.get("address"),
        postal_code=delivery.get("postal_code"),
        city=delivery.get("city"),
        country=str(delivery.get("country") or "FR"),
    )
