"""Replenishment suggestions at a location: order up to a level covering lead time, review
period and safety stock, less what is already on its way (see ``domain.analytics.replenishment``).
Only positions with something to order are listed, by SKU.

What is on its way to the location is read in two indexed steps: its ``incoming`` rows (on order
and in transit, ``ix_incoming_location_sku``) and the lines of the transfers requested to it and
not yet sent (``ix_transfers_to_state``, then the lines' primary key). At a warehouse, the sales
rate counts the units it sent to other locations: its shelves feed the stores'.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, func, or_, select

from ordersync.contract import (
    LocationKind,
    ReplenishmentReport,
    ReplenishmentRow,
    TransferState,
)
from ordersync.db.ledger_tx import table_of
from ordersync.db.motion_tables import IncomingRow, TransferLineRow, TransferRow
from ordersync.domain.analytics.demand import rounded
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.domain.analytics.replenishment import NOTHING_COMING, Coming, plan_replenishment
from ordersync.services.reports.windows import location_window

INCOMING = table_of(IncomingRow)
TRANSFERS = table_of(TransferRow)
TRANSFER_LINES = table_of(TransferLineRow)


def coming_to(connection: Connection, location: str) -> dict[str, Coming]:
    """Per SKU, the units on order, in transit and requested to ``location``."""
    on_order: dict[str, int] = defaultdict(int)
    in_transit: dict[str, int] = defaultdict(int)
    requested: dict[str, int] = defaultdict(int)
    incoming = connection.execute(
        select(INCOMING.c.sku, INCOMING.c.on_order, INCOMING.c.in_transit).where(
            INCOMING.c.location == location,
            or_(INCOMING.c.on_order != 0, INCOMING.c.in_transit != 0),
        )
    )
    for sku, ordered, travelling in incoming:
        on_order[sku] += int(ordered)
        in_transit[sku] += int(travelling)
    asked = connection.execute(
        select(TRANSFER_LINES.c.sku, func.sum(TRANSFER_LINES.c.requested_qty))
        .select_from(TRANSFERS.join(TRANSFER_LINES, TRANSFER_LINES.c.transfer_id == TRANSFERS.c.id))
        .where(
            TRANSFERS.c.to_location == location,
            TRANSFERS.c.state == TransferState.REQUESTED.value,
        )
        .group_by(TRANSFER_LINES.c.sku)
    )
    for sku, units in asked:
        requested[sku] += int(units or 0)
    return {
        sku: Coming(on_order[sku], in_transit[sku], requested[sku])
        for sku in sorted({*on_order, *in_transit, *requested})
    }


def replenishment_report(
    connection: Connection,
    now: datetime,
    *,
    location: str,
    policy: ReportPolicy | None = None,
    limit: int = 1000,
) -> ReplenishmentReport:
    chosen = policy or ReportPolicy()
    window = location_window(connection, location, now, chosen.rate_days, warehouse_shipments=True)
    coming = coming_to(connection, location)
    rows = []
    for item in window.positions:
        position = item.position
        on_way = coming.get(position.article.sku, NOTHING_COMING)
        # Units set aside are on the shelf but will never be sold: they do not cover demand.
        on_sale = position.on_hand - position.unavailable
        plan = plan_replenishment(item.summary, on_sale, position.reserved, chosen, on_way)
        if plan.suggested_qty <= 0:
            continue
        rows.append(
            ReplenishmentRow(
                sku=position.article.sku,
                name=position.article.name,
                location=location,
                daily_rate=rounded(plan.daily_rate.per_day),
                lead_time_days=chosen.lead_time_days,
                review_days=chosen.review_days,
                safety_units=plan.safety_units,
                order_up_to=plan.order_up_to,
                on_hand=position.on_hand,
                reserved=position.reserved,
                on_order=on_way.on_order,
                in_transit=on_way.in_transit,
                requested=on_way.requested,
                suggested_qty=plan.suggested_qty,
            )
        )
        if len(rows) >= limit:
            break
    return ReplenishmentReport(
        location=location,
        as_of=window.today,
        rows=rows,
        demand_includes_shipments=window.place.kind == LocationKind.WAREHOUSE,
    )
