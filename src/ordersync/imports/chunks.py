"""What every kind of import provides to the run that drives it, and what a chunk gives back.

A kind reads a record into a value it can apply (or raises ``BadValue``), and applies a chunk
of such values inside one write transaction, set-based: one read of what the ledger holds for
the whole chunk, then one statement (or one ``executemany``) per table. Reading happens outside
the transaction, once per record; applying may run again if the database asks to retry, so it
keeps no state of its own between attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ordersync.db.ledger_tx import LedgerTx
from ordersync.imports.csv_files import Columns
from ordersync.imports.runs import ImportRun
from ordersync.imports.summary import BadLine


@dataclass(frozen=True, slots=True)
class ChunkOutcome:
    applied: int = 0
    unchanged: int = 0
    movements: int = 0
    bad: Sequence[BadLine] = field(default=())
    """Lines found bad only against the ledger (say, a GTIN another SKU already carries)."""


class Kind(Protocol):
    columns: Columns
    chunk_lines: int

    def read(self, line: int, fields: list[str], positions: dict[str, int]) -> Any:
        """The record as a value to apply; raises ``BadValue`` with the reason it is bad."""
        ...

    def apply(self, tx: LedgerTx, run: ImportRun, records: Sequence[Any]) -> ChunkOutcome: ...
