"""Sales trend of a reference: units sold per day, per size and location, and the recent change.

Days are complete days before today (today has not finished selling): the last ``days`` of
them. Every position of the reference in scope has a row, those that sold nothing included.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from ordersync.contract import SalesTrend, TrendRow
from ordersync.contract.report_windows import SALES_TREND_WINDOW, TREND_RECENT_WINDOW
from ordersync.domain.analytics.trend import (
    check_recent_days,
    daily_series,
    recent_change,
    series_start,
)
from ordersync.services.reports.reads import articles_of, days_of, positions_of
from ordersync.services.reports.scope import today_at


def sales_trend(
    connection: Connection,
    now: datetime,
    *,
    reference: str,
    location: str | None = None,
    days: int = SALES_TREND_WINDOW.default,
    recent_days: int = TREND_RECENT_WINDOW.default,
) -> SalesTrend:
    """The trend of ``reference`` at ``location``, or at every location when None."""
    check_recent_days(days, recent_days)
    articles = articles_of(connection, reference)
    end = today_at(connection, now, location) - timedelta(days=1)
    start = series_start(end, days)
    skus = [article.sku for article in articles]
    positions = positions_of(connection, articles, location)
    rows = days_of(connection, skus, start, end, location)
    trend_rows = []
    for position in sorted(positions, key=lambda p: (p.article.sku, p.location)):
        series = daily_series(start, end, rows.get(position.key, []))
        change = recent_change(series, recent_days)
        # Built from our own whole numbers; a network-wide trend has a row per store and size,
        # and validating each one again would cost more than computing it.
        trend_rows.append(
            TrendRow.model_construct(
                sku=position.article.sku,
                size=position.article.size,
                location=position.location,
                colour=position.article.colour,
                series=series,
                total=sum(series),
                recent_units=change.recent,
                previous_units=change.previous,
                change_pct=change.change_pct,
            )
        )
    total = daily_series(start, end, [row for found in rows.values() for row in found])
    return SalesTrend(
        reference=reference,
        name=articles[0].name,
        start=start,
        end=end,
        recent_days=recent_days,
        series=total,
        rows=trend_rows,
    )
