"""What the baseline apps share: their database from the environment, raw connections."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from sqlalchemy.engine import make_url

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")


def is_postgres(url: str = DATABASE_URL) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def libpq(url: str = DATABASE_URL) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_connection(url: str = DATABASE_URL) -> sqlite3.Connection:
    """Autocommit mode (transactions are explicit), WAL, synchronous=FULL as the ledger sets."""
    database = make_url(url).database
    assert database
    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout = 30000")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    return connection


def fetch_all(cursor: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in cursor.fetchall()]
