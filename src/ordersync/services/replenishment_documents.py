"""Replenishment suggestions turned into documents, each with one action: a transfer request from
a warehouse, or a purchase order draft for the buyer's ERP.

- ``replenishment_transfer`` runs inside the writer's transaction, as the operation
  ``replenishment_transfer`` of ``services.operations`` (exactly once per ``op_id``): it reads
  the suggestions on that same transaction and hands one transfer request (origin
  ``replenishment``) to ``services.transfers.request_transfer``. A replay answers with the
  stored transfer, even though the suggestions have changed since (the request itself now counts
  as *requested*, so they have).
- ``purchase_order`` is a read: the same suggestions as CSV rows, one per SKU, with what an
  ERP needs to order it (GTIN, name, colour, size, the catalog's unit price and currency).

Both are for the manager of the location and for admins; the permission is checked before
anything is read.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ordersync.contract import (
    LocationKind,
    ReplenishmentReport,
    ReplenishmentTransfer,
    TransferOrigin,
    TransferRequest,
)
from ordersync.contract.motion import DocumentLineIn
from ordersync.contract.types import MAX_BATCH_LINES, MAX_QUANTITY
from ordersync.db.ledger_tx import BARCODES, ITEMS, LOCATIONS, LedgerTx
from ordersync.domain.errors import InvalidRequest, InvalidState, UnknownLocation
from ordersync.domain.permissions import Action, Principal
from ordersync.domain.routing import haversine_km
from ordersync.services.access import readable_location
from ordersync.services.reports.replenishment import replenishment_report
from ordersync.services.routing_policy import PolicyDocument
from ordersync.services.transfers import request_transfer

PURCHASE_ORDER_COLUMNS = (
    "destination",
    "sku",
    "gtin",
    "name",
    "colour",
    "size",
    "qty",
    "unit_price_minor",
    "currency",
)


def _place(connection: Connection, code: str) -> tuple[str, float, float]:
    row = connection.execute(
        select(LOCATIONS.c.kind, LOCATIONS.c.latitude, LOCATIONS.c.longitude).where(
            LOCATIONS.c.code == code
        )
    ).first()
    if row is None:
        raise UnknownLocation(f"no location {code!r} in the network", location=code)
    return str(row.kind), float(row.latitude), float(row.longitude)


def nearest_warehouse(connection: Connection, location: str) -> str:
    """The warehouse closest to ``location`` (other than itself); the first by code on a tie."""
    _, latitude, longitude = _place(connection, location)
    warehouses = connection.execute(
        select(LOCATIONS.c.code, LOCATIONS.c.latitude, LOCATIONS.c.longitude).where(
            LOCATIONS.c.kind == LocationKind.WAREHOUSE.value, LOCATIONS.c.code != location
        )
    ).all()
    if not warehouses:
        raise InvalidState(
            f"there is no warehouse to replenish {location} from: name the source",
            location=location,
        )
    nearest = min(
        warehouses,
        key=lambda w: (haversine_km(latitude, longitude, w.latitude, w.longitude), w.code),
    )
    return str(nearest.code)


def _chosen_lines(report: ReplenishmentReport, skus: list[str] | None) -> list[DocumentLineIn]:
    suggested = {row.sku: row.suggested_qty for row in report.rows}
    wanted = list(dict.fromkeys(skus)) if skus is not None else list(suggested)
    missing = [sku for sku in wanted if sku not in suggested]
    if missing:
        raise InvalidState(
            f"nothing is suggested for {', '.join(missing[:5])} at {report.location}",
            location=report.location,
            not_suggested=missing,
        )
    if not wanted:
        raise InvalidState(
            f"nothing to replenish at {report.location}: what is on hand and on its way "
            "covers every suggestion",
            location=report.location,
        )
    return [DocumentLineIn(sku=sku, qty=min(suggested[sku], MAX_QUANTITY)) for sku in wanted]


def replenishment_transfer(
    tx: LedgerTx,
    principal: Principal,
    location: str,
    command: ReplenishmentTransfer,
    policy: PolicyDocument,
) -> dict[str, Any]:
    """One transfer request to ``location`` of its suggested lines (those of ``command.skus``),
    from ``command.from_location`` or the nearest warehouse; the reply is the transfer."""
    principal.require(Action.REQUEST_TRANSFER, location)
    connection = tx.connection
    _place(connection, location)
    source = command.from_location or nearest_warehouse(connection, location)
    if source == location:
        raise InvalidRequest("a transfer goes from one location to another", from_location=source)
    _place(connection, source)
    # Read inside the writer's transaction, so the lines are those of the stock being written.
    # It holds the writer for as long as the report takes: 31 ms on SQLite, 41 ms on PostgreSQL
    # for a store whose report reads 1,685 rows (BENCHMARKS.md, 200,000 positions).
    report = replenishment_report(connection, tx.now, location=location, limit=MAX_BATCH_LINES)
    request = TransferRequest(
        op_id=command.op_id,
        from_location=source,
        to_location=location,
        lines=_chosen_lines(report, command.skus),
        origin=TransferOrigin.REPLENISHMENT,
    )
    return request_transfer(tx, principal, request, policy)


@dataclass(frozen=True, slots=True)
class PurchaseOrderDraft:
    location: str
    as_of: date
    lines: int
    text: str
    """CSV (RFC 4180: comma, CRLF, quotes where needed), the header row first."""

    @property
    def filename(self) -> str:
        return f"purchase-order-{self.location}-{self.as_of.isoformat()}.csv"


def purchase_order(
    connection: Connection, principal: Principal, now: datetime, location: str
) -> PurchaseOrderDraft:
    """The suggested lines at ``location`` as a purchase order draft."""
    place = readable_location(connection, principal, Action.READ_REPORTS, location)
    report = replenishment_report(connection, now, location=place, limit=MAX_BATCH_LINES)
    skus = [row.sku for row in report.rows]
    items: dict[str, Any] = {}
    gtins: dict[str, str] = {}
    for first in range(0, len(skus), 500):
        chunk = skus[first : first + 500]
        for row in connection.execute(
            select(
                ITEMS.c.sku,
                ITEMS.c.name,
                ITEMS.c.colour,
                ITEMS.c.size,
                ITEMS.c.price_minor,
                ITEMS.c.currency,
            ).where(ITEMS.c.sku.in_(chunk))
        ):
            items[row.sku] = row
        gtins.update(
            (str(sku), str(gtin))
            for sku, gtin in connection.execute(
                select(BARCODES.c.sku, func.min(BARCODES.c.gtin))
                .where(BARCODES.c.sku.in_(chunk))
                .group_by(BARCODES.c.sku)
            )
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PURCHASE_ORDER_COLUMNS)
    for line in report.rows:
        item = items[line.sku]
        writer.writerow(
            (
                place,
                line.sku,
                gtins.get(line.sku, ""),
                item.name,
                item.colour,
                item.size,
                line.suggested_qty,
                int(item.price_minor),
                item.currency,
            )
        )
    return PurchaseOrderDraft(place, report.as_of, len(report.rows), out.getvalue())
