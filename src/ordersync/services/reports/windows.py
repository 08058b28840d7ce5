"""A location's positions over the complete days before today, with their history summed up.

Positions that moved in the window (or today) come with their rows and the close before the
window: the location's ``position_days`` rows from the window's first day to today (the
location-and-day index), then for each SKU among them its position, its item and one step back
in the primary key of ``position_days``. The positions that did not move held their current stock
all along; they are read only when a report needs them, by SKU and as many as it will show. The
work is proportional to the rows of the window, not to the location's whole catalogue.

Asked ``warehouse_shipments``, a warehouse's rows count its transfers out as demand (see
``domain.analytics.demand.with_shipments``); a store's rows are read as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Connection

from ordersync.contract import LocationKind
from ordersync.domain.analytics.demand import with_shipments
from ordersync.domain.analytics.history import (
    Summary,
    local_today,
    summarize_days,
    window_before,
)
from ordersync.services.reports.reads import (
    Place,
    Stocked,
    days_at,
    moved_at,
    place_of,
    still_positions_at,
    summary_of,
)


class PositionWindow(NamedTuple):
    position: Stocked
    summary: Summary


@dataclass(frozen=True, slots=True)
class LocationWindow:
    place: Place
    today: date
    start: date
    end: date
    positions: list[PositionWindow]
    """The positions that moved from ``start`` to today, by SKU."""

    def still(
        self, connection: Connection, *, empty_only: bool = False, limit: int | None = None
    ) -> list[PositionWindow]:
        """Positions that did not move from ``start`` to today, by SKU."""
        found = still_positions_at(
            connection, self.place.code, self.start, self.today, empty_only=empty_only, limit=limit
        )
        return [
            PositionWindow(position, summarize_days(self.start, self.end, position.on_hand, ()))
            for position in found
        ]


def location_window(
    connection: Connection,
    location: str,
    now: datetime,
    days: int,
    *,
    warehouse_shipments: bool = False,
) -> LocationWindow:
    place = place_of(connection, location)
    today = local_today(now, place.timezone)
    start, end = window_before(today, days)
    rows = days_at(connection, location, start, today)
    if warehouse_shipments and place.kind == LocationKind.WAREHOUSE:
        rows = {key: [with_shipments(row) for row in found] for key, found in rows.items()}
    windows = []
    moved = {sku for sku, _ in rows}
    for position, opening in moved_at(connection, location, moved, start):
        windows.append(PositionWindow(position, summary_of(position, rows, opening, start, end)))
    windows.sort(key=lambda w: w.position.article.sku)
    return LocationWindow(place, today, start, end, windows)
