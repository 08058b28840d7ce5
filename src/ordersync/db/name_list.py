"""A list of short names stored in one text column, the same on SQLite and PostgreSQL.

The names are joined with commas (a name never holds one: see ``LOCATION_GROUP_PATTERN``); an
empty list is stored as NULL and NULL reads as an empty list, so rows written before the column
existed read as belonging to no group.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAME_LIST_LENGTH = 700
"""Room for 20 names of 32 characters and their commas."""


class NameList(TypeDecorator[list[str]]):
    impl = String(length=NAME_LIST_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if not value:
            return None
        names = [str(name) for name in value]
        if any("," in name for name in names):
            raise ValueError("a name in a name list holds no comma")
        return ",".join(names)

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str]:
        return [name for name in str(value).split(",") if name] if value else []
