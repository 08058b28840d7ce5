"""Measure 3: network availability of one SKU and of one whole reference (every size) across
every location, over HTTP, with the network's positions in the database. Baseline: the same
reads raw, over a covering index of positions that exists only while the baseline runs (so the
ledger is measured on its own schema).
"""

from __future__ import annotations

import time

from bench.context import Context
from bench.datagen import NetworkFacts
from bench.db import Database
from bench.load import LoadResult
from bench.report import TIMES, Figure, busy_note

COVERING_INDEX = "bench_positions_covering"
COVERED = "sku, location, on_hand, reserved, safety_stock, suspect, seq, updated_at"


def _latency(result: LoadResult) -> str:
    return f"p50 {result.p50_ms:.1f} ms · p99 {result.p99_ms:.1f} ms" + busy_note(result.cpu)


def run(ctx: Context, database: Database, facts: NetworkFacts, token: str) -> None:
    plan = ctx.plan
    backend = database.backend
    skus = facts.dense_skus(500)
    references = facts.dense_references(100)
    loads = {
        "sku": {
            "ours": "/v1/availability/skus/{key}",
            "raw": "/skus/{key}",
            "keys": skus,
            "connections": plan.connections,
        },
        "reference": {
            "ours": "/v1/availability/references/{key}",
            "raw": "/references/{key}",
            "keys": references,
            "connections": plan.connections,
        },
    }
    headers = {"Authorization": f"Bearer {token}"}
    workers = plan.availability_workers
    ours: dict[str, LoadResult] = {}
    raw: dict[str, LoadResult] = {}
    ctx.log(f"availability: ordersync on {backend}, {workers} worker(s)")
    with ctx.servers.ordersync(f"availability-{backend}", database.url, workers) as server:
        for what, load in loads.items():
            name = f"availability-{backend}-ours-{what}"
            spec = ctx.spec(
                name=name,
                method="GET",
                path=load["ours"],
                keys=load["keys"],
                headers=headers,
                connections=load["connections"],
            )
            _warm, ours[what] = ctx.measure(server, spec, label=name)
    ctx.log(f"availability: raw reads over a covering index on {backend}")
    began = time.perf_counter()
    with database.cursor() as cursor:
        if database.is_postgres:
            cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(f"CREATE INDEX {COVERING_INDEX} ON positions ({COVERED})")
        if not database.is_postgres:
            cursor.execute("ANALYZE positions")
    if database.is_postgres:
        connection = database.connect()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE positions")
        connection.close()
    ctx.log(f"  covering index built in {time.perf_counter() - began:.1f} s")
    try:
        with ctx.servers.uvicorn_app(
            f"availability-raw-{backend}",
            "bench.baselines.raw_availability:app",
            workers,
            {"BENCH_DATABASE_URL": database.url},
            "/health",
        ) as server:
            for what, load in loads.items():
                name = f"availability-{backend}-raw-{what}"
                spec = ctx.spec(
                    name=name,
                    method="GET",
                    path=load["raw"],
                    keys=load["keys"],
                    headers=headers,
                    connections=load["connections"],
                )
                _warm, raw[what] = ctx.measure(server, spec, label=name)
    finally:
        with database.cursor() as cursor:
            cursor.execute(f"DROP INDEX {COVERING_INDEX}")
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    shape = facts.shape
    for what, result in ours.items():
        base = raw[what]
        errors = result.responses - result.count(200)
        ctx.report.check(
            f"availability answers: {backend} {what}",
            errors == 0 and base.responses == base.count(200),
            f"{result.responses} replies, {errors} not 200; baseline {base.statuses}",
        )
        positions = shape.locations * (shape.sizes if what == "reference" else 1)
        ctx.report.add(
            Figure(
                section="availability",
                case=f"{label} · one {what} ({positions:,} positions) · "
                f"{load_clients(loads, what)} clients · {workers} worker(s)",
                metric="req/s",
                ours=result.rps,
                baseline=base.rps,
                baseline_label="raw query, covering index",
                target=f"≥ 0.5{TIMES} raw, p99 ≤ 2{TIMES} raw",
                met=result.rps >= 0.5 * base.rps and result.p99_ms <= 2 * base.p99_ms,
                ours_note=_latency(result),
                baseline_note=_latency(base),
                params={"backend": backend, "what": what, "positions": facts.positions},
                detail={"ours": result.as_dict(), "baseline": base.as_dict()},
            )
        )


def load_clients(loads: dict[str, dict[str, object]], what: str) -> object:
    return loads[what]["connections"]
