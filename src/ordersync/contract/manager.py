"""The manager's day: device heartbeats and health, the store's queue of open jobs, the lines it
rejected and the orders it saved, and the one rule that turns a job into a row of that queue.

The ledger's day queue and a store terminal's offline view build their rows with the same
``queue_job`` and sort them with the same ``in_queue_order``: ages and minutes to due in whole
minutes rounded down, late ones first, then the soonest due. Deliveries and transfers are sorted
by ``deliveries_in_order``, ``requests_in_order`` and ``arrivals_in_order`` on both sides too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import Field, StringConstraints

from ordersync.contract.types import EventTime, Reply, Strict
from ordersync.contract.vocabulary import JobStateName, is_late


class DeviceHeartbeat(Strict):
    """A store device telling the ledger it is alive and what waits on it."""

    pending_ops: Annotated[int, Field(ge=0, le=10_000_000)]
    """Operations in its outbox not yet acknowledged by the ledger."""
    needs_attention: Annotated[int, Field(ge=0, le=10_000_000)]
    """Operations the ledger refused that a person must look at."""
    oldest_pending_at: EventTime | None = None
    app_version: Annotated[str, StringConstraints(max_length=32)] = ""


class DeviceHealth(Reply):
    device: str
    role: str
    last_seen_at: datetime
    minutes_since_seen: int
    pending_ops: int
    needs_attention: int
    oldest_pending_at: datetime | None


class QueueJob(Reply):
    """An open job as the day's queue shows it: its age against the service level."""

    id: uuid.UUID
    order_id: uuid.UUID
    kind: str
    """A ``JobKind`` value."""
    state: JobStateName
    customer_name: str
    lines: int
    units: int
    created_at: datetime
    due_at: datetime
    age_minutes: int
    minutes_to_due: int
    """Negative once the job is late."""
    late: bool


class QueueRejection(Reply):
    """A line this store could not send today, and why."""

    job_id: uuid.UUID
    order_id: uuid.UUID
    sku: str
    name: str
    qty: int
    reason: str
    """A ``RejectReason`` value."""
    rejected_at: datetime


class StoreOrderSaved(Reply):
    """An order placed in this store today: a sale saved although the shelf was empty."""

    order_id: uuid.UUID
    created_at: datetime
    state: str
    """An ``OrderState`` value."""
    units: int
    value_minor: int
    currency: str


class QueueDelivery(Reply):
    """A delivery expected at the store today (its window touches the day), or overdue and not
    received: what the receiving staff should be ready for."""

    id: uuid.UUID
    reference: str
    kind: str
    """An ``InboundKind`` value."""
    source_kind: str
    """A ``SourceKind`` value."""
    source: str
    expected_from: datetime
    expected_until: datetime
    lines: int
    units: int
    late: bool
    """The window has passed and it is not received."""


class QueueTransfer(Reply):
    """A transfer the store has to send (requested from it) or to receive (sent to it)."""

    id: uuid.UUID
    from_location: str
    to_location: str
    state: str
    """A ``TransferState`` value."""
    origin: str
    """A ``TransferOrigin`` value."""
    requested_at: datetime
    sent_at: datetime | None = None
    expected_at: datetime | None = None
    """When the units should arrive (set when sent)."""
    lines: int
    units: int
    """Requested units for a transfer to send, sent units for one to receive."""
    late: bool
    """To receive: its expected arrival has passed."""


class DayQueue(Reply):
    """What a store's day holds, in the store's own calendar day."""

    location: str
    timezone: str
    day: date
    generated_at: datetime
    jobs_by_state: dict[str, int]
    open_jobs: list[QueueJob]
    """Jobs still to work on, late ones first, then by how soon they are due."""
    late_jobs: int
    rejections: list[QueueRejection]
    collections_waiting: list[QueueJob]
    """Parcels and orders ready for customers to collect here."""
    store_orders: list[StoreOrderSaved]
    store_orders_value_minor: int
    currency: str
    devices: list[DeviceHealth]
    open_count_tasks: int
    suspect_positions: int
    deliveries_expected: list[QueueDelivery] = []
    """Deliveries due today or overdue, late ones first, then by window."""
    transfers_to_send: list[QueueTransfer] = []
    """Transfers requested from this store, oldest request first."""
    transfers_to_receive: list[QueueTransfer] = []
    """Transfers sent to this store, late ones first, then by expected arrival."""


# --- One job of the queue --------------------------------------------------------------------


def whole_minutes(span: timedelta) -> int:
    """Minutes in ``span``, rounded down: 30 seconds past a due time is already -1."""
    return int(span.total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class JobFacts:
    """An open job as its reader holds it: the ledger's tables, or a store's cache."""

    id: str
    order_id: str
    kind: str
    """A ``JobKind`` value."""
    state: str
    customer_name: str
    lines: int
    units: int
    created_at: datetime
    due_at: datetime
    reported_late: bool = False
    """The ledger's last word on lateness, for a reader whose clock may run behind it."""


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
        late=is_late(job.state, job.due_at, now, reported_late=job.reported_late),
    )


def in_queue_order(jobs: Iterable[QueueJob]) -> list[QueueJob]:
    """Late jobs first, then the soonest due, then the oldest."""
    return sorted(jobs, key=lambda j: (not j.late, j.due_at, j.created_at, str(j.id)))


# --- Deliveries and transfers of the queue ---------------------------------------------------


def deliveries_in_order(deliveries: Iterable[QueueDelivery]) -> list[QueueDelivery]:
    """Late deliveries first, then by window."""
    return sorted(
        deliveries, key=lambda d: (not d.late, d.expected_from, d.expected_until, str(d.id))
    )


def requests_in_order(transfers: Iterable[QueueTransfer]) -> list[QueueTransfer]:
    """Transfers to send: the oldest request first."""
    return sorted(transfers, key=lambda t: (t.requested_at, str(t.id)))


def arrivals_in_order(transfers: Iterable[QueueTransfer]) -> list[QueueTransfer]:
    """Transfers to receive: late ones first, then by expected arrival."""
    return sorted(
        transfers,
        key=lambda t: (not t.late, t.expected_at or t.requested_at, t.requested_at, str(t.id)),
    )
