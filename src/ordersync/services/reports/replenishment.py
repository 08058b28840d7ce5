"""Replenishment suggestions at a location: order up to a level covering lead time, review
period and safety stock (see ``domain.analytics.replenishment``). Only positions with something
to order are listed, by SKU."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from ordersync.contract import ReplenishmentReport, ReplenishmentRow
from ordersync.domain.analytics.demand import rounded
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.domain.analytics.replenishment import plan_replenishment
from ordersync.services.reports.windows import location_window


def replenishment_report(
    connection: Connection,
    now: datetime,
    *,
    location: str,
    policy: ReportPolicy | None = None,
    limit: int = 1000,
) -> ReplenishmentReport:
    chosen = policy or ReportPolicy()
    window = location_window(connection, location, now, chosen.rate_days)
    rows = []
    for item in window.positions:
        position = item.position
        plan = plan_replenishment(item.summary, position.on_hand, position.reserved, chosen)
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
                suggested_qty=plan.suggested_qty,
            )
        )
        if len(rows) >= limit:
            break
    return ReplenishmentReport(location=location, as_of=window.today, rows=rows)
