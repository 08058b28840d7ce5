"""A job as this device shows it: the cached job with the catalog's names on its pick list, the
units scanned here, its lateness by this device's clock, and the steps it may take next.

The state is the ledger's with this device's unconfirmed actions laid over it (see
``storeapp.cache.jobs``); lateness and the allowed steps are the contract's rules, so the store
and the ledger agree on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from ordersync.contract import FINAL_JOB_STATES, JobLineState, allowed_next, is_late
from storeapp.cache.job_holders import Holder
from storeapp.cache.jobs import CachedJob
from storeapp.wording.ids import SHORTEST, short_id, short_ids


@dataclass(frozen=True, slots=True)
class PickLine:
    line_no: int
    order_line_no: int
    sku: str
    name: str
    size: str
    colour: str
    qty: int
    scanned: int
    state: str
    """A ``JobLineState`` value."""
    reject_reason: str | None
    unconfirmed: bool
    """Short picked here; the ledger has not confirmed it yet."""
    in_transit: bool = False
    """In a parcel on its way to this store (a collection), not here yet."""

    @property
    def is_open(self) -> bool:
        return self.state == JobLineState.OPEN

    @property
    def remaining(self) -> int:
        return max(self.qty - self.scanned, 0) if self.is_open else 0

    @property
    def complete(self) -> bool:
        return self.is_open and self.scanned >= self.qty


@dataclass(frozen=True, slots=True)
class JobView:
    id: str
    short_id: str
    """The start of ``id`` that tells it apart from the store's other jobs (``wording.ids``)."""
    order_id: str
    kind: str
    """``ship`` (pick, pack, ship) or ``collect`` (pick, make ready, hand over here)."""
    state: str
    """As this device sees it: the ledger's state with the actions not yet confirmed."""
    ledger_state: str
    destination: str | None
    """For a ship job: the store it is shipped to for collection (None: the customer's home)."""
    customer_name: str
    created_at: datetime
    due_at: datetime
    late: bool
    """Past the time its current step was due, by this device's clock or by the ledger's last
    report."""
    ledger_late: bool
    """The late flag the feed last reported."""
    parcels: int | None
    weight_grams: int | None
    tracking: str | None
    lines: list[PickLine]
    unconfirmed: int
    """Actions made here not yet confirmed by the ledger through the feed."""
    allowed: frozenset[str]
    """States this job may move to now (checked again by the ledger)."""
    held_by: Holder | None = None
    """Who is picking it, while it is being picked (``this_terminal``: this device)."""
    cancel_reason: str | None = None
    """Why it was cancelled (a ``CancelReason`` value), once it is."""

    @property
    def open_lines(self) -> list[PickLine]:
        return [line for line in self.lines if line.is_open]

    @property
    def fully_scanned(self) -> bool:
        """Every open line has all its units scanned (and there is at least one)."""
        lines = self.open_lines
        return bool(lines) and all(line.complete for line in lines)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.open_lines)

    @property
    def scanned_units(self) -> int:
        return sum(min(line.scanned, line.qty) for line in self.open_lines)

    @property
    def done(self) -> bool:
        return self.state in FINAL_JOB_STATES

    @property
    def on_its_way(self) -> bool:
        """A collection whose parcel has not reached this store yet: marking it ready is
        recording its arrival."""
        lines = self.open_lines
        return self.state == "picked" and bool(lines) and all(line.in_transit for line in lines)


@dataclass(frozen=True, slots=True)
class JobQueue:
    jobs: list[JobView]
    """Oldest due first."""
    counts: dict[str, int]
    """Jobs per state (as this device sees them) among those listed."""
    late: int
    unconfirmed: int


def job_view(connection: Connection, job: CachedJob, now: datetime) -> JobView:
    """The job with its pick list named from the catalog, as this device shows it now."""
    skus = sorted({line.sku for line in job.lines})
    names: dict[str, tuple[str, str, str]] = {}
    if skus:
        marks = ",".join(f":s{i}" for i in range(len(skus)))
        names = {
            str(sku): (str(name), str(size), str(colour))
            for sku, name, size, colour in connection.execute(
                text(f"SELECT sku, name, size, colour FROM items WHERE sku IN ({marks})"),
                {f"s{i}": sku for i, sku in enumerate(skus)},
            )
        }
    lines = [
        PickLine(
            line_no=line.line_no,
            order_line_no=line.order_line_no,
            sku=line.sku,
            name=names.get(line.sku, (line.sku, "", ""))[0],
            size=names.get(line.sku, (line.sku, "", ""))[1],
            colour=names.get(line.sku, (line.sku, "", ""))[2],
            qty=line.qty,
            scanned=line.scanned,
            state=line.state,
            reject_reason=line.reject_reason,
            unconfirmed=line.unconfirmed,
            in_transit=line.in_transit,
        )
        for line in job.lines
    ]
    return JobView(
        id=job.id,
        short_id=cached_short_id(connection, job),
        order_id=job.order_id,
        kind=job.kind,
        state=job.state,
        ledger_state=job.ledger_state,
        destination=job.destination,
        customer_name=job.customer_name,
        created_at=job.created_at,
        due_at=job.due_at,
        # A step taken here starts a new one whose due time the ledger sends when it confirms
        # it: until then the old step's due time no longer counts.
        late=job.state == job.ledger_state
        and is_late(job.state, job.due_at, now, reported_late=job.ledger_late),
        ledger_late=job.ledger_late,
        parcels=job.parcels,
        weight_grams=job.weight_grams,
        tracking=job.tracking,
        lines=lines,
        unconfirmed=job.unconfirmed,
        allowed=allowed_next(job.kind, job.state),
        held_by=job.held_by,
        cancel_reason=job.cancel_reason,
    )


def cached_short_id(connection: Connection, job: CachedJob) -> str:
    """The job's id cut where no other job of its store in the cache shares the start."""
    head = job.id[:SHORTEST]
    # A range on the primary key: the jobs whose id starts with ``head`` (hex digits, so the
    # next character up bounds them).
    alike = connection.execute(
        text("SELECT id FROM jobs WHERE id >= :low AND id < :high AND location = :location"),
        {"low": head, "high": head[:-1] + chr(ord(head[-1]) + 1), "location": job.location},
    )
    return short_id(job.id, (str(row[0]) for row in alike))


def cached_short_ids(connection: Connection, location: str) -> dict[str, str]:
    """Every cached job of ``location`` and its id cut as ``cached_short_id`` cuts it: for a
    list of many jobs' operations, read at once."""
    rows = connection.execute(
        text("SELECT id FROM jobs WHERE location = :location"), {"location": location}
    )
    return short_ids(str(row[0]) for row in rows)


def job_queue(jobs: list[JobView]) -> JobQueue:
    """The jobs with their counts by state, late ones and actions waiting for the ledger."""
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.state] = counts.get(job.state, 0) + 1
    return JobQueue(
        jobs=jobs,
        counts=counts,
        late=sum(1 for job in jobs if job.late),
        unconfirmed=sum(job.unconfirmed for job in jobs),
    )
