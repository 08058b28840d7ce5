"""Engines for both backends, with the pragmas that make SQLite durable and writers serialised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_pragmas(engine: Engine, *, immediate: bool, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writers can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: an acknowledged operation survives a power cut, not only a process crash.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: check-then-write cannot interleave with
        # another process's writer, and lock waits happen at BEGIN where busy_timeout applies.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_ledger_engine(
    url: str, *, writer: bool, busy_timeout_ms: int = 30_000, pool_size: int = 8
) -> Engine:
    """An engine for the writer thread (``writer=True``) or for readers."""
    if is_sqlite(url):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=1 if writer else pool_size,
            max_overflow=1 if writer else pool_size,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        )
        _install_sqlite_pragmas(engine, immediate=writer, busy_timeout_ms=busy_timeout_ms)
        return engine
    return create_engine(
        url,
        pool_size=2 if writer else pool_size,
        max_overflow=0 if writer else pool_size,
        pool_pre_ping=True,
    )
