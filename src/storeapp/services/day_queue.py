"""The manager's day: what the store's calendar day holds, in the store's own time zone.

Live, it is the ledger's ``DayQueue``: jobs by state with their age against the service level
(late ones first), lines the store rejected today and why, collections waiting at the counter,
orders placed in store today with the sales they saved, and the health of every device of the
store. When the ledger cannot be reached, a partial view is built from this terminal's cache: the
store's jobs with their ages and late flags (by this device's clock), rejected lines the feed
brought, suspect positions, and this device's own outbox; what only the ledger knows (other
devices, orders saved, count tasks) is None, never a guess. The ledger's 403 (an associate's
token) answers ``DayRefused``, offline too once the ledger has said it.

Stock in motion: deliveries expected today (or late), transfers to send and to receive. Offline
they come from the documents the feed brought, with this terminal's own unconfirmed work laid
over them (a delivery received here is no longer expected), sorted by the same contract rules
as the ledger's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine, text

from ordersync.contract import (
    DayQueue,
    DeliveryState,
    DeviceHealth,
    JobFacts,
    JobLineState,
    JobStateName,
    QueueDelivery,
    QueueJob,
    QueueTransfer,
    StoreOrderSaved,
    TransferState,
    arrivals_in_order,
    deliveries_in_order,
    in_queue_order,
    queue_job,
    requests_in_order,
)
from storeapp.cache.motion import CachedDocument, read_deliveries, read_transfers
from storeapp.cache.state import LAST_FEED_AT, parse_time, read_state
from storeapp.clock import Now
from storeapp.services.job_views import JobView
from storeapp.services.picking import PickingService
from storeapp.services.reports import Refusal, ask, known_access
from storeapp.sync.client import LedgerClient
from storeapp.sync.heartbeat import read_heartbeat
from storeapp.wording.ids import short_ids


class Source(StrEnum):
    LIVE = "live"
    """The ledger's answer, just now."""
    CACHE = "cache"
    """Built from this terminal's cache: the ledger could not be reached."""


@dataclass(frozen=True, slots=True)
class DayRejection:
    """A line the store could not send today, and why."""

    job_id: str
    order_id: str
    sku: str
    name: str
    qty: int
    reason: str
    rejected_at: datetime | None
    """None offline: the feed says that a line was rejected, not when."""


@dataclass(frozen=True, slots=True)
class ThisDevice:
    """This terminal's own outbox, always read from the cache (the freshest truth about it)."""

    pending: int
    attention: int
    oldest_pending_at: datetime | None


@dataclass(frozen=True, slots=True)
class DayView:
    location: str
    location_name: str
    day: date
    timezone: str
    source: Source
    generated_at: datetime
    jobs_by_state: dict[str, int]
    open_jobs: list[QueueJob]
    """Jobs still to work on: late ones first, then the soonest due."""
    late_jobs: int
    collections_waiting: list[QueueJob]
    rejections: list[DayRejection]
    store_orders: list[StoreOrderSaved] | None
    """None offline: only the ledger knows the orders placed today on every device."""
    store_orders_value_minor: int | None
    currency: str | None
    devices: list[DeviceHealth] | None
    """None offline: only the ledger hears from the other devices."""
    this_device: ThisDevice
    open_count_tasks: int | None
    suspect_positions: int
    view_age: timedelta | None
    """Offline: how old the cache's view of the network is (None: never synced)."""
    offline_reason: str | None = None
    offline_refusal: Refusal | None = None
    deliveries: list[QueueDelivery] = field(default_factory=list)
    """Deliveries expected today or late (not received), late first."""
    to_send: list[QueueTransfer] = field(default_factory=list)
    """Transfers requested from this store, oldest request first."""
    to_receive: list[QueueTransfer] = field(default_factory=list)
    """Transfers sent to this store, late first, then by expected arrival."""

    def short_job_ids(self) -> dict[str, str]:
        """Every job id the view shows (open, waiting for collection, with a rejected line), as
        staff read it: cut where the others are told apart, the same in every table."""
        return short_ids(
            [str(job.id) for job in (*self.open_jobs, *self.collections_waiting)]
            + [rejection.job_id for rejection in self.rejections]
        )

    def short_order_ids(self) -> dict[str, str]:
        """The ids of the orders placed in store today, each cut where the others differ."""
        return short_ids(str(placed.order_id) for placed in self.store_orders or [])


@dataclass(frozen=True, slots=True)
class DayRefused:
    """No day's queue for this device: ``refusal`` says why (managers only)."""

    refusal: Refusal
    detail: str


def _job_of_cache(job: JobView, now: datetime) -> QueueJob:
    open_lines = job.open_lines
    return queue_job(
        JobFacts(
            id=job.id,
            order_id=job.order_id,
            kind=job.kind,
            state=job.state,
            customer_name=job.customer_name,
            lines=len(open_lines),
            units=sum(line.qty for line in open_lines),
            created_at=job.created_at,
            due_at=job.due_at,
            reported_late=job.ledger_late,
        ),
        now,
    )


def _transfer_of_cache(transfer: CachedDocument, now: datetime, *, sending: bool) -> QueueTransfer:
    """A cached transfer as the queue shows it: requested units to send, sent units to receive
    (a transfer's cached ``expected_from`` is when it was sent, ``expected_until`` its ETA)."""
    quantities = [line.expected if sending else (line.sent or 0) for line in transfer.lines]
    expected_at = transfer.expected_until
    return QueueTransfer(
        id=uuid.UUID(transfer.id),
        from_location=transfer.source,
        to_location=transfer.destination,
        state=transfer.state,
        origin=transfer.origin or "",
        requested_at=transfer.requested_at or transfer.expected_from or now,
        sent_at=transfer.expected_from,
        expected_at=expected_at,
        lines=sum(1 for qty in quantities if qty > 0),
        units=sum(quantities),
        late=not sending and expected_at is not None and expected_at < now,
    )


def job_age(job: QueueJob) -> timedelta:
    return timedelta(minutes=job.age_minutes)


def time_to_due(job: QueueJob) -> timedelta:
    """Negative once the job is past its due time."""
    return timedelta(minutes=job.minutes_to_due)


class DayQueueService:
    def __init__(
        self,
        engine: Engine,
        location: str,
        now: Now,
        client: LedgerClient,
        picking: PickingService,
        *,
        timezone: str = "Europe/Paris",
    ) -> None:
        self._engine = engine
        self._location = location
        self._now = now
        self._client = client
        self._picking = picking
        self._timezone = timezone

    @property
    def location(self) -> str:
        return self._location

    def store_zone(self) -> ZoneInfo:
        """The store's time zone as the ledger describes the store, else the terminal's setting."""
        with self._engine.connect() as connection:
            name = connection.execute(
                text("SELECT timezone FROM locations WHERE code = :code"), {"code": self._location}
            ).scalar_one_or_none()
        for candidate in (name, self._timezone, "UTC"):
            if candidate:
                try:
                    return ZoneInfo(str(candidate))
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        return ZoneInfo("UTC")

    def today(self) -> date:
        return self._now().astimezone(self.store_zone()).date()

    def day(self, *, live: bool = True) -> DayView | DayRefused:
        """The store's day: the ledger's when it answers, else this terminal's partial view."""
        if not live:
            if known_access(self._engine) is False:
                return DayRefused(Refusal.MANAGERS_ONLY, "")
            return self.local_view(None, None)
        day = self.today()
        answer = ask(
            self._engine,
            lambda: self._client.read(
                f"/locations/{self._location}/day", DayQueue, {"date": day.isoformat()}
            ),
        )
        if answer.value is not None:
            return self._live_view(answer.value)
        if answer.refusal is Refusal.MANAGERS_ONLY:
            return DayRefused(answer.refusal, answer.detail)
        if answer.refusal is Refusal.OFFLINE and known_access(self._engine) is False:
            return DayRefused(Refusal.MANAGERS_ONLY, "")
        return self.local_view(answer.detail, answer.refusal)

    def _live_view(self, queue: DayQueue) -> DayView:
        return DayView(
            location=queue.location,
            location_name=self._location_name(),
            day=queue.day,
            timezone=queue.timezone,
            source=Source.LIVE,
            generated_at=queue.generated_at,
            jobs_by_state=dict(queue.jobs_by_state),
            open_jobs=list(queue.open_jobs),
            late_jobs=queue.late_jobs,
            collections_waiting=list(queue.collections_waiting),
            rejections=[
                DayRejection(
                    job_id=str(rejection.job_id),
                    order_id=str(rejection.order_id),
                    sku=rejection.sku,
                    name=rejection.name,
                    qty=rejection.qty,
                    reason=rejection.reason,
                    rejected_at=rejection.rejected_at,
                )
                for rejection in sorted(queue.rejections, key=lambda r: r.rejected_at, reverse=True)
            ],
            store_orders=list(queue.store_orders),
            store_orders_value_minor=queue.store_orders_value_minor,
            currency=queue.currency,
            devices=sorted(queue.devices, key=lambda d: (d.minutes_since_seen, d.device)),
            this_device=self._this_device(),
            open_count_tasks=queue.open_count_tasks,
            suspect_positions=queue.suspect_positions,
            view_age=None,
            deliveries=list(queue.deliveries_expected),
            to_send=list(queue.transfers_to_send),
            to_receive=list(queue.transfers_to_receive),
        )

    def local_view(self, reason: str | None, refusal: Refusal | None) -> DayView:
        """What this terminal's cache can say about the store's day."""
        now = self._now()
        zone = self.store_zone()
        day = now.astimezone(zone).date()
        jobs = self._picking.queue(include_done=True).jobs
        active = [job for job in jobs if not job.done]
        counts: dict[str, int] = {}
        for job in active:
            counts[job.state] = counts.get(job.state, 0) + 1
        open_jobs = in_queue_order(
            _job_of_cache(job, now) for job in active if job.state != JobStateName.READY
        )
        collections = [_job_of_cache(job, now) for job in active if job.state == JobStateName.READY]
        rejections = [
            DayRejection(
                job_id=job.id,
                order_id=job.order_id,
                sku=line.sku,
                name=line.name,
                qty=line.qty,
                reason=line.reject_reason or "",
                rejected_at=None,
            )
            for job in jobs
            if job.created_at.astimezone(zone).date() == day
            for line in job.lines
            if line.state == JobLineState.REJECTED
        ]
        with self._engine.connect() as connection:
            suspect = int(
                connection.execute(
                    text("SELECT COUNT(*) FROM positions WHERE location = :loc AND suspect"),
                    {"loc": self._location},
                ).scalar_one()
            )
            last_feed = parse_time(read_state(connection, LAST_FEED_AT))
            motion = self._motion_of_cache(connection, now, zone)
        return DayView(
            location=self._location,
            location_name=self._location_name(),
            day=day,
            timezone=zone.key,
            source=Source.CACHE,
            generated_at=now,
            jobs_by_state=counts,
            open_jobs=open_jobs,
            late_jobs=sum(1 for job in open_jobs if job.late),
            collections_waiting=sorted(collections, key=lambda job: job.due_at),
            rejections=rejections,
            store_orders=None,
            store_orders_value_minor=None,
            currency=None,
            devices=None,
            this_device=self._this_device(),
            open_count_tasks=None,
            suspect_positions=suspect,
            view_age=None if last_feed is None else max(now - last_feed, timedelta(0)),
            offline_reason=reason,
            offline_refusal=refusal,
            deliveries=motion[0],
            to_send=motion[1],
            to_receive=motion[2],
        )

    def _motion_of_cache(
        self, connection: Connection, now: datetime, zone: ZoneInfo
    ) -> tuple[list[QueueDelivery], list[QueueTransfer], list[QueueTransfer]]:
        """Deliveries and transfers of the day as the cache knows them, the ledger's rules."""
        day = now.astimezone(zone).date()
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        kinds = {
            str(row.id): (str(row.kind), str(row.source_kind))
            for row in connection.execute(
                text("SELECT id, kind, source_kind FROM deliveries WHERE destination = :loc"),
                {"loc": self._location},
            )
        }
        deliveries = []
        for document in read_deliveries(connection, self._location):
            begins, until = document.expected_from, document.expected_until
            if document.state != DeliveryState.EXPECTED or begins is None or until is None:
                continue
            if begins >= end or (until < start and until >= now):
                continue
            kind, source_kind = kinds.get(document.id, ("", ""))
            deliveries.append(
                QueueDelivery(
                    id=uuid.UUID(document.id),
                    reference=document.reference or "",
                    kind=kind,
                    source_kind=source_kind,
                    source=document.source,
                    expected_from=begins,
                    expected_until=until,
                    lines=sum(1 for line in document.lines if line.expected > 0),
                    units=sum(line.expected for line in document.lines),
                    late=until < now,
                )
            )
        transfers = read_transfers(connection, self._location)
        to_send = [
            _transfer_of_cache(t, now, sending=True)
            for t in transfers
            if t.source == self._location and t.state == TransferState.REQUESTED
        ]
        to_receive = [
            _transfer_of_cache(t, now, sending=False)
            for t in transfers
            if t.destination == self._location and t.state == TransferState.SENT
        ]
        return (
            deliveries_in_order(deliveries),
            requests_in_order(to_send),
            arrivals_in_order(to_receive),
        )

    def _this_device(self) -> ThisDevice:
        beat = read_heartbeat(self._engine)
        return ThisDevice(beat.pending_ops, beat.needs_attention, beat.oldest_pending_at)

    def _location_name(self) -> str:
        with self._engine.connect() as connection:
            name = connection.execute(
                text("SELECT name FROM locations WHERE code = :code"), {"code": self._location}
            ).scalar_one_or_none()
        return str(name) if name else self._location
