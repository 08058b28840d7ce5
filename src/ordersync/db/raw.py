"""Plain SQL on the transaction's own DB-API cursor, for the statements on the write path.

Building and compiling SQLAlchemy expressions costs more than running them on SQLite; the hot
statements are written once as text with ``:name`` parameters, rewritten for the driver's
parameter style, and executed on the same connection (so inside the same transaction).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


@cache
def _pyformat(sql: str) -> str:
    return _NAMED.sub(r"%(\1)s", sql)


class RawSql:
    """Executes text statements with ``:name`` parameters on either backend."""

    def __init__(self, connection: Connection) -> None:
        self.is_postgres = connection.dialect.name == "postgresql"
        raw = connection.connection.driver_connection
        assert raw is not None
        self._cursor = raw.cursor()

    def _sql(self, sql: str) -> str:
        return _pyformat(sql) if self.is_postgres else sql

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        self._cursor.execute(self._sql(sql), params or {})
        return self._cursor

    def executemany(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        self._cursor.executemany(self._sql(sql), rows)

    def one(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...]:
        row = self.execute(sql, params).fetchone()
        if row is None:
            raise LookupError("expected one row")
        return tuple(row)

    def first(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        row = self.execute(sql, params).fetchone()
        return None if row is None else tuple(row)

    def all(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.execute(sql, params).fetchall()]

    def rowcount(self, sql: str, params: dict[str, Any] | None = None) -> int:
        return int(self.execute(sql, params).rowcount)

    def time(self, moment: datetime) -> Any:
        """A datetime as the tables store it: UTC without zone (text on SQLite)."""
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        return naive if self.is_postgres else naive.strftime(SQLITE_TIME_FORMAT)

    @staticmethod
    def read_time(value: Any) -> datetime:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(moment, datetime)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
