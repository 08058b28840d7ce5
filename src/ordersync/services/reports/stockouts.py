"""Stock-outs that happened at a location over the last days, and the sales they cost.

Each row is one stock-out (a run of days the shelf was empty all day, days without movements
included); its lost sales are the position's in-stock sales rate over the same window times its
days out, valued at the item's price. Rows are ordered by lost value, largest first.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Connection

from ordersync.contract import StockoutReport, StockoutRow
from ordersync.contract.report_windows import STOCKOUTS_WINDOW
from ordersync.domain.analytics.demand import rounded
from ordersync.domain.analytics.stockouts import Stockout, stockouts
from ordersync.services.reports.windows import PositionWindow, location_window


def stockout_report(
    connection: Connection,
    now: datetime,
    *,
    location: str,
    days: int = STOCKOUTS_WINDOW.default,
    limit: int = 500,
) -> StockoutReport:
    window = location_window(connection, location, now, days)
    # A position that held nothing and did not move all window long was out every day, with no
    # sale to estimate a loss from: those rows sort last, by SKU, so only the first few are read.
    still = window.still(connection, empty_only=True, limit=limit)
    found: list[tuple[int, Stockout, PositionWindow]] = []
    for item in window.positions + still:
        for stockout in stockouts(item.summary, window.end, item.position.on_hand):
            found.append(
                (stockout.lost_value_minor(item.position.article.price_minor), stockout, item)
            )
    currencies = Counter(item.position.article.currency for _, _, item in found)
    currency = min(currencies, key=lambda c: (-currencies[c], c)) if currencies else "EUR"
    found.sort(key=lambda f: (-f[0], -f[1].days_out, f[2].position.article.sku, f[1].first_day))
    return StockoutReport(
        location=location,
        start=window.start,
        end=window.end,
        currency=currency,
        lost_value_minor=sum(
            value for value, _, item in found if item.position.article.currency == currency
        ),
        rows=[_row(location, stockout, item, value) for value, stockout, item in found[:limit]],
    )


def _row(location: str, stockout: Stockout, item: PositionWindow, value: int) -> StockoutRow:
    return StockoutRow(
        sku=item.position.article.sku,
        name=item.position.article.name,
        location=location,
        days_out=stockout.days_out,
        first_day=stockout.first_day,
        last_day=stockout.last_day,
        ongoing=stockout.ongoing,
        daily_rate=rounded(stockout.daily_rate.per_day),
        lost_units=rounded(stockout.lost_units, 2),
        lost_value_minor=value,
    )
