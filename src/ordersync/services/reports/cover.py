"""Days of cover of every position at a location, and the stock-out risk list.

The sales rate is taken over the policy's ``rate_days`` complete days before today, on in-stock
days; cover counts the units a customer can still buy (on hand less reserved). The risk list
holds the positions whose stock runs out before the next replenishment (see
``domain.analytics.cover``), what the risk costs first (rate x price x days out), then soonest.
Overdrawn positions (less than nothing available) show 0 available and are flagged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from ordersync.contract import CoverReport, CoverRow
from ordersync.domain.analytics.cover import Cover, assess_cover, value_at_risk_minor
from ordersync.domain.analytics.demand import Rate, daily_rate, rounded
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.services.reports.windows import PositionWindow, location_window

Assessed = tuple[PositionWindow, Rate, Cover]


def _order(item: Assessed) -> tuple[object, ...]:
    window, _, cover = item
    return (
        cover.stockout_by is None,
        cover.stockout_by,
        cover.days is None,
        cover.days if cover.days is not None else 0,
        window.position.article.sku,
    )


def _at_stake(item: Assessed) -> int:
    window, rate, cover = item
    return value_at_risk_minor(cover, rate, window.position.article.price_minor)


def _risk_order(item: Assessed) -> tuple[object, ...]:
    """What the risk costs first, so the first rows are the ones worth acting on."""
    return (-_at_stake(item), *_order(item))


def _row(item: Assessed) -> CoverRow:
    window, rate, cover = item
    position = window.position
    return CoverRow(
        sku=position.article.sku,
        reference=position.article.reference,
        name=position.article.name,
        size=position.article.size,
        location=position.location,
        on_hand=position.on_hand,
        # Less than nothing to sell is none to sell; the flag says the record needs a look.
        available=max(position.available, 0),
        overdrawn=position.available < 0,
        daily_rate=rounded(rate.per_day),
        days_of_cover=cover.days_rounded,
        next_replenishment=cover.next_replenishment,
        stockout_by=cover.stockout_by,
        at_risk=cover.at_risk,
        value_at_risk_minor=_at_stake(item),
        currency=position.article.currency,
    )


def cover_report(
    connection: Connection,
    now: datetime,
    *,
    location: str,
    policy: ReportPolicy | None = None,
    at_risk_only: bool = False,
    limit: int = 500,
) -> CoverReport:
    """Positions at risk first (soonest empty first), then the shortest cover, then those that
    do not sell, by SKU; ``limit`` rows."""
    chosen = policy or ReportPolicy()
    window = location_window(connection, location, now, chosen.rate_days)

    def assess(item: PositionWindow) -> Assessed:
        rate = daily_rate(item.summary)
        return item, rate, assess_cover(window.today, item.position.sellable, rate, chosen)

    assessed = [assess(item) for item in window.positions]
    if at_risk_only:
        assessed = [item for item in assessed if item[2].at_risk]
    assessed.sort(key=_risk_order if at_risk_only else _order)
    selling = [item for item in assessed if item[2].days is not None]
    room = limit - len(selling)
    if room > 0 and not at_risk_only:
        # Positions without movements in the window sell nothing: they sort after every
        # position with a cover, by SKU, so only the first few are read.
        still = [assess(item) for item in window.still(connection, limit=room)]
        idle = [item for item in assessed if item[2].days is None]
        selling.extend(sorted(idle + still, key=_order)[:room])
    return CoverReport(
        location=location,
        as_of=window.today,
        rate_days=chosen.rate_days,
        rows=[_row(item) for item in selling[:limit]],
    )


def stockout_risk_report(
    connection: Connection,
    now: datetime,
    *,
    location: str,
    policy: ReportPolicy | None = None,
    limit: int = 500,
) -> CoverReport:
    """The positions of ``location`` that run out before their next replenishment, the costliest
    risk first."""
    return cover_report(
        connection, now, location=location, policy=policy, at_risk_only=True, limit=limit
    )
