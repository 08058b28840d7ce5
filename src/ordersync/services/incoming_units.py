"""Units on their way as future stock sees them: per document and SKU, what is not yet promised
to an order line, and the holds (``future_holds``) that promise it.

A hold adds to the ``promised`` units of its position's ``incoming`` row in the same transaction,
so ``ordersync check`` finds ``promised`` equal to the open holds.
"""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from ordersync.contract import HoldState
from ordersync.db.arrivals import open_arrivals
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.future_stock import FuturePlan, IncomingSource, IncomingUnits


def free_incoming(
    tx: LedgerTx, skus: list[str], skip_documents: frozenset[str] = frozenset()
) -> list[IncomingUnits]:
    """Per document and SKU, the units on their way not yet promised to an order line."""
    arrivals = [a for a in open_arrivals(tx.sql, skus) if str(a.document_id) not in skip_documents]
    if not arrivals:
        return []
    places = {
        code: (kind, zone)
        for code, kind, zone in tx.sql.all("SELECT code, kind, timezone FROM locations")
    }
    marks = ",".join(f":s{i}" for i in range(len(skus)))
    params = {f"s{i}": sku for i, sku in enumerate(skus)}
    held = {
        (kind, document, sku): int(qty)
        for kind, document, sku, qty in tx.sql.all(
            "SELECT document_kind, document_id, sku, SUM(qty) FROM future_holds "
            f"WHERE state = :open AND sku IN ({marks}) "
            "GROUP BY document_kind, document_id, sku",
            {**params, "open": HoldState.OPEN.value},
        )
    }
    from_suppliers = {
        document
        for (document,) in tx.sql.all(
            "SELECT DISTINCT d.id FROM deliveries d JOIN delivery_lines l ON l.delivery_id = d.id "
            f"WHERE d.state = 'expected' AND d.source_kind = 'supplier' AND l.sku IN ({marks})",
            params,
        )
    }
    units: dict[tuple[str, str, str], IncomingUnits] = {}
    for arrival in arrivals:
        key = (arrival.document_kind.value, str(arrival.document_id), arrival.sku)
        found = units.get(key)
        if found is not None:  # two lines of one SKU on one document
            units[key] = replace(found, free=found.free + arrival.qty)
            continue
        source_place = places.get(arrival.source)
        if key[1] in from_suppliers or source_place is None:
            source_kind = IncomingSource.SUPPLIER
        elif source_place[0] == "warehouse":
            source_kind = IncomingSource.WAREHOUSE
        else:
            source_kind = IncomingSource.STORE
        zone = places.get(arrival.location, ("", "UTC"))[1]
        units[key] = IncomingUnits(
            document_kind=arrival.document_kind,
            document_id=key[1],
            location=arrival.location,
            sku=arrival.sku,
            free=arrival.qty,
            source=arrival.source,
            source_kind=source_kind,
            expected_until=arrival.expected_until,
            expected_day=arrival.expected_until.astimezone(ZoneInfo(zone)).date(),
        )
    return [
        replace(u, free=u.free - held.get(key, 0))
        for key, u in units.items()
        if u.free - held.get(key, 0) > 0
    ]


def hold_incoming(tx: LedgerTx, order_id: str, plans: list[FuturePlan]) -> None:
    """Hold the planned incoming units for the order's lines (the position's ``promised``)."""
    for plan in plans:
        units = plan.units
        tx.sql.execute(
            "INSERT INTO future_holds (order_id, order_line_no, sku, location, qty, "
            "document_kind, document_id, expected_at, state, created_at) VALUES (:order_id, "
            ":line_no, :sku, :location, :qty, :kind, :document_id, :expected_at, :state, :now)",
            {
                "order_id": order_id,
                "line_no": plan.line.line_no,
                "sku": units.sku,
                "location": units.location,
                "qty": plan.line.qty,
                "kind": units.document_kind.value,
                "document_id": units.document_id,
                "expected_at": tx.sql.time(units.expected_until),
                "state": HoldState.OPEN.value,
                "now": tx.sql.time(tx.now),
            },
        )
        tx.change_incoming(units.sku, units.location, promised=plan.line.qty)
