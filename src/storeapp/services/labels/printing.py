"""Writing a shipped job's labels: one file per parcel, named by job and parcel, in the label
directory of the settings, from what the cache holds (the job with this device's own work laid
over it, the store, the recipient the feed gave), so labels print without the ledger.

A label needs the tracking number: it is written when the job is shipped, and written again,
the same bytes, whenever asked (a reprint). Each file is written whole or not at all (a
temporary file renamed over it). Refused with a stable code, before anything is written, when
the job cannot have a label yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, text

from ordersync.contract import JobKind
from storeapp.cache import jobs as cached
from storeapp.cache.ship_to import read_ship_to
from storeapp.services.labels.pdf import render_pdf
from storeapp.services.labels.template import LabelWords, Shipment, Store, label_of
from storeapp.services.labels.zpl import render_zpl

LabelFormat = Literal["pdf", "zpl"]


class LabelRefusal(StrEnum):
    """Why no label was written; stable codes the front ends put in words."""

    UNKNOWN_JOB = "unknown_job"
    """The cache holds no such job of this store."""
    NOT_SHIPPED = "not_shipped"
    """A collection, or a ship job without its tracking number yet (``state``)."""
    NO_ADDRESS = "no_address"
    """The feed gave no recipient for the parcel (a ledger older than recipients)."""


class LabelRefused(Exception):
    def __init__(self, code: LabelRefusal, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.facts = facts


@dataclass(frozen=True, slots=True)
class LabelsWritten:
    job_id: str
    tracking: str
    paths: list[Path]
    """One file per parcel, parcel 1 first."""


def label_file_name(job_id: str, parcel: int, parcels: int, file_format: LabelFormat) -> str:
    return f"{job_id}-parcel-{parcel}-of-{parcels}.{file_format}"


class CarrierLabels:
    def __init__(
        self,
        engine: Engine,
        location: str,
        directory: Path,
        *,
        file_format: LabelFormat = "pdf",
        carrier: str = "",
    ) -> None:
        self._engine = engine
        self._location = location
        self._directory = directory
        self._format: LabelFormat = file_format
        self._carrier = carrier

    @property
    def directory(self) -> Path:
        return self._directory

    def render(self, job_id: str, words: LabelWords) -> list[tuple[str, bytes]]:
        """Each parcel's file name and bytes, from the cache; nothing is written."""
        return self._rendered(job_id, words)[1]

    def _rendered(self, job_id: str, words: LabelWords) -> tuple[Shipment, list[tuple[str, bytes]]]:
        with self._engine.connect() as connection:
            shipment = self._shipment(connection, job_id)
            sender = _store(connection, self._location)
        rendered = []
        for parcel in range(1, shipment.parcels + 1):
            label = label_of(shipment, sender, parcel, self._carrier, words)
            name = label_file_name(shipment.job_id, parcel, shipment.parcels, self._format)
            if self._format == "zpl":
                rendered.append((name, render_zpl(label)))
            else:
                rendered.append((name, render_pdf(label, name.rsplit(".", 1)[0])))
        return shipment, rendered

    def write(self, job_id: str, words: LabelWords) -> LabelsWritten:
        """Write (or write again) every parcel's label of a shipped job."""
        shipment, rendered = self._rendered(job_id, words)
        self._directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, content in rendered:
            path = self._directory / name
            temporary = path.with_name(f".{name}.tmp")
            with temporary.open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(path)
            paths.append(path)
        return LabelsWritten(job_id=shipment.job_id, tracking=shipment.tracking, paths=paths)

    def _shipment(self, connection: Connection, job_id: str) -> Shipment:
        job = cached.read_job(connection, job_id)
        if job is None or job.location != self._location:
            raise LabelRefused(
                LabelRefusal.UNKNOWN_JOB, f"no job {job_id} at this store", job_id=job_id
            )
        if job.kind != JobKind.SHIP or not job.tracking:
            raise LabelRefused(
                LabelRefusal.NOT_SHIPPED,
                f"a label needs a shipped job with its tracking number (it is {job.state})",
                job_id=job_id,
                state=job.state,
                kind=job.kind,
            )
        destination = None if job.destination is None else _store(connection, job.destination)
        ship_to = read_ship_to(connection, job.id) if destination is None else None
        if destination is None and ship_to is None:
            raise LabelRefused(
                LabelRefusal.NO_ADDRESS,
                f"the ledger gave no address for the parcel of job {job.id}",
                job_id=job_id,
            )
        return Shipment(
            job_id=job.id,
            order_id=job.order_id,
            customer_name=job.customer_name,
            ship_to=ship_to,
            destination=destination,
            parcels=job.parcels or 1,
            weight_grams=job.weight_grams,
            tracking=job.tracking,
        )


def _store(connection: Connection, code: str) -> Store:
    """A location of the network as the cache knows it (its code alone when it does not)."""
    row = connection.execute(
        text("SELECT name FROM locations WHERE code = :code"), {"code": code}
    ).first()
    return Store(code=code, name=code if row is None else str(row[0]))
