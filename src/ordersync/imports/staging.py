"""A chunk's rows staged in a temporary table, so each ledger table takes them in one statement.

Sending thousands of rows as one upsert each is what costs on PostgreSQL (a round of parsing
and planning per row, even pipelined); staged once, they move with one ``INSERT ... SELECT`` per
table. PostgreSQL loads the stage with ``COPY``, SQLite with one ``executemany`` into a table
that has no index. The stage lives in the transaction's own session and is emptied before each
load, so a chunk retried by the writer starts from a clean stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ordersync.db.ledger_tx import LedgerTx


@dataclass(frozen=True, slots=True)
class Stage:
    """A temporary table: its name and its columns as (name, SQL type) pairs."""

    name: str
    columns: tuple[tuple[str, str], ...]

    def load(self, tx: LedgerTx, rows: Sequence[tuple[Any, ...]]) -> None:
        """Replace the stage's rows with ``rows`` (tuples in the order of the columns)."""
        names = ", ".join(name for name, _ in self.columns)
        definition = ", ".join(f"{name} {kind}" for name, kind in self.columns)
        keep = " ON COMMIT DELETE ROWS" if tx.is_postgres else ""
        tx.sql.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.name} ({definition}){keep}")
        tx.sql.execute(f"DELETE FROM {self.name}")
        driver = tx.connection.connection.driver_connection
        assert driver is not None
        if tx.is_postgres:
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {self.name} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in self.columns)
        driver.executemany(f"INSERT INTO {self.name} ({names}) VALUES ({marks})", rows)
