"""Who holds the store's jobs being picked, as the change feed last said, and which device this
terminal is, so it knows its own holds.

A job's holder comes with the job on the feed (``Job.held_by``: device, person, since, or None);
one row per job here, never overwritten by an older report (a lower ``seq``), as for the jobs
themselves. The device this terminal is comes with every feed page (``ChangePage.device``, its
token's name) and is kept in ``sync_state``: a holder with that device name is this terminal.
What this terminal did and the ledger has not confirmed yet (a start, a takeover) is laid over
these rows by ``storeapp.cache.jobs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text
from sqlmodel import Field

from ordersync.contract import Job
from storeapp.cache.state import read_state, write_state
from storeapp.cache.tables import CacheModel

DEVICE = "device"
"""The ``sync_state`` key of this terminal's device name, as the ledger knows its token."""


class CacheJobHolder(CacheModel, table=True):
    """Who holds a job of this store as the feed last said (``device`` None: nobody)."""

    __tablename__ = "job_holders"
    job_id: str = Field(primary_key=True)
    device: str | None = None
    person: str | None = None
    since: str | None = None
    seq: int


@dataclass(frozen=True, slots=True)
class Holder:
    """Who is picking a job; ``this_terminal`` when it is this device (or its unconfirmed work)."""

    device: str
    person: str | None
    """A staff code."""
    person_name: str | None
    """The person's name, when this store's staff (as the feed gave them) has the code."""
    since: datetime
    this_terminal: bool


def remember_device(connection: Connection, device: str | None) -> None:
    """Keep the device name a feed page gave (a ledger older than holds gives none)."""
    if device and read_state(connection, DEVICE) != device:
        write_state(connection, DEVICE, device)


def this_device(connection: Connection) -> str | None:
    return read_state(connection, DEVICE)


def upsert_holders(connection: Connection, jobs: Sequence[tuple[int, Job]]) -> None:
    """Keep the newest report of each job's holder (in the transaction that writes the jobs)."""
    if not jobs:
        return
    connection.execute(
        text(
            "INSERT INTO job_holders (job_id, device, person, since, seq) "
            "VALUES (:job_id, :device, :person, :since, :seq) ON CONFLICT (job_id) DO UPDATE SET "
            "device = excluded.device, person = excluded.person, since = excluded.since, "
            "seq = excluded.seq WHERE excluded.seq >= job_holders.seq"
        ),
        [
            {
                "job_id": str(job.id),
                "device": None if job.held_by is None else job.held_by.device,
                "person": None if job.held_by is None else job.held_by.person,
                "since": None if job.held_by is None else job.held_by.since.isoformat(),
                "seq": seq,
            }
            for seq, job in jobs
        ],
    )


def read_holders(connection: Connection, job_ids: Iterable[str]) -> dict[str, Holder]:
    """The holders the feed reported for ``job_ids`` (jobs nobody holds are left out)."""
    ids = list(job_ids)
    if not ids:
        return {}
    marks = ",".join(f":h{i}" for i in range(len(ids)))
    mine = this_device(connection)
    return {
        str(job_id): Holder(
            device=str(device),
            person=None if person is None else str(person),
            person_name=None if name is None else str(name),
            since=datetime.fromisoformat(since),
            this_terminal=device == mine,
        )
        for job_id, device, person, name, since in connection.execute(
            text(
                "SELECT h.job_id, h.device, h.person, s.name, h.since FROM job_holders h "
                "LEFT JOIN staff s ON s.code = h.person "
                f"WHERE h.job_id IN ({marks}) AND h.device IS NOT NULL AND h.since IS NOT NULL"
            ),
            {f"h{i}": job_id for i, job_id in enumerate(ids)},
        )
    }
