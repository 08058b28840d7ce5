"""Units on their way, read from the documents: each open delivery line and each sent transfer
line not yet received, as an arrival at its destination with its window.

The write path (``tx_incoming``) reads the next window of a position here; availability answers
and the store's item screen read the arrivals themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from ordersync.contract import Arrival, DeliveryState, DocumentKind, TransferState
from ordersync.db.raw import RawSql

_ARRIVALS = (
    "SELECT d.destination, l.sku, l.expected_qty, 'delivery', d.id, d.source, "
    "d.expected_from, d.expected_until FROM delivery_lines l "
    "JOIN deliveries d ON d.id = l.delivery_id "
    "WHERE d.state = :expected AND l.sku IN ({skus}){delivery_where} "
    "UNION ALL "
    "SELECT t.to_location, l.sku, l.sent_qty, 'transfer', t.id, t.from_location, "
    "t.expected_at, t.expected_at FROM transfer_lines l "
    "JOIN transfers t ON t.id = l.transfer_id "
    "WHERE t.state = :sent AND l.sent_qty > 0 AND l.sku IN ({skus}){transfer_where} "
    # units set aside that travel (damaged ones back to the warehouse) are not coming for sale
    "AND t.disposition IS NULL"
)


def open_arrivals(sql: RawSql, skus: Sequence[str], location: str | None = None) -> list[Arrival]:
    """Every arrival of ``skus`` (at ``location``, or anywhere), soonest window first."""
    if not skus:
        return []
    marks = ",".join(f":s{i}" for i in range(len(skus)))
    params: dict[str, object] = {f"s{i}": sku for i, sku in enumerate(skus)}
    params["expected"] = DeliveryState.EXPECTED.value
    params["sent"] = TransferState.SENT.value
    delivery_where = transfer_where = ""
    if location is not None:
        params["location"] = location
        delivery_where = " AND d.destination = :location"
        transfer_where = " AND t.to_location = :location"
    rows = sql.all(
        _ARRIVALS.format(skus=marks, delivery_where=delivery_where, transfer_where=transfer_where),
        params,
    )
    arrivals = [
        Arrival(
            location=str(destination),
            sku=str(sku),
            qty=int(qty),
            document_kind=DocumentKind(kind),
            document_id=uuid.UUID(str(document_id)),
            in_transit=kind == DocumentKind.TRANSFER.value,
            source=str(source),
            expected_from=sql.read_time(expected_from),
            expected_until=sql.read_time(expected_until),
        )
        for destination, sku, qty, kind, document_id, source, expected_from, expected_until in rows
    ]
    arrivals.sort(key=lambda a: (a.expected_until, a.expected_from, a.location, a.sku))
    return arrivals
