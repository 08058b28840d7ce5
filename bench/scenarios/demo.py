"""Measure 8: the demo network (``ordersync demo-data``): generating its 90 days of history, and
loading it into a new ledger.

- Generation: ``build_demo_network(seed)``, the median of ``plan.demo_runs`` runs. Baseline: as
  many movement-line tuples, per kind, drawn with ``random.Random`` alone (the raw cost of the
  draws: no models, no stock simulation). Target: 2 s, the budget it always had.
- Load: ``load_demo_network`` into a freshly migrated SQLite ledger file, once, migration not
  counted (SQLite only: ``ordersync demo`` keeps its ledger in a SQLite file). Baseline: the
  movement rows that load wrote, written again with one raw ``executemany`` into the
  ``movements`` table of another freshly migrated ledger, in one transaction, with the ledger's
  durability (WAL, synchronous=FULL). Target: the 6.7 s documented for the first load by hand.

Checks that two generations with the same seed give an equal network.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from statistics import median
from typing import Any

from bench.context import Context
from bench.cpu import CpuMeter, wait_until_quiet
from bench.db import Database
from bench.report import Figure, busy_note
from ordersync.cli.commands.demo import DEFAULT_SEED
from ordersync.clock import SystemClock
from ordersync.db.engine import create_ledger_engine
from ordersync.demo.history import DemoNetwork, build_demo_network
from ordersync.demo.load import DemoSummary, load_demo_network

TARGET_GENERATION_S = 2.0
TARGET_LOAD_S = 6.7
MOVEMENT_COLUMNS = (
    "seq",
    "op_id",
    "kind",
    "sku",
    "location",
    "qty",
    "reason",
    "reservation_id",
    "actor",
    "device",
    "occurred_at",
    "recorded_at",
)

Line = tuple[str, str, str, int]


def line_counts(network: DemoNetwork) -> Counter[str]:
    """Movement lines of the network, per kind."""
    return Counter(line.kind for b in network.batches for line in b.batch.lines)


def draw_lines(
    seed: int, counts: Counter[str], skus: list[str], locations: list[str]
) -> list[Line]:
    """The baseline: one (kind, SKU, location, quantity) tuple per line, from random draws."""
    rng = random.Random(seed)
    return [
        (kind, rng.choice(skus), rng.choice(locations), rng.randint(1, 9))
        for kind, count in counts.items()
        for _ in range(count)
    ]


def fingerprint(network: DemoNetwork) -> str:
    """A digest of every batch as the ledger receives it, to tell networks apart in reports."""
    digest = hashlib.sha256()
    for demo_batch in network.batches:
        digest.update(demo_batch.batch.model_dump_json().encode())
    return digest.hexdigest()[:12]


def timed_runs(
    runs: int, work: Callable[[], Any]
) -> tuple[list[float], list[Any], dict[str, float]]:
    """Seconds of each of ``runs`` calls of ``work``, the first and last results, and the CPU
    share of the runs."""
    seconds: list[float] = []
    kept: list[Any] = []
    with CpuMeter(None) as meter:
        for index in range(runs):
            began = time.perf_counter()
            result = work()
            seconds.append(time.perf_counter() - began)
            if index in (0, runs - 1):
                kept.append(result)
    return seconds, kept, meter.share.as_dict()


def raw_write(database: Database, rows: list[tuple[Any, ...]]) -> float:
    """Seconds to write ``rows`` into ``movements`` with one ``executemany``, one transaction."""
    connection = sqlite3.connect(database.sqlite_path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    insert = (
        f"INSERT INTO movements ({', '.join(MOVEMENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(MOVEMENT_COLUMNS))})"
    )
    try:
        began = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(insert, rows)
        connection.execute("COMMIT")
        return time.perf_counter() - began
    finally:
        connection.close()


def _wait_for_quiet(ctx: Context) -> None:
    if ctx.quiet_wait > 0:
        waited, background = wait_until_quiet(None, ctx.quiet_wait)
        if waited > 1:
            ctx.log(f"  waited {waited:.0f} s for other work (now {background:.0f}% of a core)")


def measure_generation(ctx: Context) -> None:
    runs = ctx.plan.demo_runs
    if runs < 2:
        raise ValueError("demo_runs must be at least 2: the same-seed check needs two networks")
    ctx.log(f"demo network: build_demo_network({DEFAULT_SEED}), {runs} runs")
    _wait_for_quiet(ctx)
    ours_s, (first, last), ours_cpu = timed_runs(runs, lambda: build_demo_network(DEFAULT_SEED))
    digest = fingerprint(first)
    same = first == last and digest == fingerprint(last)
    ctx.report.check(
        "same demo network for the same seed, twice",
        same,
        f"seed {DEFAULT_SEED}: {len(first.batches):,} batches, {len(first.orders):,} orders, "
        f"batches digest {digest}"
        if same
        else f"seed {DEFAULT_SEED}: the first and the last of {runs} generations differ",
    )
    counts = line_counts(first)
    skus = [item.sku for item in first.items]
    locations = [location.code for location in first.locations]
    ctx.log(f"demo network: {sum(counts.values()):,} line tuples from random draws, {runs} runs")
    _wait_for_quiet(ctx)
    base_s, _, base_cpu = timed_runs(
        runs, lambda: draw_lines(DEFAULT_SEED, counts, skus, locations)
    )
    ours, base = median(ours_s), median(base_s)
    ctx.log(f"  generation: {ours:.2f} s (baseline {base:.3f} s), runs {ours_s}")

    def spread(values: list[float]) -> str:
        return f"median of {len(values)}, {min(values):.3f} to {max(values):.3f} s"

    ctx.report.add(
        Figure(
            section="demo",
            case=f"generate 90 days of history, seed {DEFAULT_SEED} ({len(first.batches):,} "
            f"batches, {sum(counts.values()):,} movement lines, {len(first.orders):,} orders)",
            metric="s",
            ours=round(ours, 3),
            baseline=round(base, 4),
            baseline_label="the same number of line tuples from `random.Random` alone",
            target=f"≤ {TARGET_GENERATION_S:.1f} s",
            met=ours <= TARGET_GENERATION_S,
            ours_note=spread(ours_s) + busy_note(ours_cpu),
            baseline_note=spread(base_s) + busy_note(base_cpu),
            higher_is_better=False,
            params={"step": "generation", "seed": DEFAULT_SEED, "runs": runs},
            detail={
                "ours": {"seconds": ours_s, "cpu": ours_cpu},
                "baseline": {"seconds": base_s, "cpu": base_cpu},
                "lines": dict(counts),
            },
        )
    )


def load_once(database: Database) -> tuple[DemoSummary, float, dict[str, float]]:
    engine = create_ledger_engine(database.url, writer=True)
    try:
        with CpuMeter(None) as meter:
            began = time.perf_counter()
            summary = load_demo_network(engine, SystemClock(), seed=DEFAULT_SEED)
            seconds = time.perf_counter() - began
    finally:
        engine.dispose()
    return summary, seconds, meter.share.as_dict()


def measure_load(ctx: Context) -> None:
    ours_db = ctx.databases.new("sqlite", "demo")
    raw_db = ctx.databases.new("sqlite", "demo_raw")
    try:
        ctx.log("demo network: load_demo_network into a new SQLite ledger")
        _wait_for_quiet(ctx)
        summary, ours, ours_cpu = load_once(ours_db)
        with ours_db.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(MOVEMENT_COLUMNS)} FROM movements ORDER BY seq")
            rows = [tuple(row) for row in cursor.fetchall()]
        ctx.log(f"demo network: {len(rows):,} movement rows, one raw executemany")
        _wait_for_quiet(ctx)
        with CpuMeter(None) as meter:
            base = raw_write(raw_db, rows)
        base_cpu = meter.share.as_dict()
        ctx.log(f"  load: {ours:.2f} s (baseline {base:.3f} s)")
        ctx.report.add(
            Figure(
                section="demo",
                case=f"SQLite · load into a new ledger, seed {DEFAULT_SEED} "
                f"({summary.batches_applied:,} batches, {summary.orders_placed:,} orders; "
                "migration not counted)",
                metric="s",
                ours=round(ours, 3),
                baseline=round(base, 4),
                baseline_label="one raw executemany of the same movement rows",
                target=f"≤ {TARGET_LOAD_S} s",
                met=ours <= TARGET_LOAD_S,
                ours_note=f"{len(rows):,} movement rows" + busy_note(ours_cpu),
                baseline_note=f"{len(rows):,} rows" + busy_note(base_cpu),
                higher_is_better=False,
                params={"step": "load", "backend": "sqlite", "seed": DEFAULT_SEED},
                detail={
                    "ours": {
                        "seconds": ours,
                        "cpu": ours_cpu,
                        "summary": asdict(summary) | {"anchor": summary.anchor.isoformat()},
                    },
                    "baseline": {"seconds": base, "cpu": base_cpu, "rows": len(rows)},
                },
            )
        )
    finally:
        for database in (ours_db, raw_db):
            ctx.databases.drop(database)


def run(ctx: Context) -> None:
    measure_generation(ctx)
    measure_load(ctx)
