"""Benchmark databases: SQLite files in the work directory, PostgreSQL databases named ``bench_*``.

PostgreSQL databases carry the harness's process id in their name, so a later run can drop the
ones a crashed run left behind without touching anyone else's.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from ordersync.db.migrate import upgrade

PREFIX = "bench_"
_NAME = re.compile(r"^bench_(\d+)_[a-z0-9_]+$")


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg wants it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Database:
    url: str
    """SQLAlchemy URL, as ``ordersync --database-url`` takes it."""
    backend: str
    """``sqlite`` or ``postgresql``."""
    label: str

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    @property
    def sqlite_path(self) -> Path:
        database = make_url(self.url).database
        assert database is not None
        return Path(database)

    def connect(self) -> Any:
        """A raw DB-API connection (autocommit off on both backends)."""
        if self.is_postgres:
            return psycopg.connect(libpq_url(self.url))
        connection = sqlite3.connect(self.sqlite_path, timeout=60)
        connection.execute("PRAGMA busy_timeout = 60000")
        return connection

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        connection = self.connect()
        try:
            yield connection.cursor()
            connection.commit()
        finally:
            connection.close()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        with self.cursor() as cursor:
            cursor.execute(self.sql(sql), params)
            row = cursor.fetchone()
        return None if row is None else row[0]

    def scalar_row(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        with self.cursor() as cursor:
            cursor.execute(self.sql(sql), params)
            return tuple(cursor.fetchone())

    def sql(self, statement: str) -> str:
        """Write statements with ``?`` placeholders; psycopg wants ``%s``."""
        return statement.replace("?", "%s") if self.is_postgres else statement

    def migrate(self) -> None:
        upgrade(self.url)


class Databases:
    """Creates and drops the databases of one run."""

    def __init__(self, work_dir: Path, postgres_admin_url: str | None) -> None:
        self.work_dir = work_dir
        self.postgres_admin_url = postgres_admin_url
        self.created: list[Database] = []

    def _admin(self) -> psycopg.Connection[Any]:
        assert self.postgres_admin_url is not None
        return psycopg.connect(libpq_url(self.postgres_admin_url), autocommit=True)

    def new(self, backend: str, label: str) -> Database:
        """An empty database at the latest schema."""
        if backend == "postgresql":
            name = f"{PREFIX}{os.getpid()}_{label}"
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
            assert self.postgres_admin_url is not None
            url = make_url(self.postgres_admin_url).set(database=name)
            database = Database(url.render_as_string(hide_password=False), backend, label)
        else:
            path = self.work_dir / f"{label}.db"
            _remove_sqlite(path)
            database = Database(f"sqlite:///{path}", backend, label)
        self.created.append(database)
        database.migrate()
        return database

    def drop(self, database: Database) -> None:
        if database.is_postgres:
            name = make_url(database.url).database
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            _remove_sqlite(database.sqlite_path)
        if database in self.created:
            self.created.remove(database)

    def drop_all(self) -> None:
        for database in list(reversed(self.created)):
            try:
                self.drop(database)
            except Exception as error:  # keep dropping the others
                print(f"  could not drop {database.label}: {error}")

    def drop_stale(self) -> list[str]:
        """Drop ``bench_<pid>_*`` databases whose harness process is gone."""
        if self.postgres_admin_url is None:
            return []
        dropped = []
        with self._admin() as admin:
            names = [row[0] for row in admin.execute("SELECT datname FROM pg_database")]
            for name in names:
                match = _NAME.match(name)
                if match and not _alive(int(match.group(1))):
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    dropped.append(name)
        return dropped


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def postgres_reachable(url: str) -> str | None:
    """None when PostgreSQL answers at ``url``, else why not."""
    try:
        with psycopg.connect(libpq_url(url), connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except Exception as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return None
