"""The network at a glance and a store's own page: open and late jobs, offers waiting for a
claim, terminals gone quiet or holding refused operations, suspect positions.

A store's page is the day's queue service (the same the store terminal's manager screen reads).
The network page counts the same figures for every store at once (``network_queue``: one grouped
read per figure, not a queue per store), with the same offline rule for terminals. Offers are
counted per store in one grouped read of the competitive-allocation tables: the offers still
open to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, text

from ordersync.contract import (
    DayQueue,
    DeviceHealth,
    Location,
    OfferAnswer,
    OfferState,
    QueueJob,
)
from ordersync.domain.permissions import Action
from ordersync.services.catalog import all_locations
from ordersync.services.day_queue import day_queue
from ordersync.services.network_queue import (
    devices_by_location,
    open_and_late_jobs,
    suspect_positions,
)
from ordersync.services.positions import read_suspect_positions
from ordersync.web import wording
from ordersync.web.page_data import PageData
from ordersync.web.tables import Column, Table
from ordersync.web.viewer import Viewer

OFFLINE_AFTER_MINUTES = 15
"""A terminal silent this long counts as offline: its heartbeat comes every minute or so, and
the store terminal's own queue screen marks a device silent at the same 15 minutes."""


def _columns(headings: tuple[str, ...], numeric_from: int) -> tuple[Column, ...]:
    return tuple(Column(h, numeric=i >= numeric_from) for i, h in enumerate(headings))


def is_offline(device: DeviceHealth) -> bool:
    return device.minutes_since_seen >= OFFLINE_AFTER_MINUTES


def open_offers(connection: Connection, codes: list[str]) -> dict[str, int]:
    """Offers still open to each store of ``codes``, not yet claimed by anyone."""
    if not codes:
        return {}
    rows = connection.execute(
        text(
            "SELECT ol.location, COUNT(*) FROM offer_locations ol "
            "JOIN offers o ON o.id = ol.offer_id "
            "WHERE o.state = :open_offer AND ol.state = :open_here AND ol.location IN :codes "
            "GROUP BY ol.location"
        ).bindparams(bindparam("codes", expanding=True)),
        {
            "codes": codes,
            "open_offer": OfferState.OPEN.value,
            "open_here": OfferAnswer.OPEN.value,
        },
    )
    return {str(location): int(count) for location, count in rows}


def network_page(connection: Connection, viewer: Viewer, now: datetime) -> PageData:
    page = PageData(wording.TITLE_NETWORK)
    table = page.add_table(
        Table(
            "network",
            wording.NETWORK_CAPTION,
            _columns(wording.NETWORK_HEADINGS, 2),
            links_stores=True,
        )
    )
    stores = viewer.visible_stores(all_locations(connection))
    for store in stores:
        viewer.principal.require(Action.READ_REPORTS, store.code)
    codes = [store.code for store in stores]
    if not codes:
        return page
    jobs = open_and_late_jobs(connection, codes, now)
    offers = open_offers(connection, codes)
    devices = devices_by_location(connection, codes, now)
    suspects = suspect_positions(connection, codes)
    for store in stores:
        open_jobs, late = jobs.get(store.code, (0, 0))
        here = devices.get(store.code, [])
        offline = sum(1 for device in here if is_offline(device))
        refused = sum(device.needs_attention for device in here)
        table.add(
            [
                store.code,
                store.name,
                open_jobs,
                late,
                offers.get(store.code, 0),
                offline,
                refused,
                suspects.get(store.code, 0),
            ],
            store=store.code,
            flagged=bool(late or offline or refused),
        )
    return page


def _job_table(table_id: str, caption: str, empty: str, jobs: list[QueueJob]) -> Table:
    table = Table(table_id, caption, _columns(wording.JOB_HEADINGS, 5), empty_text=empty)
    for job in jobs:
        table.add(
            [
                str(job.id)[:8],
                str(job.order_id)[:8],
                job.kind,
                job.state.value,
                job.customer_name,
                job.lines,
                job.units,
                job.due_at,
                job.minutes_to_due,
            ],
            flagged=job.late,
        )
    return table


def _terminals(queue: DayQueue) -> Table:
    table = Table(
        "terminals",
        wording.TERMINALS_CAPTION,
        _columns(wording.TERMINAL_HEADINGS, 3),
        empty_text=wording.NO_TERMINALS,
    )
    for device in queue.devices:
        offline = is_offline(device)
        table.add(
            [
                device.device,
                device.role,
                device.last_seen_at,
                device.minutes_since_seen,
                "yes" if offline else "no",
                device.pending_ops,
                device.needs_attention,
            ],
            flagged=offline or device.needs_attention > 0,
        )
    return table


def store_page(connection: Connection, viewer: Viewer, now: datetime, place: Location) -> PageData:
    page = PageData(wording.TITLE_STORE.format(code=place.code, name=place.name))
    queue = day_queue(connection, viewer.principal, place.code, now, None)
    page.add_table(
        _job_table("queue", wording.STORE_QUEUE_CAPTION, wording.NO_JOBS, queue.open_jobs)
    )
    late = [job for job in queue.open_jobs if job.late]
    page.add_table(_job_table("late-jobs", wording.LATE_JOBS_CAPTION, wording.NO_LATE_JOBS, late))
    states = page.add_table(
        Table(
            "jobs-by-state",
            wording.JOBS_BY_STATE_CAPTION,
            _columns(wording.JOBS_BY_STATE_HEADINGS, 1),
        )
    )
    for state, count in queue.jobs_by_state.items():
        states.add([state, count])
    page.add_table(_terminals(queue))
    suspects = page.add_table(
        Table(
            "suspect-positions",
            wording.SUSPECTS_CAPTION,
            _columns(wording.SUSPECT_HEADINGS, 1),
            empty_text=wording.NO_SUSPECTS,
        )
    )
    for position in read_suspect_positions(connection, viewer.principal, place.code):
        suspects.add(
            [position.sku, position.on_hand, position.reserved, max(position.available, 0)],
            flagged=True,
        )
    return page
