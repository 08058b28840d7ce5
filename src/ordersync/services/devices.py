"""Store devices' heartbeats: when each was last seen and what waits on it, for the day's queue.

A heartbeat is a status report, not an operation: it carries no operation id and does not go
through the exactly-once layer. The latest report wins; sending it again only moves ``last seen``.
"""

from __future__ import annotations

from datetime import datetime

from ordersync.contract import DeviceHealth, DeviceHeartbeat
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.raw import RawSql
from ordersync.domain.day_queue import device_health
from ordersync.domain.permissions import Principal


def record_heartbeat(tx: LedgerTx, principal: Principal, beat: DeviceHeartbeat) -> None:
    """One upsert of the device's row; the time is the ledger's, not the device's."""
    tx.sql.execute(
        "INSERT INTO device_status (token_id, location, device, role, last_seen_at, pending_ops, "
        "needs_attention, oldest_pending_at, app_version) VALUES (:token_id, :location, :device, "
        ":role, :now, :pending, :attention, :oldest, :version) "
        "ON CONFLICT (token_id) DO UPDATE SET location = excluded.location, "
        "device = excluded.device, role = excluded.role, last_seen_at = excluded.last_seen_at, "
        "pending_ops = excluded.pending_ops, needs_attention = excluded.needs_attention, "
        "oldest_pending_at = excluded.oldest_pending_at, app_version = excluded.app_version",
        {
            "token_id": principal.token_id,
            "location": principal.location,
            "device": principal.device,
            "role": principal.role.value,
            "now": tx.sql.time(tx.now),
            "pending": beat.pending_ops,
            "attention": beat.needs_attention,
            "oldest": None
            if beat.oldest_pending_at is None
            else tx.sql.time(beat.oldest_pending_at),
            "version": beat.app_version,
        },
    )


def devices_at(sql: RawSql, location: str, now: datetime) -> list[DeviceHealth]:
    """The devices of a location that reported themselves, revoked ones left out."""
    return [
        device_health(
            device,
            role,
            sql.read_time(seen),
            int(pending),
            int(attention),
            None if oldest is None else sql.read_time(oldest),
            now,
        )
        for device, role, seen, pending, attention, oldest in sql.all(
            "SELECT s.device, s.role, s.last_seen_at, s.pending_ops, s.needs_attention, "
            "s.oldest_pending_at FROM device_status s "
            "JOIN device_tokens t ON t.id = s.token_id AND t.revoked_at IS NULL "
            "WHERE s.location = :location ORDER BY s.device, s.token_id",
            {"location": location},
        )
    ]
