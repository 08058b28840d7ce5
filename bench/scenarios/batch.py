"""Measure 2: a store uploads a batch of 1,000 counter sales (say, after a day offline) in one
``POST /v1/movements``: lines per second, and the server's time per batch (one batch at a time,
so the reply time is the server's time). Baseline: the same rows written raw, in one transaction
per batch: one UPDATE of each position and one INSERT of each movement (executemany), then commit.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from statistics import median, quantiles
from typing import Any

from bench.context import Context
from bench.datagen import load_network, sku_code, store_code
from bench.db import Database
from bench.plan import NetworkShape, Plan
from bench.procs import issue_token
from bench.report import Figure, busy_note

STORE = store_code(0)
TARGET_LINES_PER_S = 40_000


def batch_shape(plan: Plan) -> NetworkShape:
    references = -(-plan.batch_lines // 20)
    return NetworkShape(
        locations=2,
        references=references,
        dense_references=references,
        positions=references * 20 * 2,
        fixed_on_hand=10_000_000,
    )


def batch_body(plan: Plan) -> str:
    shape = batch_shape(plan)
    lines = [
        {"kind": "sale", "sku": sku_code(shape, i), "location": STORE, "qty": 1}
        for i in range(plan.batch_lines)
    ]
    return '{"op_id":"{op_id}","lines":' + json.dumps(lines, separators=(",", ":")) + "}"


def raw_batches(database: Database, plan: Plan, seconds: float, limit: int) -> list[float]:
    """Seconds per batch of the raw writes, for ``seconds`` or ``limit`` batches."""
    shape = batch_shape(plan)
    skus = [sku_code(shape, i) for i in range(plan.batch_lines)]
    connection = database.connect()
    p = "%s" if database.is_postgres else "?"
    if not database.is_postgres:
        connection.isolation_level = None
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
    update = (
        f"UPDATE positions SET on_hand = on_hand - 1, seq = {p}, updated_at = {p} "
        f"WHERE sku = {p} AND location = {p}"
    )
    insert = (
        "INSERT INTO movements (seq, op_id, kind, sku, location, qty, reason, reservation_id, "
        f"actor, device, occurred_at, recorded_at) VALUES ({p}, {p}, 'sale', {p}, {p}, -1, NULL, "
        f"NULL, 0, 'bench', {p}, {p})"
    )
    seq = 10**12
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    try:
        while len(times) < limit and (not times or time.perf_counter() < deadline):
            began = time.perf_counter()
            now: Any = datetime.now(UTC).replace(tzinfo=None)
            if not database.is_postgres:
                now = now.isoformat(" ")
                connection.execute("BEGIN IMMEDIATE")
            op_id = f"00000000-0000-4000-8000-{len(times):012d}"
            cursor = connection.cursor()
            cursor.executemany(update, [(seq + i, now, sku, STORE) for i, sku in enumerate(skus)])
            cursor.executemany(
                insert, [(seq + i, op_id, sku, STORE, now, now) for i, sku in enumerate(skus)]
            )
            if database.is_postgres:
                connection.commit()
            else:
                connection.execute("COMMIT")
            seq += len(skus)
            times.append(time.perf_counter() - began)
    finally:
        connection.close()
    return times


def run(ctx: Context) -> None:
    plan = ctx.plan
    shape = batch_shape(plan)
    body = batch_body(plan)
    for backend in ctx.backends:
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
        ours_db = ctx.databases.new(backend, "batch")
        raw_db = ctx.databases.new(backend, "batch_raw")
        for database in (ours_db, raw_db):
            load_network(database, shape)
        token = issue_token(ours_db.url, STORE, "associate")
        accepted = 0
        unanswered = 0
        results = {}
        ctx.log(f"batch movements: ordersync on {backend}, 1 worker")
        with ctx.servers.ordersync(f"batch-{backend}", ours_db.url, 1) as server:
            for clients in plan.batch_connections:
                name = f"batch-{backend}-c{clients}"
                spec = ctx.spec(
                    name=name,
                    method="POST",
                    path="/v1/movements",
                    body=body,
                    keys=["-"],
                    headers={"Authorization": f"Bearer {token}"},
                    connections=clients,
                    max_requests=max(20, plan.max_requests // plan.batch_lines),
                )
                warm, result = ctx.measure(server, spec, label=name)
                accepted += result.count(201) + (warm.count(201) if warm else 0)
                unanswered += clients * (2 if warm else 1)
                results[clients] = result
        # All or nothing: every SKU of the batch lost exactly one unit per batch applied.
        low, high = ours_db.scalar_row(
            "SELECT MIN(on_hand), MAX(on_hand) FROM positions WHERE location = ? AND sku IN "
            f"({', '.join('?' * plan.batch_lines)})",
            (STORE, *(sku_code(shape, i) for i in range(plan.batch_lines))),
        )
        applied = 10_000_000 - int(high)
        ctx.report.check(
            f"every batch applied whole, once: batch-{backend}",
            low == high and accepted <= applied <= accepted + unanswered,
            f"{accepted} batches accepted ({unanswered} at most unread), {applied} applied, "
            f"each to all {plan.batch_lines:,} lines"
            if low == high
            else f"lines differ: {low}..{high}",
        )
        ctx.log(f"batch movements: raw writes on {backend}")
        times = raw_batches(raw_db, plan, plan.duration, max(20, plan.max_requests // 1000))
        raw_p50 = median(times)
        raw_p99 = quantiles(times, n=100)[98] if len(times) >= 2 else times[0]
        raw_lines = plan.batch_lines / (sum(times) / len(times))
        ctx.log(
            f"  raw: {raw_lines:,.0f} lines/s, p50 {raw_p50 * 1000:.1f} ms ({len(times)} batches)"
        )
        for clients, result in results.items():
            lines_per_s = result.rps * plan.batch_lines
            note = f"{result.p50_ms:.0f} ms/batch p50 · p99 {result.p99_ms:.0f} ms" + busy_note(
                result.cpu
            )
            ctx.report.add(
                Figure(
                    section="batch",
                    case=f"{label} · {plan.batch_lines:,} sale lines · {clients} "
                    f"client{'s' if clients > 1 else ''} at a time",
                    metric="lines/s",
                    ours=round(lines_per_s),
                    baseline=round(raw_lines),
                    baseline_label="raw executemany, one transaction per batch",
                    target=f"≥ {TARGET_LINES_PER_S:,} lines/s",
                    met=lines_per_s >= TARGET_LINES_PER_S,
                    ours_note=note,
                    baseline_note=f"{raw_p50 * 1000:.0f} ms/batch p50 · p99 "
                    f"{raw_p99 * 1000:.0f} ms",
                    params={"backend": backend, "clients": clients, "lines": plan.batch_lines},
                    detail={"ours": result.as_dict(), "raw_batches": len(times)},
                )
            )
        for database in (ours_db, raw_db):
            ctx.databases.drop(database)
