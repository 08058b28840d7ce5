"""Return rates: per reference, the units customers brought back over the last complete days,
against the units it sold over the same days, and the reasons they gave.

Units sold are the day history's ``sold_units`` (``position_days``: counter sales and orders that
left, voids already taken off); units returned are the lines of the customer returns recorded in
the window (``customer_return_lines``). A return is never a negative sale: the two are read from
different rows and never netted, so a reference can show more returns than sales (units sold
before the window).

Days are counted as the other reports count them (``scope``): a location's own calendar, or for
the whole network each location's own midnight on the network's dates. Returns are found through
``ix_customer_returns_location_occurred`` (the locations of one time zone, the window's range of
times), their items by primary key; sales only for the references that were returned, through
``items.reference`` and the primary key of ``position_days``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ordersync.contract import ReturnRateReport, ReturnRateRow
from ordersync.contract.report_windows import RETURNS_WINDOW
from ordersync.db.counter_tables import CustomerReturnLineRow, CustomerReturnRow
from ordersync.db.ledger_tx import ITEMS, table_of
from ordersync.domain.analytics.history import local_midnight, local_today, window_before
from ordersync.domain.analytics.kpis import day_bounds
from ordersync.services.reports.reads import POSITION_DAYS, all_places, place_of
from ordersync.services.reports.scope import network_zone

RETURNS = table_of(CustomerReturnRow)
RETURN_LINES = table_of(CustomerReturnLineRow)
RATE_DIGITS = 4
"""A return rate to a hundredth of a percent, as the other reports' rates."""


def return_rate_report(
    connection: Connection,
    now: datetime,
    *,
    location: str | None = None,
    days: int = RETURNS_WINDOW.default,
    limit: int = 500,
) -> ReturnRateReport:
    """Return rates at ``location`` (None: the whole network), most returned units first."""
    places = all_places(connection)
    if location is not None and location not in places:
        place_of(connection, location)  # the unknown-location refusal
    zone = places[location].timezone if location is not None else network_zone(places.values())
    first, last = window_before(local_today(now, zone), days)
    zones: dict[str, list[str]] = defaultdict(list)
    for code, place in places.items():
        if location is None or code == location:
            zones[place.timezone].append(code)
    returned: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[str, str] = {}
    for place_zone, codes in sorted(zones.items()):
        for reference, name, reason, units in _returned(connection, codes, first, last, place_zone):
            returned[reference][reason] += int(units)
            names.setdefault(reference, name)
    ranked = sorted(returned, key=lambda ref: (-sum(returned[ref].values()), ref))[:limit]
    sold = _sold(connection, ranked, first, last, location)
    rows = []
    for reference in ranked:
        reasons = returned[reference]
        units = sum(reasons.values())
        sold_units = sold.get(reference, 0)
        rows.append(
            ReturnRateRow(
                reference=reference,
                name=names[reference],
                sold_units=sold_units,
                returned_units=units,
                return_rate=round(units / sold_units, RATE_DIGITS) if sold_units > 0 else 0.0,
                by_reason=dict(sorted(reasons.items(), key=lambda r: (-r[1], r[0]))),
            )
        )
    return ReturnRateReport(
        location=location, days=days, since=local_midnight(first, zone), rows=rows
    )


def _returned(
    connection: Connection, codes: list[str], first: date, last: date, zone: str
) -> list[Any]:
    """Units returned at ``codes`` from ``first`` to ``last`` (days in ``zone``), per reference
    and reason."""
    low, high = day_bounds(first, last, zone)
    return list(
        connection.execute(
            select(
                ITEMS.c.reference,
                func.min(ITEMS.c.name),
                RETURN_LINES.c.reason,
                func.sum(RETURN_LINES.c.qty),
            )
            .select_from(
                RETURNS.join(RETURN_LINES, RETURN_LINES.c.return_id == RETURNS.c.id).join(
                    ITEMS, ITEMS.c.sku == RETURN_LINES.c.sku
                )
            )
            .where(
                RETURNS.c.location.in_(codes),
                RETURNS.c.occurred_at >= low,
                RETURNS.c.occurred_at < high,
            )
            .group_by(ITEMS.c.reference, RETURN_LINES.c.reason)
        )
    )


def _sold(
    connection: Connection, references: list[str], first: date, last: date, location: str | None
) -> dict[str, int]:
    """Units of ``references`` sold from ``first`` to ``last`` (each location's own days)."""
    if not references:
        return {}
    conditions = [
        ITEMS.c.reference.in_(references),
        POSITION_DAYS.c.day >= first.isoformat(),
        POSITION_DAYS.c.day <= last.isoformat(),
    ]
    if location is not None:
        conditions.append(POSITION_DAYS.c.location == location)
    rows = connection.execute(
        select(ITEMS.c.reference, func.sum(POSITION_DAYS.c.sold_units))
        .select_from(ITEMS.join(POSITION_DAYS, POSITION_DAYS.c.sku == ITEMS.c.sku))
        .where(*conditions)
        .group_by(ITEMS.c.reference)
    )
    return {reference: int(units or 0) for reference, units in rows}
