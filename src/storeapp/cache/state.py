"""Small persistent facts of the sync: feed cursor, ledger id, location, contact times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, text

from storeapp.cache.tables import SyncState

CURSOR = "cursor"
LEDGER_ID = "ledger_id"
LOCATION = "location"
LAST_CONTACT = "last_contact"
LAST_ERROR = "last_error"
LAST_FEED_AT = "last_feed_at"

_TABLE = SyncState.__tablename__


def read_state(connection: Connection, key: str) -> str | None:
    row = connection.execute(
        text(f"SELECT value FROM {_TABLE} WHERE key = :key"), {"key": key}
    ).first()
    return None if row is None else str(row[0])


def write_state(connection: Connection, key: str, value: str | None) -> None:
    if value is None:
        connection.execute(text(f"DELETE FROM {_TABLE} WHERE key = :key"), {"key": key})
        return
    connection.execute(
        text(
            f"INSERT INTO {_TABLE} (key, value) VALUES (:key, :value) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        {"key": key, "value": value},
    )


def read_all_state(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT key, value FROM {_TABLE}"))
        return {str(key): str(value) for key, value in rows}


def parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
