"""The status line staff always see: store, online or not, age of the network view, queue sizes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from storeapp.cache import outbox
from storeapp.cache.state import LAST_CONTACT, LAST_ERROR, LAST_FEED_AT, parse_time, read_state
from storeapp.clock import Now

ONLINE_GRACE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class StoreStatus:
    location: str
    location_name: str
    online: bool
    view_age: timedelta | None
    """How old the network view is (None: never synced)."""
    waiting: int
    attention: int
    last_error: str | None
    last_contact: datetime | None


class StatusService:
    def __init__(self, engine: Engine, location: str, now: Now) -> None:
        self._engine = engine
        self._location = location
        self._now = now

    def status(self) -> StoreStatus:
        now = self._now()
        with self._engine.connect() as connection:
            waiting, attention = outbox.counts(connection)
            last_contact = parse_time(read_state(connection, LAST_CONTACT))
            last_feed = parse_time(read_state(connection, LAST_FEED_AT))
            last_error = read_state(connection, LAST_ERROR)
            name_row = connection.execute(
                text("SELECT name FROM locations WHERE code = :code"), {"code": self._location}
            ).first()
        online = (
            last_error is None and last_contact is not None and now - last_contact <= ONLINE_GRACE
        )
        return StoreStatus(
            location=self._location,
            location_name=str(name_row[0]) if name_row else self._location,
            online=online,
            view_age=None if last_feed is None else max(now - last_feed, timedelta(0)),
            waiting=waiting,
            attention=attention,
            last_error=last_error,
            last_contact=last_contact,
        )
