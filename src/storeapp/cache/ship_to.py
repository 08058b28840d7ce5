"""Where the store's parcels to customers' homes go, as the change feed last said: the carrier
label's recipient, kept so a label prints (or reprints) without the ledger.

The recipient comes with the job on the feed (``Job.ship_to``); one row per job here, never
overwritten by an older report (a lower ``seq``), as for the jobs themselves. A job without
one (a collection, a parcel to another store, or a ledger older than recipients) has no row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text
from sqlmodel import Field

from ordersync.contract import Job, ShipTo
from storeapp.cache.tables import CacheModel


class CacheShipTo(CacheModel, table=True):
    """The recipient of a job's parcel as the feed last gave it."""

    __tablename__ = "job_ship_to"
    job_id: str = Field(primary_key=True)
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str
    seq: int


def upsert_ship_to(connection: Connection, jobs: Sequence[tuple[int, Job]]) -> None:
    """Keep the newest recipient of each job that has one (in the transaction of the jobs)."""
    rows = [
        {"job_id": str(job.id), "seq": seq, **job.ship_to.model_dump(mode="json")}
        for seq, job in jobs
        if job.ship_to is not None
    ]
    if not rows:
        return
    connection.execute(
        text(
            "INSERT INTO job_ship_to (job_id, name, address, postal_code, city, country, seq) "
            "VALUES (:job_id, :name, :address, :postal_code, :city, :country, :seq) "
            "ON CONFLICT (job_id) DO UPDATE SET name = excluded.name, "
            "address = excluded.address, postal_code = excluded.postal_code, "
            "city = excluded.city, country = excluded.country, seq = excluded.seq "
            "WHERE excluded.seq >= job_ship_to.seq"
        ),
        rows,
    )


def read_ship_to(connection: Connection, job_id: str) -> ShipTo | None:
    """The recipient of the job's parcel, or None when the feed gave none."""
    row = connection.execute(
        text(
            "SELECT name, address, postal_code, city, country FROM job_ship_to "
            "WHERE job_id = :job_id"
        ),
        {"job_id": job_id},
    ).first()
    if row is None:
        return None
    name, address, postal_code, city, country = row
    return ShipTo(
        name=str(name), address=address, postal_code=postal_code, city=city, country=str(country)
    )
