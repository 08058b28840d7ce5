"""Rebalancing suggestions for one reference across the network's stores.

The work is bounded by the reference: its SKUs' positions at every location (primary key, sku
first), their rows over the policy's ``rate_days`` (one key range per position) and their close
before the window. Warehouses neither give nor take: they replenish. See
``domain.analytics.rebalancing`` for the rules.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Connection

from ordersync.contract import LocationKind, RebalancingReport, TransferSuggestion
from ordersync.domain.analytics.demand import daily_rate
from ordersync.domain.analytics.history import local_today, window_before
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.domain.analytics.rebalancing import Holding, suggest_transfers
from ordersync.services.reports.reads import (
    all_places,
    articles_of,
    days_of,
    openings_of,
    summary_of,
)
from ordersync.services.reports.scope import network_zone


def _days(cover: float | None) -> float | None:
    return None if cover is None else round(cover, 1)


def rebalancing_report(
    connection: Connection,
    now: datetime,
    *,
    reference: str,
    policy: ReportPolicy | None = None,
    involving: str | None = None,
    limit: int = 100,
) -> RebalancingReport:
    """Transfers of ``reference`` between stores; only those from or to ``involving`` if given."""
    chosen = policy or ReportPolicy()
    articles = articles_of(connection, reference)
    by_sku = {article.sku: article for article in articles}
    places = all_places(connection)
    stores = {code for code, place in places.items() if place.kind == LocationKind.STORE}
    today = local_today(now, network_zone(places.values()))
    start, end = window_before(today, chosen.rate_days)
    skus = list(by_sku)
    rows = days_of(connection, skus, start, today)
    holdings = []
    for position, opening in openings_of(connection, articles, start):
        if position.location not in stores:
            continue
        summary = summary_of(position, rows, opening, start, end)
        holdings.append(
            Holding(
                sku=position.article.sku,
                colour=position.article.colour,
                location=position.location,
                units=position.sellable,
                rate=daily_rate(summary),
                sold=summary.sold,
            )
        )
    sizes = Counter(article.colour for article in articles)
    transfers = suggest_transfers(holdings, dict(sizes), chosen)
    if involving is not None:
        transfers = [t for t in transfers if involving in (t.from_location, t.to_location)]
    return RebalancingReport(
        as_of=today,
        rows=[
            TransferSuggestion(
                sku=t.sku,
                reference=reference,
                name=by_sku[t.sku].name,
                size=by_sku[t.sku].size,
                from_location=t.from_location,
                to_location=t.to_location,
                qty=t.qty,
                reason=t.reason,
                from_days_of_cover=_days(t.from_cover),
                to_days_of_cover=_days(t.to_cover),
            )
            for t in transfers[:limit]
        ],
    )
