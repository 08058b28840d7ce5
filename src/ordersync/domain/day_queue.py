"""A store's day: its window in UTC, and the health of its devices.

The day is the store's own calendar day in its time zone, so a job created at 23:30 in Paris
belongs to that Paris day, and a day of a daylight-saving change lasts 23 or 25 hours. The rows of
the day's queue and their order are the contract's (``queue_job``, ``in_queue_order``), shared
with the store's offline view.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ordersync.contract import DeviceHealth, whole_minutes


def day_window(day: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants at which ``day`` starts and the next day starts, in time zone ``zone``."""
    tz = ZoneInfo(zone)

    def midnight(of: date) -> datetime:
        # A midnight skipped by a clock change resolves to the first instant of the day.
        return datetime.combine(of, time(0), tzinfo=tz).astimezone(UTC)

    return midnight(day), midnight(day + timedelta(days=1))


def device_health(
    device: str,
    role: str,
    last_seen_at: datetime,
    pending_ops: int,
    needs_attention: int,
    oldest_pending_at: datetime | None,
    now: datetime,
) -> DeviceHealth:
    return DeviceHealth(
        device=device,
        role=role,
        last_seen_at=last_seen_at,
        minutes_since_seen=max(whole_minutes(now - last_seen_at), 0),
        pending_ops=pending_ops,
        needs_attention=needs_attention,
        oldest_pending_at=oldest_pending_at,
    )
