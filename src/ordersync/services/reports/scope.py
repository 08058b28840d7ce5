"""Which calendar a report counts days in.

A location's report counts days in that location's time zone: its "today" starts at its own
midnight. A network-wide report counts days in the time zone most locations of the network use,
the same for every reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Connection

from ordersync.domain.analytics.history import local_today
from ordersync.services.reports.reads import Place, all_places, place_of


def network_zone(places: Iterable[Place]) -> str:
    zones = Counter(place.timezone for place in places)
    if not zones:
        return "UTC"
    return min(zones, key=lambda zone: (-zones[zone], zone))


def today_at(connection: Connection, now: datetime, location: str | None) -> date:
    """Today's date at ``location`` (which must exist), or in the network's zone for None."""
    if location is None:
        return local_today(now, network_zone(all_places(connection).values()))
    return local_today(now, place_of(connection, location).timezone)
