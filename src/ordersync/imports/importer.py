"""``import_file``: one CSV file from the ERP into the ledger, chunk by chunk, exactly once.

The file is checked whole first (UTF-8, header): a refused file applies nothing. Its lines are
then read and applied in chunks, each chunk in one write transaction that also moves the run's
counters (``runs``). A run that stops midway (a crash, Ctrl-C) leaves every committed chunk in
place; running the same file again skips those chunks and applies the rest, and a full stock
snapshot then takes its absent positions to zero. The same file once finished is not applied
again: the second run only says when it was imported.

Bad lines do not stop the run: good lines are applied, each bad one is reported with its line
number and reason.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ordersync.clock import Clock
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.writer import run_in_transaction
from ordersync.imports.cells import BadValue
from ordersync.imports.chunks import ChunkOutcome, Kind
from ordersync.imports.csv_files import open_csv
from ordersync.imports.deliveries import DeliveriesKind
from ordersync.imports.items import ItemsKind
from ordersync.imports.locations import LocationsKind
from ordersync.imports.runs import ChunkCounts, ImportRun, finish_run, open_run, record_chunk
from ordersync.imports.stock import Network, StockKind
from ordersync.imports.summary import BAD_LINES_KEPT, BadLine, ImportKind, ImportSummary


def _kind_of(engine: Engine, kind: ImportKind) -> Kind:
    if kind is ImportKind.LOCATIONS:
        return LocationsKind()
    if kind is ImportKind.ITEMS:
        return ItemsKind()
    if kind is ImportKind.DELIVERIES:
        return DeliveriesKind(engine)
    return StockKind(Network.load(engine), full=kind is ImportKind.STOCK)


class _Run:
    """One pass over the file: the chunks it applies and what it has counted so far."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        kind: Kind,
        run: ImportRun,
        on_bad_line: Callable[[BadLine], None] | None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.kind = kind
        self.run = run
        self.on_bad_line = on_bad_line
        self.bad_lines: list[BadLine] = []
        self.bad = 0

    def report(self, bad: BadLine) -> None:
        self.bad += 1
        if len(self.bad_lines) < BAD_LINES_KEPT:
            self.bad_lines.append(bad)
        if self.on_bad_line is not None:
            self.on_bad_line(bad)

    def apply(self, records: Sequence[Any], lines_before: int, lines_after: int) -> None:
        """Apply one chunk (unless an earlier run committed it) and count it in the run."""
        if lines_before < lines_after <= self.run.lines_done:
            return

        def work(tx: LedgerTx) -> ChunkOutcome:
            outcome = self.kind.apply(tx, self.run, records) if records else ChunkOutcome()
            counts = ChunkCounts(
                lines=lines_after - lines_before,
                applied=outcome.applied,
                unchanged=outcome.unchanged,
                movements=outcome.movements,
            )
            record_chunk(tx, self.run, lines_before, counts)
            return outcome

        outcome = run_in_transaction(self.engine, self.clock, work)
        for bad in outcome.bad:
            self.report(bad)


def import_file(
    engine: Engine,
    kind: ImportKind,
    path: Path,
    *,
    clock: Clock,
    on_progress: Callable[[int], None] | None = None,
    on_bad_line: Callable[[BadLine], None] | None = None,
) -> ImportSummary:
    """Import ``path`` as ``kind``; raises ``ImportRefused`` (nothing applied) for a file that is
    not UTF-8 CSV or whose header lacks a required column."""
    collecting = gc.isenabled()
    # A chunk builds hundreds of thousands of small objects that all live until its commit:
    # the cyclic collector would rescan them again and again (a third of the run) for nothing.
    gc.disable()
    try:
        return _import(engine, kind, path, clock, on_progress, on_bad_line)
    finally:
        if collecting:
            gc.enable()


def _import(
    engine: Engine,
    kind: ImportKind,
    path: Path,
    clock: Clock,
    on_progress: Callable[[int], None] | None,
    on_bad_line: Callable[[BadLine], None] | None,
) -> ImportSummary:
    started = time.perf_counter()
    importer = _kind_of(engine, kind)
    csv_file = open_csv(path, importer.columns)
    if isinstance(importer, DeliveriesKind):
        # A delivery's rows may lie in several chunks: its fate is decided on the whole file.
        importer.survey(csv_file)
    run = open_run(engine, clock, kind, csv_file.sha256, path.name)
    if run.finished_at is not None:
        return ImportSummary(
            kind=kind,
            file=path.name,
            sha256=csv_file.sha256,
            lines_read=run.lines_done,
            applied=0,
            unchanged=0,
            bad=0,
            movements=0,
            elapsed_seconds=time.perf_counter() - started,
            already_imported_at=run.finished_at,
        )
    this = _Run(engine, clock, importer, run, on_bad_line)
    lines = chunk_start = 0
    chunk: list[Any] = []
    for line, fields, problem in csv_file.records():
        lines += 1
        try:
            if problem is not None:
                raise BadValue(problem)
            if len(fields) != csv_file.width:
                raise BadValue(f"has {len(fields)} fields where the header has {csv_file.width}")
            chunk.append(importer.read(line, fields, csv_file.positions))
        except BadValue as error:
            this.report(BadLine(line, str(error)))
        if lines - chunk_start == importer.chunk_lines:
            this.apply(chunk, chunk_start, lines)
            chunk, chunk_start = [], lines
            if on_progress is not None:
                on_progress(lines)
    if lines > chunk_start:
        this.apply(chunk, chunk_start, lines)
    if on_progress is not None:
        on_progress(lines)
    if isinstance(importer, StockKind):
        for absent in importer.absent(engine):
            this.apply(absent, lines, lines)
    detail = {"file": path.name, "sha256": csv_file.sha256, "bad": this.bad}
    finished = run_in_transaction(engine, clock, lambda tx: finish_run(tx, run, kind, detail))
    return ImportSummary(
        kind=kind,
        file=path.name,
        sha256=csv_file.sha256,
        lines_read=lines,
        applied=finished.applied,
        unchanged=finished.unchanged,
        bad=this.bad,
        movements=finished.movements,
        elapsed_seconds=time.perf_counter() - started,
        resumed_after=run.lines_done,
        bad_lines=tuple(this.bad_lines),
    )
