"""The figures of every store's day queue at once, for the network at a glance: one grouped
read per figure over all the stores asked about, instead of a day's queue per store.

Each figure keeps the day queue's own definition (``day_queue``): the jobs to work on, late by
the same rule (``is_late``); the devices that reported themselves, revoked ones left out; the
suspect positions, counted from their partial index (``ix_positions_suspect_location``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

from ordersync.contract import DeviceHealth, is_late
from ordersync.db.raw import RawSql
from ordersync.domain.day_queue import device_health
from ordersync.services.day_queue import SUSPECT, TO_WORK_ON


def _by_location(connection: Connection, query: str, params: dict[str, Any]) -> list[Any]:
    """Rows of ``query``, whose ``:codes`` is the list of location codes asked about."""
    statement = text(query).bindparams(bindparam("codes", expanding=True))
    return list(connection.execute(statement, params))


def suspect_positions(connection: Connection, codes: list[str]) -> dict[str, int]:
    """Each location's suspect positions (none: left out)."""
    rows = _by_location(
        connection,
        "SELECT location, COUNT(*) FROM positions "
        f"WHERE {SUSPECT} AND location IN :codes GROUP BY location",
        {"codes": codes},
    )
    return {str(location): int(count) for location, count in rows}


def open_and_late_jobs(
    connection: Connection, codes: list[str], now: datetime
) -> dict[str, tuple[int, int]]:
    """Each location's jobs to work on, and how many of them are late at ``now`` (none: left
    out)."""
    states = {f"state{i}": state.value for i, state in enumerate(TO_WORK_ON)}
    marks = ", ".join(f":{name}" for name in states)
    rows = _by_location(
        connection,
        "SELECT j.location, j.state, j.due_at FROM jobs j JOIN orders o ON o.id = j.order_id "
        f"WHERE j.location IN :codes AND j.state IN ({marks})",
        {"codes": codes, **states},
    )
    counts: dict[str, tuple[int, int]] = {}
    for location, state, due in rows:
        jobs, late = counts.get(location, (0, 0))
        counts[location] = (jobs + 1, late + is_late(state, RawSql.read_time(due), now))
    return counts


def devices_by_location(
    connection: Connection, codes: list[str], now: datetime
) -> dict[str, list[DeviceHealth]]:
    """Each location's devices that reported themselves, revoked ones left out."""
    rows = _by_location(
        connection,
        "SELECT s.location, s.device, s.role, s.last_seen_at, s.pending_ops, "
        "s.needs_attention, s.oldest_pending_at FROM device_status s "
        "JOIN device_tokens t ON t.id = s.token_id AND t.revoked_at IS NULL "
        "WHERE s.location IN :codes ORDER BY s.location, s.device, s.token_id",
        {"codes": codes},
    )
    devices: dict[str, list[DeviceHealth]] = defaultdict(list)
    for location, device, role, seen, pending, attention, oldest in rows:
        devices[location].append(
            device_health(
                device,
                role,
                RawSql.read_time(seen),
                int(pending),
                int(attention),
                None if oldest is None else RawSql.read_time(oldest),
                now,
            )
        )
    return dict(devices)
