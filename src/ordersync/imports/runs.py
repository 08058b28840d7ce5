"""The ``import_runs`` record: one row per file (kind and SHA-256), found again on a second run.

A run's row is created before its first chunk; each chunk moves its counters in the chunk's own
transaction, guarded by the count of lines done before it, so counters never count a chunk twice
and two processes importing the same file at once cannot both advance it. The row is marked
finished, and the import's audit row written, in the last transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from ordersync.clock import Clock
from ordersync.contract import uuid7
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.writer import run_in_transaction
from ordersync.domain.errors import InvalidState
from ordersync.imports.summary import ImportKind
from ordersync.services.tokens import CLI_ACTOR

_RUN_COLUMNS = "id, op_id, started_at, finished_at, lines_done, applied, unchanged, movements"


@dataclass(frozen=True, slots=True)
class ImportRun:
    id: int
    op_id: str
    started_at: datetime
    finished_at: datetime | None
    lines_done: int
    applied: int
    unchanged: int
    movements: int


@dataclass(frozen=True, slots=True)
class ChunkCounts:
    """What one committed chunk adds to its run."""

    lines: int
    applied: int
    unchanged: int
    movements: int


def _run(tx: LedgerTx, row: tuple[Any, ...]) -> ImportRun:
    run_id, op_id, started, finished, done, applied, unchanged, movements = row
    return ImportRun(
        id=int(run_id),
        op_id=str(op_id),
        started_at=tx.sql.read_time(started),
        finished_at=None if finished is None else tx.sql.read_time(finished),
        lines_done=int(done),
        applied=int(applied),
        unchanged=int(unchanged),
        movements=int(movements),
    )


def open_run(
    engine: Engine, clock: Clock, kind: ImportKind, sha256: str, file_name: str
) -> ImportRun:
    """The run of this file: found (finished, or interrupted and to resume) or started now."""

    def find_or_start(tx: LedgerTx) -> ImportRun:
        key = {"kind": kind.value, "sha256": sha256}
        query = f"SELECT {_RUN_COLUMNS} FROM import_runs WHERE kind = :kind AND sha256 = :sha256"
        found = tx.sql.first(query, key)
        if found is None:
            tx.sql.execute(
                "INSERT INTO import_runs (kind, sha256, file_name, op_id, started_at, "
                "lines_done, applied, unchanged, movements) VALUES (:kind, :sha256, :file_name, "
                ":op_id, :now, 0, 0, 0, 0) ON CONFLICT (kind, sha256) DO NOTHING",
                {
                    **key,
                    "file_name": file_name[:255],
                    "op_id": str(uuid7(int(tx.now.timestamp() * 1000))),
                    "now": tx.sql.time(tx.now),
                },
            )
            found = tx.sql.one(query, key)
        return _run(tx, found)

    return run_in_transaction(engine, clock, find_or_start)


def record_chunk(tx: LedgerTx, run: ImportRun, lines_before: int, counts: ChunkCounts) -> None:
    """Add a chunk's counts to its run, in the chunk's transaction."""
    moved = tx.sql.rowcount(
        "UPDATE import_runs SET lines_done = lines_done + :lines, applied = applied + :applied, "
        "unchanged = unchanged + :unchanged, movements = movements + :movements "
        "WHERE id = :id AND lines_done = :before AND finished_at IS NULL",
        {
            "lines": counts.lines,
            "applied": counts.applied,
            "unchanged": counts.unchanged,
            "movements": counts.movements,
            "id": run.id,
            "before": lines_before,
        },
    )
    if moved != 1:
        raise InvalidState(
            "this file is being imported by another process at the same time; "
            "run the import again once it has finished"
        )


def finish_run(tx: LedgerTx, run: ImportRun, kind: ImportKind, detail: dict[str, Any]) -> ImportRun:
    """Mark the run finished and write the import's audit row; returns the run as it ends."""
    tx.sql.execute(
        "UPDATE import_runs SET finished_at = :now WHERE id = :id",
        {"now": tx.sql.time(tx.now), "id": run.id},
    )
    row = tx.sql.one(f"SELECT {_RUN_COLUMNS} FROM import_runs WHERE id = :id", {"id": run.id})
    finished = _run(tx, row)
    tx.audit_by(
        CLI_ACTOR,
        op_id=run.op_id,
        operation=f"import.{kind.value}",
        location=CLI_ACTOR.location,
        detail={
            **detail,
            "lines": finished.lines_done,
            "applied": finished.applied,
            "unchanged": finished.unchanged,
            "movements": finished.movements,
        },
    )
    return finished
