"""The stock page: stock-out risk and replenishment across the stores the viewer may see.

Each store's rows come from the ledger's own reports (``STOCKOUT_RISK``, ``REPLENISHMENT``, with
their default policy: the figures the API and the store terminal give), merged and ranked across
the network: the risk by what it costs (value at risk), replenishment by the quantity to order.
The page shows the first ``ROWS_SHOWN`` rows of each table; its CSV download holds them all.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Connection

from ordersync.contract import CoverRow, ReplenishmentRow
from ordersync.services.catalog import all_locations
from ordersync.services.reports.access import REPLENISHMENT, STOCKOUT_RISK
from ordersync.services.reports.kpis import DEFAULT_CURRENCY
from ordersync.web import wording
from ordersync.web.charts import ChartKind, ChartSpec, Series
from ordersync.web.page_data import PageData
from ordersync.web.tables import Column, Table, money_text
from ordersync.web.viewer import Viewer

ROWS_SHOWN = 300
"""Rows of each table on the page: the costliest, or the largest orders (the CSV has all)."""
ROWS_PER_STORE = 500
"""Rows asked of each store's report: the most its reports give."""
STORE_COLUMN, SKU_COLUMN = 0, 1


def _columns(
    headings: tuple[str, ...], numeric: set[int], unbroken: set[int]
) -> tuple[Column, ...]:
    return tuple(
        Column(heading, numeric=i in numeric, unbroken=i in unbroken)
        for i, heading in enumerate(headings)
    )


def _risk_table(rows: list[CoverRow]) -> Table:
    table = Table(
        "stockout-risk",
        wording.RISK_CAPTION,
        # store, SKU, size, both dates and the currency are read as one word each
        _columns(wording.RISK_HEADINGS, {4, 6, 7, 10}, {STORE_COLUMN, SKU_COLUMN, 3, 8, 9, 11}),
        empty_text=wording.NO_RISK,
        shown=ROWS_SHOWN,
        legend=wording.RISK_FLAGGED_LEGEND,
    )
    for row in rows:
        table.add(
            [
                row.location,
                row.sku,
                row.name,
                row.size,
                row.available,
                row.overdrawn,
                row.daily_rate,
                row.days_of_cover,
                row.stockout_by,
                row.next_replenishment,
                money_text(row.value_at_risk_minor),
                row.currency,
            ],
            flagged=row.overdrawn,
        )
    return table


def _replenishment_table(rows: list[ReplenishmentRow]) -> Table:
    table = Table(
        "replenishment",
        wording.REPLENISHMENT_CAPTION,
        _columns(
            wording.REPLENISHMENT_HEADINGS,
            set(range(3, len(wording.REPLENISHMENT_HEADINGS))),
            {STORE_COLUMN, SKU_COLUMN},
        ),
        empty_text=wording.NO_REPLENISHMENT,
        shown=ROWS_SHOWN,
    )
    for row in rows:
        table.add(
            [
                row.location,
                row.sku,
                row.name,
                row.daily_rate,
                row.order_up_to,
                row.on_hand,
                row.reserved,
                row.on_order,
                row.in_transit,
                row.suggested_qty,
            ]
        )
    return table


def _currency(rows: list[CoverRow]) -> str:
    """The catalog's currency as the rows give it (the network prices in one currency)."""
    counted = Counter(row.currency for row in rows)
    return counted.most_common(1)[0][0] if counted else DEFAULT_CURRENCY


def stock_page(connection: Connection, viewer: Viewer, now: datetime) -> PageData:
    page = PageData(wording.TITLE_STOCK)
    stores = viewer.visible_stores(all_locations(connection))
    risk: list[CoverRow] = []
    orders: list[ReplenishmentRow] = []
    at_risk_by_store: dict[str, int] = {}
    for store in stores:
        report = STOCKOUT_RISK(
            connection, viewer.principal, now, location=store.code, limit=ROWS_PER_STORE
        )
        risk.extend(report.rows)
        at_risk_by_store[store.code] = sum(row.value_at_risk_minor for row in report.rows)
        orders.extend(
            REPLENISHMENT(
                connection, viewer.principal, now, location=store.code, limit=ROWS_PER_STORE
            ).rows
        )
    risk.sort(key=lambda row: (-row.value_at_risk_minor, row.location, row.sku))
    orders.sort(key=lambda row: (-row.suggested_qty, row.location, row.sku))
    page.add_table(_risk_table(risk))
    page.add_table(_replenishment_table(orders))
    ranked = sorted(at_risk_by_store.items(), key=lambda item: (-item[1], item[0]))
    axis = wording.RISK_CHART_AXIS.format(currency=_currency(risk))
    page.charts["value-at-risk"] = ChartSpec(
        ChartKind.BARS,
        wording.RISK_CHART_TITLE,
        tuple(code for code, _ in ranked),
        (Series(axis, tuple(value / 100 for _, value in ranked)),),
        axis,
    )
    return page
