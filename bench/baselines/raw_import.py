"""Baseline of the import measure: the ERP files read with the ``csv`` module and their rows
written raw into the same tables of a freshly migrated ledger, with the least code: PostgreSQL
``COPY ... FROM STDIN`` (psycopg's ``cursor.copy``), SQLite one ``executemany`` per table in one
transaction with the ledger's durability (WAL, synchronous=FULL) and a page cache big enough for
that transaction. The catalog fills ``items`` and ``item_barcodes``; a stock snapshot fills
``positions``. No checks, movements, network totals, feed or audit: the floor of moving those
rows from a file into the tables.
"""

from __future__ import annotations

import csv
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.datagen import DB_TIME, ITEM_COLUMNS, LOCATION_COLUMNS, location_row
from bench.db import Database
from bench.erp_files import GTIN_SEPARATOR
from ordersync.contract import LocationIn

POSITION_COLUMNS = (
    "sku",
    "location",
    "on_hand",
    "reserved",
    "safety_stock",
    "suspect",
    "seq",
    "updated_at",
)


CACHE_KIB = 1_000_000


@dataclass
class RawLoad:
    lines: int
    """Data lines read from the file."""
    rows: dict[str, int]
    """Rows written, per table."""
    seconds: float


@contextmanager
def _lines(path: Path) -> Iterator[tuple[dict[str, int], Iterator[list[str]]]]:
    """The header's column positions, and the data lines."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        yield {name: index for index, name in enumerate(header)}, reader


def _minor(price: str) -> int:
    units, _, cents = price.partition(".")
    return int(units) * 100 + int((cents + "00")[:2])


def _optional(value: str) -> str | None:
    return value or None


class _Writer:
    """One connection, one transaction; ``table`` writes a stream of rows into a table."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.counts: dict[str, int] = {}
        if database.is_postgres:
            self.connection: Any = database.connect()
        else:
            self.connection = sqlite3.connect(database.sqlite_path, isolation_level=None)
            self.connection.execute("PRAGMA journal_mode = WAL")
            self.connection.execute("PRAGMA synchronous = FULL")
            # One transaction of millions of rows: with SQLite's default 2 MB page cache, pages
            # of the secondary index spill to the WAL again and again (ten million positions
            # then take minutes, most of it rewriting the same pages).
            self.connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self.connection.execute("BEGIN IMMEDIATE")

    def table(self, name: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
        count = 0

        def counted() -> Iterator[tuple[Any, ...]]:
            nonlocal count
            for row in rows:
                count += 1
                yield row

        if self.database.is_postgres:
            cursor = self.connection.cursor()
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in counted():
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.connection.executemany(
                f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", counted()
            )
        self.counts[name] = self.counts.get(name, 0) + count

    def commit(self) -> None:
        if self.database.is_postgres:
            self.connection.commit()
        else:
            self.connection.execute("COMMIT")
        self.connection.close()


def load_locations(database: Database, path: Path) -> RawLoad:
    """Not measured: the locations a stock snapshot names, as the ledger would hold them."""
    began = time.perf_counter()
    with _lines(path) as (at, lines):
        models = [
            LocationIn(
                code=line[at["code"]],
                kind=line[at["kind"]],
                name=line[at["name"]],
                timezone=line[at["timezone"]],
                latitude=float(line[at["latitude"]]),
                longitude=float(line[at["longitude"]]),
            )
            for line in lines
        ]
    writer = _Writer(database)
    writer.table(
        "locations",
        LOCATION_COLUMNS,
        (location_row(m, database.is_postgres) for m in models),
    )
    writer.commit()
    return RawLoad(len(models), writer.counts, time.perf_counter() - began)


def load_catalog(database: Database, path: Path) -> RawLoad:
    """Items and their barcodes, in one transaction."""
    began = time.perf_counter()
    barcodes: list[tuple[str, str]] = []
    read = 0

    def items(at: dict[str, int], lines: Iterator[list[str]]) -> Iterator[tuple[Any, ...]]:
        nonlocal read
        for line in lines:
            read += 1
            sku = line[at["sku"]]
            barcodes.extend((gtin, sku) for gtin in line[at["gtins"]].split(GTIN_SEPARATOR))
            yield (
                sku,
                line[at["reference"]],
                line[at["name"]],
                line[at["size"]],
                _optional(line[at["size_row"]]),
                _optional(line[at["size_column"]]),
                line[at["colour"]],
                _minor(line[at["price"]]),
                line[at["currency"]],
                DB_TIME,
            )

    writer = _Writer(database)
    with _lines(path) as (at, lines):
        writer.table("items", ITEM_COLUMNS, items(at, lines))
    writer.table("item_barcodes", ("gtin", "sku"), barcodes)
    writer.commit()
    return RawLoad(read, writer.counts, time.perf_counter() - began)


def load_stock(database: Database, path: Path) -> RawLoad:
    """One position per line of the snapshot, nothing reserved, in one transaction."""
    began = time.perf_counter()
    false = False if database.is_postgres else 0

    def positions(at: dict[str, int], lines: Iterator[list[str]]) -> Iterator[tuple[Any, ...]]:
        sku_at, location_at, on_hand_at = at["sku"], at["location"], at["on_hand"]
        for seq, line in enumerate(lines, start=1):
            yield (
                line[sku_at],
                line[location_at],
                int(line[on_hand_at]),
                0,
                0,
                false,
                seq,
                DB_TIME,
            )

    writer = _Writer(database)
    with _lines(path) as (at, lines):
        writer.table("positions", POSITION_COLUMNS, positions(at, lines))
    writer.commit()
    return RawLoad(writer.counts["positions"], writer.counts, time.perf_counter() - began)
