"""The arrival scan: at the collection store, a scan of a unit of a collection whose parcel is on
its way here, or of that parcel's tracking number, says the parcel has arrived.

Recognising it writes nothing: staff confirm, and the arrival is recorded as the job's ``ready``
step (``PickingService.mark_ready``), through the outbox like every step.
"""

from __future__ import annotations

from sqlalchemy import Connection

from ordersync.contract import gtin_problem
from storeapp.services.catalog import by_gtin
from storeapp.services.job_views import JobView


def is_arrival(connection: Connection, job: JobView, code: str) -> bool:
    """``code`` is the tracking number of ``job``'s parcel, or the barcode of an item on one of
    its open lines, and ``job`` is a collection on its way to this store."""
    if not job.on_its_way:
        return False
    scanned = code.strip()
    if job.tracking and scanned == job.tracking.strip():
        return True
    if gtin_problem(scanned) is not None:
        return False
    item = by_gtin(connection, scanned)
    return item is not None and any(line.sku == item.sku for line in job.open_lines)
