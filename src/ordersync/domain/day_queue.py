"""A store's day: its window in UTC, and the order its open jobs are worked in.

The day is the store's own calendar day in its time zone, so a job created at 23:30 in Paris
belongs to that Paris day, and a day of a daylight-saving change lasts 23 or 25 hours. Open jobs
come late ones first, then by how soon they are due.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ordersync.contract import DeviceHealth, JobStateName, QueueJob
from ordersync.domain.jobs import JobState, is_late


def day_window(day: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants at which ``day`` starts and the next day starts, in time zone ``zone``."""
    tz = ZoneInfo(zone)

    def midnight(of: date) -> datetime:
        # A midnight skipped by a clock change resolves to the first instant of the day.
        return datetime.combine(of, time(0), tzinfo=tz).astimezone(UTC)

    return midnight(day), midnight(day + timedelta(days=1))


def whole_minutes(span: timedelta) -> int:
    """Minutes in ``span``, rounded down: 30 seconds past a due time is already -1."""
    return int(span.total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class JobFacts:
    """An open job as read from the ledger."""

    id: str
    order_id: str
    kind: str
    state: str
    customer_name: str
    lines: int
    units: int
    created_at: datetime
    due_at: datetime


def queue_job(job: JobFacts, now: datetime) -> QueueJob:
    """The job with its age and the time left before it is due (negative once past)."""
    return QueueJob(
        id=uuid.UUID(job.id),
        order_id=uuid.UUID(job.order_id),
        kind=job.kind,
        state=JobStateName(job.state),
        customer_name=job.customer_name,
        lines=job.lines,
        units=job.units,
        created_at=job.created_at,
        due_at=job.due_at,
        age_minutes=max(whole_minutes(now - job.created_at), 0),
        minutes_to_due=whole_minutes(job.due_at - now),
        late=is_late(JobState(job.state), job.due_at, now),
    )


def in_queue_order(jobs: Iterable[QueueJob]) -> list[QueueJob]:
    """Late jobs first, then the soonest due, then the oldest."""
    return sorted(jobs, key=lambda j: (not j.late, j.due_at, j.created_at, str(j.id)))


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
