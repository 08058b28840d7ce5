"""Measure 1 (and 6): reservations per second and latency, next to the raw per-request-commit
baseline on each backend, and on PostgreSQL next to the row-locking sequence.

Each server runs the hot-SKU load (every request on one SKU at one store) and the spread load
(a random SKU among many), then a contended probe: a SKU with only N units left receives many
more requests than N, and exactly N units may be held. After every run the database must show
no oversell: no position below zero available, each position's reserved units equal to its
pending reservation lines (and its network total), and as many reservations as 201 replies,
give or take the requests still in flight when the load generator stopped (at most one per
connection per run: their replies were never read).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from bench.context import Context
from bench.datagen import load_network, sku_code, store_code
from bench.db import Database
from bench.load import LoadResult
from bench.plan import NetworkShape, Plan
from bench.procs import Server, issue_token
from bench.report import TIMES, Figure, busy_note

STORE = store_code(0)
BODY = (
    '{"op_id":"{op_id}","lines":[{"sku":"{key}","location":"' + STORE + '","qty":1}],'
    '"ttl_seconds":3600}'
)
P99_TARGET_MS = 30.0
APPS = {
    "ours": "ordersync",
    "raw": "raw FastAPI, one UPDATE + INSERT + commit per request",
    "rowlock": "row-locking sequence (SELECT ... FOR UPDATE, sum, update, insert)",
}


def reservation_shape(plan: Plan) -> NetworkShape:
    skus = 1 + plan.reservation_skus + len(plan.workers)
    references = math.ceil(skus / 20)
    low = tuple((1 + plan.reservation_skus + n, plan.last_units) for n in range(len(plan.workers)))
    return NetworkShape(
        locations=2,
        references=references,
        dense_references=references,
        positions=references * 20 * 2,
        fixed_on_hand=10_000_000,
        low_stock=low,
    )


@dataclass
class AppDb:
    kind: str
    database: Database
    accepted: int = 0
    """201 replies so far, warm-ups included: the reservations the database must hold."""
    unanswered: int = 0
    """Requests that may have been in flight, unread, when a run stopped (one per connection)."""
    results: dict[tuple[int, str], LoadResult] = field(default_factory=dict)
    probes: dict[int, dict[str, Any]] = field(default_factory=dict)


HOLDS_DIFFER = (
    "(SELECT COUNT(*) FROM positions p WHERE p.reserved <> COALESCE((SELECT SUM(l.qty) "
    "FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id "
    "WHERE r.state = 'pending' AND l.sku = p.sku AND l.location = p.location), 0))"
)
TOTALS_DIFFER = (
    "(SELECT COUNT(*) FROM sku_totals t WHERE t.reserved <> "
    "(SELECT COALESCE(SUM(p.reserved), 0) FROM positions p WHERE p.sku = t.sku))"
)


def settle(database: Database, seconds: float = 10.0) -> int:
    """Wait until requests still in the server when the load stopped are done."""
    deadline = time.monotonic() + seconds
    last = -1
    while time.monotonic() < deadline:
        held = int(database.scalar("SELECT COUNT(*) FROM reservations"))
        if held == last:
            return held
        last = held
        time.sleep(0.2)
    return last


def invariants(app: AppDb) -> list[str]:
    """Oversell and bookkeeping problems in ``app``'s database (empty: none).

    One statement, so one snapshot on both backends, even if a late request commits meanwhile.
    """
    db = app.database
    settle(db)
    checks = {
        "negative": "(SELECT COUNT(*) FROM positions WHERE on_hand - reserved - safety_stock < 0)",
        "held": "(SELECT COUNT(*) FROM reservations WHERE state = 'pending')",
        "reserved": "(SELECT COALESCE(SUM(reserved), 0) FROM positions)",
        "holds_differ": "0" if app.kind == "raw" else HOLDS_DIFFER,
        "totals_differ": TOTALS_DIFFER if app.kind == "ours" else "0",
    }
    with db.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in checks.items()))
        found = dict(zip(checks, (int(v) for v in cursor.fetchone()), strict=True))
    problems = []
    if found["negative"]:
        problems.append(f"{found['negative']} positions below zero available (oversold)")
    held = found["held"]
    if not app.accepted <= held <= app.accepted + app.unanswered:
        problems.append(
            f"{held} pending reservations for {app.accepted} accepted replies "
            f"(and at most {app.unanswered} unread)"
        )
    if found["reserved"] != held:
        problems.append(f"{found['reserved']} units reserved for {held} reservations of one unit")
    if found["holds_differ"]:
        problems.append(f"{found['holds_differ']} positions whose reserved units differ from holds")
    if found["totals_differ"]:
        problems.append(f"{found['totals_differ']} network totals disagree with their positions")
    return problems


def _spec(ctx: Context, name: str, keys: list[str], token: str, **extra: Any) -> Any:
    return ctx.spec(
        name=name,
        method="POST",
        path="/v1/reservations",
        body=BODY,
        keys=keys,
        headers={"Authorization": f"Bearer {token}"},
        **extra,
    )


def _run_server(
    ctx: Context, server: Server, app: AppDb, backend: str, workers: int, token: str, n: int
) -> None:
    shape = reservation_shape(ctx.plan)
    hot = [sku_code(shape, 0)]
    spread = [sku_code(shape, i) for i in range(1, 1 + ctx.plan.reservation_skus)]
    for mode, keys in (("hot", hot), ("spread", spread)):
        label = f"reserve-{backend}-{app.kind}-w{workers}-{mode}"
        warm, result = ctx.measure(
            server, _spec(ctx, label, keys, token), label=label, prepare=lambda: analyze(app)
        )
        app.accepted += result.count(201) + (warm.count(201) if warm else 0)
        app.unanswered += ctx.plan.connections * (2 if warm else 1)
        app.results[(workers, mode)] = result
        problems = invariants(app)
        ctx.report.check(
            f"no oversell: {label}",
            not problems,
            "; ".join(problems) or f"{app.accepted:,} accepted, holds and stock agree",
        )
    # The contended probe: N units left, many more requests, exactly N may succeed.
    last = sku_code(shape, 1 + ctx.plan.reservation_skus + n)
    units = ctx.plan.last_units
    label = f"last-units-{backend}-{app.kind}-w{workers}"
    probe = ctx.load.run(
        server.base_url,
        _spec(
            ctx,
            label,
            [last],
            token,
            max_requests=ctx.plan.last_units_requests,
            duration=max(ctx.plan.duration, 60.0),
        ),
    )
    won = probe.count(201)
    app.accepted += won
    app.unanswered += ctx.plan.connections
    available, reserved = _position(app.database, last)
    app.probes[workers] = {
        "requests": probe.responses,
        "accepted": won,
        "refused": probe.count(409),
    }
    problems = invariants(app)
    # Never more held than there were; every reply an acceptance or a refusal; a refusal only
    # once nothing was left (more requests than units: some are refused, all units are taken).
    refused = probe.count(409)
    ok = (
        won <= reserved <= units
        and available == units - reserved
        and probe.count(201, 409) == probe.responses
        and (available == 0 or not refused)
    )
    ctx.report.check(
        f"last {units} units: {label}",
        ok and not problems,
        f"{probe.responses} replies: {won} accepted, {refused} refused; "
        f"{reserved} held, {available} left" + (f"; {'; '.join(problems)}" if problems else ""),
    )


def analyze(app: AppDb) -> None:
    """Fresh planner statistics of the tables the runs fill, for every app alike.

    The reservation tables start empty; PostgreSQL would otherwise plan the row-locking
    sequence's sum over pending holds for an empty table (a nested loop that rescans every
    pending reservation for each hold) until autovacuum analyzes them, and that baseline
    collapses (measured: 115 → 13 req/s in 15 s instead of about 630).
    """
    if not app.database.is_postgres:
        return
    connection = app.database.connect()
    try:
        connection.autocommit = True
        for table in ("reservations", "reservation_lines", "positions"):
            connection.execute(f"ANALYZE {table}")
    finally:
        connection.close()


def _position(database: Database, sku: str) -> tuple[int, int]:
    with database.cursor() as cursor:
        cursor.execute(
            database.sql(
                "SELECT on_hand - reserved - safety_stock, reserved FROM positions "
                "WHERE sku = ? AND location = ?"
            ),
            (sku, STORE),
        )
        available, reserved = cursor.fetchone()
    return int(available), int(reserved)


def run(ctx: Context) -> None:
    """Every (backend, workers) round starts from fresh databases, so rounds compare."""
    plan = ctx.plan
    shape = reservation_shape(plan)
    for backend in ctx.backends:
        kinds = ["ours", "raw"] + (["rowlock"] if backend == "postgresql" else [])
        results: dict[str, dict[tuple[int, str], LoadResult]] = {kind: {} for kind in kinds}
        pending: dict[int, int] = {}
        for n, workers in enumerate(plan.workers):
            apps: dict[str, AppDb] = {}
            try:
                for kind in kinds:
                    database = ctx.databases.new(backend, f"resv_{kind}_w{workers}")
                    load_network(database, shape)
                    apps[kind] = AppDb(kind, database)
                token = issue_token(apps["ours"].database.url, STORE, "associate")
                for kind in kinds:
                    app = apps[kind]
                    name = f"{kind}-{backend}-w{workers}"
                    ctx.log(f"reservations: {APPS[kind]} on {backend}, {workers} worker(s)")
                    if kind == "ours":
                        server_cm = ctx.servers.ordersync(name, app.database.url, workers)
                    else:
                        module = "raw_reserve" if kind == "raw" else "rowlock_reserve"
                        server_cm = ctx.servers.uvicorn_app(
                            name,
                            f"bench.baselines.{module}:app",
                            workers,
                            {"BENCH_DATABASE_URL": app.database.url},
                            "/health",
                        )
                    with server_cm as server:
                        _run_server(ctx, server, app, backend, workers, token, n)
                    results[kind].update(app.results)
                if "rowlock" in apps:
                    pending[workers] = int(
                        apps["rowlock"].database.scalar(
                            "SELECT COUNT(*) FROM reservations WHERE state = 'pending'"
                        )
                    )
            finally:
                for app in apps.values():
                    ctx.databases.drop(app.database)
        _figures(ctx, backend, results, pending)


def _latency(result: LoadResult) -> str:
    return f"p50 {result.p50_ms:.1f} ms · p99 {result.p99_ms:.1f} ms" + busy_note(result.cpu)


def _figures(
    ctx: Context,
    backend: str,
    results: dict[str, dict[tuple[int, str], LoadResult]],
    pending: dict[int, int],
) -> None:
    label = {"sqlite": "SQLite (WAL, synchronous=FULL)", "postgresql": "PostgreSQL"}[backend]
    ours, raw = results["ours"], results["raw"]
    for (workers, mode), result in ours.items():
        base = raw[(workers, mode)]
        case = (
            f"{label} · {workers} worker{'s' if workers > 1 else ''} · {mode} SKU · "
            f"{ctx.plan.connections} clients"
        )
        target, met = "", None
        if backend == "sqlite":
            target = f"≥ 1.0{TIMES} raw, p99 ≤ {P99_TARGET_MS:.0f} ms"
            met = result.rps >= base.rps and result.p99_ms <= P99_TARGET_MS
        ctx.report.add(
            Figure(
                section="reservations",
                case=case,
                metric="req/s",
                ours=result.rps,
                baseline=base.rps,
                baseline_label="raw per-request commit",
                target=target,
                met=met,
                ours_note=_latency(result),
                baseline_note=_latency(base),
                params={"backend": backend, "workers": workers, "mode": mode},
                detail={"ours": result.as_dict(), "baseline": base.as_dict()},
            )
        )
    if "rowlock" not in results:
        return
    lock = results["rowlock"]
    for (workers, mode), result in ours.items():
        base = lock[(workers, mode)]
        target, met = "", None
        if mode == "hot":
            target = f"≥ 1.5{TIMES} row-locking"
            met = result.rps >= 1.5 * base.rps
        ctx.report.add(
            Figure(
                section="postgres",
                case=f"{workers} worker{'s' if workers > 1 else ''} · {mode} SKU",
                metric="req/s",
                ours=result.rps,
                baseline=base.rps,
                baseline_label="row-locking sequence",
                target=target,
                met=met,
                ours_note=_latency(result),
                baseline_note=_latency(base),
                params={"backend": backend, "workers": workers, "mode": mode},
                detail={
                    "ours": result.as_dict(),
                    "baseline": base.as_dict(),
                    "rowlock_pending_holds_at_end_of_round": pending.get(workers),
                },
            )
        )
    if 1 in ctx.plan.workers and 2 in ctx.plan.workers:
        for mode in ("hot", "spread"):
            one, two = ours[(1, mode)], ours[(2, mode)]
            ctx.report.add(
                Figure(
                    section="postgres",
                    case=f"ordersync 2 workers vs 1 · {mode} SKU",
                    metric="req/s",
                    ours=two.rps,
                    baseline=one.rps,
                    baseline_label="ordersync, 1 worker",
                    target=f"≥ 1.3{TIMES} one worker",
                    met=two.rps >= 1.3 * one.rps,
                    ours_note=_latency(two),
                    baseline_note=_latency(one),
                    params={"backend": backend, "mode": mode},
                )
            )
