"""Measure 9: importing from the ERP (``ordersync.imports.import_file``), in process, on each
backend: the catalog, then the stock snapshot onto an empty ledger, then the next night's
snapshot of the same positions with about 1 % of the quantities changed (the daily case).

Files: ``bench.erp_files`` writes them from the run's network shape (full: 300,000 SKUs,
10,000,000 positions at 500 locations). Baseline: the same files read with the ``csv`` module and
their rows written raw into the same tables of another freshly migrated ledger
(``bench.baselines.raw_import``). Figures are data lines per second; targets: each import of
the full-size files within ten minutes, and at least a fifth of the raw rate.

Checks, from the database rather than from the import's own summary: the catalog whole, the
first snapshot's units on hand and one movement per non-zero position, the nightly snapshot's
one movement and one feed row per changed quantity, and the same nightly file imported again
posting nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.baselines.raw_import import RawLoad, load_catalog, load_locations, load_stock
from bench.context import Context
from bench.cpu import CpuMeter, wait_until_quiet
from bench.db import Database
from bench.erp_files import NIGHTLY_CHANGED_SHARE, ErpFiles, write_erp_files
from bench.profiling import RATE, summarize
from bench.report import TIMES, Figure, busy_note
from ordersync.clock import SystemClock
from ordersync.db.engine import create_ledger_engine
from ordersync.imports import ImportKind, ImportSummary, import_file

FULL_SIZE_SKUS = 300_000
TARGET_SECONDS = 600.0
TARGET_RATIO = 0.2
PROGRESS_EVERY_S = 30.0
RECONCILIATION = "reconciliation"
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

Timed = tuple[ImportSummary, float, dict[str, float]]
"""What an import gave, its seconds, and the CPU share of the run."""


def _wait_for_quiet(ctx: Context) -> None:
    if ctx.quiet_wait > 0:
        waited, background = wait_until_quiet(None, ctx.quiet_wait)
        if waited > 1:
            ctx.log(f"  waited {waited:.0f} s for other work (now {background:.0f}% of a core)")


@contextmanager
def _profiled(ctx: Context, label: str) -> Iterator[None]:
    """py-spy on this process for as long as the block runs (``--profile``)."""
    if not ctx.profiler.enabled or ctx.profiler.binary is None:
        yield
        return
    out_dir = ctx.profiler.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / f"{label}.collapsed.txt"
    command = [ctx.profiler.binary, "record", "--pid", str(os.getpid()), "--threads"]
    command += ["--nonblocking", "--rate", str(RATE), "--format", "raw", "--output", str(raw)]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began = time.monotonic()
    try:
        yield
    finally:
        seconds = time.monotonic() - began
        recorder.send_signal(signal.SIGINT)
        try:
            recorder.wait(timeout=120)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait()
    if raw.exists():
        summary = out_dir / f"{label}.summary.txt"
        summary.write_text(summarize(raw, RATE, seconds))
        ctx.profiler.summaries[label] = summary


def _progress(ctx: Context, total: int) -> Callable[[int], None]:
    """Logs the lines done now and then, for the long full-size imports."""
    began = time.monotonic()
    last = began

    def report(done: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            ctx.log(f"    {done:,} of {total:,} lines, {done / (now - began):,.0f} lines/s")

    return report


def import_once(
    ctx: Context, database: Database, kind: ImportKind, path: Path, lines: int, label: str
) -> Timed:
    """(summary, seconds, CPU share) of one ``import_file`` into ``database``."""
    engine = create_ledger_engine(database.url, writer=True)
    try:
        _wait_for_quiet(ctx)
        with _profiled(ctx, label), CpuMeter(None) as meter:
            began = time.perf_counter()
            summary = import_file(
                engine, kind, path, clock=SystemClock(), on_progress=_progress(ctx, lines)
            )
            seconds = time.perf_counter() - began
    finally:
        engine.dispose()
    ctx.log(f"  {label}: {lines:,} lines in {seconds:.1f} s, {lines / seconds:,.0f} lines/s")
    return summary, seconds, meter.share.as_dict()


def raw_once(
    ctx: Context, load: Callable[[Database, Path], RawLoad], database: Database, path: Path
) -> tuple[RawLoad, dict[str, float]]:
    _wait_for_quiet(ctx)
    with CpuMeter(None) as meter:
        raw = load(database, path)
    ctx.log(
        f"  raw {path.name}: {raw.lines:,} lines in {raw.seconds:.1f} s, "
        f"{raw.lines / raw.seconds:,.0f} lines/s ({raw.rows})"
    )
    return raw, meter.share.as_dict()


def _movements(database: Database) -> int:
    return int(database.scalar("SELECT COUNT(*) FROM movements WHERE kind = ?", (RECONCILIATION,)))


def _units(database: Database) -> tuple[int, int]:
    """Units on hand in positions, and in the network totals."""
    positions = database.scalar("SELECT COALESCE(SUM(on_hand), 0) FROM positions")
    totals = database.scalar("SELECT COALESCE(SUM(on_hand), 0) FROM sku_totals")
    return int(positions), int(totals)


def _figure(
    ctx: Context,
    *,
    backend: str,
    step: str,
    case: str,
    lines: int,
    ours: Timed,
    raw: tuple[RawLoad, dict[str, float]],
    raw_label: str,
    note: str,
    full_size: bool,
) -> None:
    summary, seconds, cpu = ours
    base, base_cpu = raw
    rate = lines / seconds
    raw_rate = base.lines / base.seconds
    met = rate >= TARGET_RATIO * raw_rate and (seconds <= TARGET_SECONDS or not full_size)
    ctx.report.add(
        Figure(
            section="imports",
            case=case,
            metric="lines/s",
            ours=round(rate),
            baseline=round(raw_rate),
            baseline_label=raw_label,
            target=f"≥ {TARGET_RATIO:g}{TIMES} raw, ≤ {TARGET_SECONDS / 60:.0f} min at full size",
            met=met,
            ours_note=f"{seconds:,.1f} s · {note}" + busy_note(cpu),
            baseline_note=f"{base.seconds:,.1f} s" + busy_note(base_cpu),
            params={"backend": backend, "step": step, "lines": lines},
            detail={
                "ours": {"seconds": seconds, "cpu": cpu, "summary": summary.to_json()},
                "baseline": {
                    "seconds": base.seconds,
                    "rows": base.rows,
                    "cpu": base_cpu,
                },
            },
        )
    )


def measure(ctx: Context, backend: str, files: ErpFiles) -> None:
    label = LABELS[backend]
    full_size = files.skus >= FULL_SIZE_SKUS
    write, once = ("COPY", "") if backend == "postgresql" else ("executemany", ", one transaction")

    ctx.log(f"imports on {backend}: raw baseline")
    raw_db = ctx.databases.new(backend, "imports_raw")
    try:
        load_locations(raw_db, files.locations)
        raw_catalog = raw_once(ctx, load_catalog, raw_db, files.catalog)
        raw_stock = raw_once(ctx, load_stock, raw_db, files.stock)
        raw_counts = (
            raw_db.scalar("SELECT COUNT(*) FROM items"),
            raw_db.scalar("SELECT COUNT(*) FROM item_barcodes"),
            raw_db.scalar("SELECT COUNT(*) FROM positions"),
        )
    finally:
        ctx.databases.drop(raw_db)
    ctx.report.check(
        f"raw baseline wrote every line: {backend}",
        raw_counts == (files.skus, files.gtins, files.positions),
        f"items, barcodes, positions: {raw_counts}, expected "
        f"{(files.skus, files.gtins, files.positions)}",
    )

    ctx.log(f"imports on {backend}: import_file")
    database = ctx.databases.new(backend, "imports")
    try:
        import_once(
            ctx, database, ImportKind.LOCATIONS, files.locations, files.location_count, "locations"
        )
        catalog = import_once(
            ctx, database, ImportKind.ITEMS, files.catalog, files.skus, f"imports-{backend}-catalog"
        )
        counts = (
            database.scalar("SELECT COUNT(*) FROM items"),
            database.scalar("SELECT COUNT(*) FROM item_barcodes"),
        )
        ctx.report.check(
            f"catalog imported whole: {backend}",
            counts == (files.skus, files.gtins),
            f"{counts[0]:,} items, {counts[1]:,} barcodes, expected {files.skus:,} and "
            f"{files.gtins:,}",
        )
        _figure(
            ctx,
            backend=backend,
            step="catalog",
            case=f"{label} · catalog, {files.skus:,} SKUs with {files.gtins:,} GTINs, "
            "into an empty ledger",
            lines=files.skus,
            ours=catalog,
            raw=raw_catalog,
            raw_label=f"csv reader + {write} into items and item_barcodes{once}",
            note=f"{files.skus / catalog[1] * 60:,.0f} SKUs a minute",
            full_size=full_size,
        )

        first = import_once(
            ctx,
            database,
            ImportKind.STOCK,
            files.stock,
            files.positions,
            f"imports-{backend}-stock",
        )
        posted = _movements(database)
        units = _units(database)
        ctx.report.check(
            f"first snapshot lands whole, one movement per stocked position: {backend}",
            units == (files.units, files.units) and posted == files.nonzero,
            f"{units[0]:,} units on hand ({units[1]:,} in network totals), {posted:,} "
            f"movements; expected {files.units:,} units, {files.nonzero:,} movements",
        )
        _figure(
            ctx,
            backend=backend,
            step="stock",
            case=f"{label} · stock snapshot, {files.positions:,} positions at "
            f"{files.location_count:,} locations, onto an empty ledger",
            lines=files.positions,
            ours=first,
            raw=raw_stock,
            raw_label=f"csv reader + {write} into positions{once}",
            note=f"{posted:,} movements posted",
            full_size=full_size,
        )

        head = int(database.scalar("SELECT last_seq FROM feed_counter WHERE id = 1"))
        nightly = import_once(
            ctx,
            database,
            ImportKind.STOCK,
            files.nightly,
            files.positions,
            f"imports-{backend}-nightly",
        )
        posted_nightly = _movements(database) - posted
        published = database.scalar(
            "SELECT COUNT(*) FROM changes WHERE kind = 'position' AND seq > ?", (head,)
        )
        units = _units(database)
        ctx.report.check(
            f"next night's snapshot posts one movement per changed quantity: {backend}",
            posted_nightly == published == files.changed
            and units == (files.nightly_units, files.nightly_units),
            f"{posted_nightly:,} movements, {published:,} position rows in the feed, "
            f"{units[0]:,} units on hand; expected {files.changed:,} and "
            f"{files.nightly_units:,} units",
        )
        _figure(
            ctx,
            backend=backend,
            step="nightly",
            case=f"{label} · the next night's snapshot of the same {files.positions:,} "
            f"positions, {NIGHTLY_CHANGED_SHARE:.0%} of quantities changed",
            lines=files.positions,
            ours=nightly,
            raw=raw_stock,
            raw_label=f"csv reader + {write} of the same lines into empty positions{once}",
            note=f"{posted_nightly:,} movements posted",
            full_size=full_size,
        )

        before = _movements(database)
        repeat, _, _ = import_once(
            ctx, database, ImportKind.STOCK, files.nightly, files.positions, "nightly-again"
        )
        again = _movements(database) - before
        ctx.report.check(
            f"the same snapshot imported again posts nothing: {backend}",
            again == 0 and repeat.already_imported_at is not None,
            f"{again:,} movements posted by the second import of {files.nightly.name}, "
            f"already imported at {repeat.already_imported_at}",
        )
        bad = {
            name: timed[0].bad
            for name, timed in (("catalog", catalog), ("stock", first), ("nightly", nightly))
        }
        ctx.report.check(
            f"no generated line reported bad: {backend}",
            not any(bad.values()),
            ", ".join(f"{name} {count}" for name, count in bad.items())
            + "".join(
                f"; {bad_line.line}: {bad_line.reason}"
                for timed in (catalog, first, nightly)
                for bad_line in timed[0].bad_lines[:3]
            ),
        )
    finally:
        ctx.databases.drop(database)


def run(ctx: Context) -> None:
    shape = ctx.plan.network
    folder = ctx.work_dir / "erp"
    ctx.log(f"imports: ERP files for {shape.skus:,} SKUs and {shape.positions:,} positions")
    files = write_erp_files(shape, folder)
    ctx.report.data_build["ERP files"] = {
        "seconds": files.seconds,
        "bytes": files.sizes,
        "positions": files.positions,
        "changed": files.changed,
    }
    ctx.log(f"  written in {files.seconds:.1f} s: {files.sizes}")
    try:
        for backend in ctx.backends:
            measure(ctx, backend, files)
    finally:
        for path in (files.locations, files.catalog, files.stock, files.nightly):
            path.unlink(missing_ok=True)
