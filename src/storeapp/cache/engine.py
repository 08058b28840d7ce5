"""The cache's SQLite engine: WAL, synchronous=FULL (a recorded sale survives a power cut)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from storeapp.cache import counter as _counter  # noqa: F401  (registers its tables)
from storeapp.cache import incoming as _incoming  # noqa: F401  (registers its table)
from storeapp.cache import job_holders as _holders  # noqa: F401  (registers its table)
from storeapp.cache import motion as _motion  # noqa: F401  (registers its tables)
from storeapp.cache import motion_drafts as _drafts  # noqa: F401  (registers its tables)
from storeapp.cache import offers as _offers  # noqa: F401  (registers its tables)
from storeapp.cache import ship_to as _ship_to  # noqa: F401  (registers its table)
from storeapp.cache.tables import CACHE_METADATA


def open_cache_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every write checks then writes; IMMEDIATE keeps the TUI and a sync process apart.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    CACHE_METADATA.create_all(engine)
    _add_missing_columns(engine)
    _add_missing_indexes(engine)
    return engine


def _add_missing_columns(engine: Engine) -> None:
    """``create_all`` leaves existing tables as they are: a cache made by an earlier version gets
    the columns added since, each with its server default (every added column has one)."""
    with engine.begin() as connection:
        for table in CACHE_METADATA.sorted_tables:
            present = {
                row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table.name})")
            }
            for column in table.columns:
                if column.name in present:
                    continue
                default = column.server_default
                if default is None:
                    raise RuntimeError(
                        f"cache column {table.name}.{column.name} was added without a default"
                    )
                kind = column.type.compile(dialect=engine.dialect)
                value = getattr(default, "arg", "")
                connection.exec_driver_sql(
                    f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind} "
                    f"NOT NULL DEFAULT '{value}'"
                )


_RETIRED_INDEXES = ("ix_items_search_text",)
"""Indexes earlier versions made and this one does not want (see ``CacheItem.search_text``)."""


def _add_missing_indexes(engine: Engine) -> None:
    """``create_all`` skips tables that exist, and their indexes with them: a cache made by an
    earlier version gets the indexes added since, and loses the retired ones (once; the next
    opens find nothing to do)."""
    with engine.connect() as connection:
        present = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
            )
        }
    missing = [
        index
        for table in CACHE_METADATA.sorted_tables
        for index in table.indexes
        if index.name not in present
    ]
    retired = [name for name in _RETIRED_INDEXES if name in present]
    if missing or retired:
        with engine.begin() as connection:
            for name in retired:
                connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
            for index in missing:
                index.create(connection, checkfirst=True)
