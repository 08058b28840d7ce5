"""Measure 7: the sales reports over HTTP, on the network's positions with weeks of sales
history (``bench.sales_history``), as an admin asks for them.

Each report is asked for many keys (stores, or references), one request at a time: the figure
is its latency. Baseline: the same rows read raw, with the same SQL over the same
indexes, on one connection in this process, fetched and dropped: what the database costs before
any report is computed, serialised or sent. Each case says how many rows one request reads.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.context import Context
from bench.datagen import NetworkFacts, location_code
from bench.db import Database
from bench.load import LoadResult
from bench.procs import issue_token
from bench.report import Figure, busy_note
from bench.sales_history import load_history

PARIS = ZoneInfo("Europe/Paris")
RATE_DAYS = 28
KPI_DAYS = 30
STORE_KEYS = 50
REFERENCE_KEYS = 20
RAW_SECONDS = 3.0
RAW_MAX = 300
P99_TARGET_MS = 1000.0


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    keys: list[str]
    raw: Callable[[Any, str], int]
    """Reads the rows the report reads for one key; answers how many."""


def _fetch(db: Database, connection: Any, sql: str, params: tuple[Any, ...]) -> int:
    cursor = connection.cursor()
    cursor.execute(db.sql(sql), params)
    return len(cursor.fetchall())


def _location_reads(db: Database, today: date, empty: bool) -> Callable[[Any, str], int]:
    first = (today - timedelta(days=RATE_DAYS)).isoformat()
    last = today.isoformat()

    def read(connection: Any, location: str) -> int:
        rows = _fetch(
            db,
            connection,
            "SELECT sku, location, day, sold_units, returned_units, received_units, "
            "closing_on_hand, sent_units FROM position_days WHERE location = ? AND day >= ? "
            "AND day <= ?",
            (location, first, last),
        )
        rows += _fetch(
            db,
            connection,
            "SELECT m.sku, (SELECT e.closing_on_hand FROM position_days e WHERE e.sku = m.sku "
            "AND e.location = ? AND e.day < ? ORDER BY e.day DESC LIMIT 1) FROM (SELECT "
            "DISTINCT sku FROM position_days WHERE location = ? AND day >= ? AND day <= ?) m",
            (location, first, location, first, last),
        )
        moved = (
            "EXISTS (SELECT 1 FROM position_days d WHERE d.sku = p.sku AND d.location = ? "
            "AND d.day >= ? AND d.day <= ?)"
        )
        columns = (
            "SELECT i.sku, i.reference, i.name, i.size, i.colour, i.price_minor, i.currency, "
            "p.location, p.on_hand, p.reserved, p.safety_stock FROM positions p "
            "JOIN items i ON i.sku = p.sku WHERE p.location = ? AND "
        )
        rows += _fetch(db, connection, columns + moved, (location, location, first, last))
        if empty:
            rows += _fetch(
                db,
                connection,
                columns + "NOT " + moved + " AND p.on_hand <= 0 ORDER BY p.sku LIMIT 500",
                (location, location, first, last),
            )
        return rows

    return read


def _reference_reads(
    db: Database, today: date, openings: bool, location: str | None = None
) -> Callable[[Any, str], int]:
    first = (today - timedelta(days=RATE_DAYS)).isoformat()
    last = today.isoformat()
    here = "" if location is None else " AND p.location = ?"
    at = () if location is None else (location,)

    def read(connection: Any, reference: str) -> int:
        cursor = connection.cursor()
        cursor.execute(
            db.sql(
                "SELECT sku, reference, name, size, colour, price_minor, currency FROM items "
                "WHERE reference = ?"
            ),
            (reference,),
        )
        skus = [row[0] for row in cursor.fetchall()]
        marks = ", ".join("?" for _ in skus)
        rows = len(skus)
        rows += _fetch(
            db,
            connection,
            "SELECT p.sku, p.location, p.on_hand, p.reserved, p.safety_stock FROM positions p "
            f"WHERE p.sku IN ({marks}){here}",
            (*skus, *at),
        )
        rows += _fetch(
            db,
            connection,
            "SELECT d.sku, d.location, d.day, d.sold_units, d.returned_units, d.received_units, "
            "d.closing_on_hand, d.sent_units FROM positions p JOIN position_days d ON "
            "d.sku = p.sku AND "
            f"d.location = p.location WHERE p.sku IN ({marks}){here} AND d.day >= ? "
            "AND d.day <= ?",
            (*skus, *at, first, last),
        )
        if openings:
            rows += _fetch(
                db,
                connection,
                "SELECT p.sku, p.location, (SELECT e.closing_on_hand FROM position_days e "
                "WHERE e.sku = p.sku AND e.location = p.location AND e.day < ? "
                f"ORDER BY e.day DESC LIMIT 1) FROM positions p WHERE p.sku IN ({marks})",
                (first, *skus),
            )
        return rows

    return read


def _kpi_reads(db: Database, today: date, codes: list[str]) -> Callable[[Any, str], int]:
    low = datetime.combine(today - timedelta(days=KPI_DAYS), datetime.min.time(), PARIS)
    high = datetime.combine(today, datetime.min.time(), PARIS)
    bounds = tuple(m.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for m in (low, high))
    marks = ", ".join("?" for _ in codes)
    window = f"j.location IN ({marks}) AND j.created_at >= ? AND j.created_at < ?"
    hours = (
        "EXTRACT(EPOCH FROM (j.updated_at - j.created_at)) / 3600"
        if db.is_postgres
        else "(julianday(j.updated_at) - julianday(j.created_at)) * 24"
    )

    def read(connection: Any, _key: str) -> int:
        params = (*codes, *bounds)
        rows = _fetch(
            db,
            connection,
            "SELECT j.location, COUNT(*), SUM(CASE WHEN j.kind = 'ship' AND j.state = "
            f"'shipped' THEN 1 ELSE 0 END), SUM(CASE WHEN j.kind = 'ship' AND j.state = "
            f"'shipped' THEN {hours} ELSE 0 END) FROM jobs j WHERE {window} GROUP BY j.location",
            params,
        )
        rows += _fetch(
            db,
            connection,
            "SELECT j.location, COUNT(*), SUM(CASE WHEN l.state = 'rejected' THEN 1 ELSE 0 "
            f"END) FROM jobs j JOIN job_lines l ON l.job_id = j.id WHERE {window} AND "
            "l.reservation_id <> '' GROUP BY j.location",
            params,
        )
        orders = (
            f"o.id IN (SELECT j.order_id FROM jobs j WHERE {window}) AND o.created_at >= ? "
            "AND o.created_at < ?"
        )
        rows += _fetch(
            db,
            connection,
            "SELECT ol.state, COUNT(*) FROM orders o JOIN order_lines ol ON ol.order_id = o.id "
            f"WHERE {orders} GROUP BY ol.state",
            (*params, *bounds),
        )
        rows += _fetch(
            db,
            connection,
            "SELECT i.currency, COUNT(DISTINCT o.id), SUM(ol.qty * i.price_minor) FROM orders o "
            "JOIN order_lines ol ON ol.order_id = o.id JOIN items i ON i.sku = ol.sku "
            f"WHERE {orders} AND o.channel = 'store' GROUP BY i.currency",
            (*params, *bounds),
        )
        return rows

    return read


@dataclass
class RawResult:
    p50_ms: float
    p99_ms: float
    rows: float


def _measure_raw(database: Database, case: Case) -> RawResult:
    """Sequential raw reads over the case's keys, for a few seconds."""
    connection = database.connect()
    if database.is_postgres:
        connection.autocommit = True
    latencies: list[float] = []
    rows: list[int] = []
    began = time.perf_counter()
    try:
        while len(latencies) < RAW_MAX and (
            time.perf_counter() - began < RAW_SECONDS or len(latencies) < 5
        ):
            key = case.keys[len(latencies) % len(case.keys)]
            started = time.perf_counter()
            rows.append(case.raw(connection, key))
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return RawResult(statistics.median(ordered), p99, statistics.mean(rows))


def _note(result: LoadResult) -> str:
    return (
        f"p99 {result.p99_ms:,.0f} ms · {result.rps:,.1f} req/s" + busy_note(result.cpu)
        if result.p99_ms >= 100
        else f"p99 {result.p99_ms:.1f} ms · {result.rps:,.1f} req/s" + busy_note(result.cpu)
    )


def run(ctx: Context, database: Database, facts: NetworkFacts) -> None:
    plan = ctx.plan
    backend = database.backend
    shape = facts.shape
    big = shape.locations > 50
    history = load_history(
        database,
        shape,
        jobs_per_day=6 if big else 2,
        progress=lambda m: ctx.log(f"  {m}"),
    )
    ctx.report.data_build[f"sales history on {backend}"] = {
        "seconds": history.seconds,
        "steps": history.timings,
        "position_days": history.day_rows,
        "jobs": history.jobs,
    }
    stores = [location_code(shape, loc) for loc in range(shape.locations - 1)]
    store_keys = stores[:: max(1, len(stores) // STORE_KEYS)][:STORE_KEYS]
    references = facts.dense_references(REFERENCE_KEYS)
    today = history.today
    codes = [location_code(shape, loc) for loc in range(shape.locations)]
    cases = [
        Case("cover", "/v1/reports/cover?location={key}", store_keys,
             _location_reads(database, today, empty=False)),
        Case("stock-out risk", "/v1/reports/stockout-risk?location={key}", store_keys,
             _location_reads(database, today, empty=False)),
        Case("stock-outs", "/v1/reports/stockouts?location={key}&days=28", store_keys,
             _location_reads(database, today, empty=True)),
        Case("replenishment", "/v1/reports/replenishment?location={key}", store_keys,
             _location_reads(database, today, empty=False)),
        Case("sales trend, one store", f"/v1/reports/sales-trend?reference={{key}}"
             f"&location={facts.store}", references,
             _reference_reads(database, today, False, facts.store)),
        Case("sales trend, network", "/v1/reports/sales-trend?reference={key}", references,
             _reference_reads(database, today, False)),
        Case("rebalancing", "/v1/reports/rebalancing?reference={key}", references,
             _reference_reads(database, today, True)),
        Case("KPIs", f"/v1/reports/kpis?days={KPI_DAYS}", ["-"],
             _kpi_reads(database, today, codes)),
    ]  # fmt: skip
    token = issue_token(database.url, facts.store, "admin")
    headers = {"Authorization": f"Bearer {token}"}
    workers = plan.availability_workers
    # One manager's request at a time: the figure is what a report costs, not a queue.
    connections = 1
    ours: dict[str, LoadResult] = {}
    ctx.log(f"reports: ordersync on {backend}, {workers} worker(s)")
    with ctx.servers.ordersync(f"reports-{backend}", database.url, workers) as server:
        for case in cases:
            name = f"reports-{backend}-{case.name.replace(' ', '-').replace(',', '')}"
            spec = ctx.spec(
                name=name,
                method="GET",
                path=case.path,
                keys=case.keys,
                headers=headers,
                connections=connections,
            )
            _warm, ours[case.name] = ctx.measure(server, spec, label=name)
    ctx.log(f"reports: raw reads on {backend}")
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    for case in cases:
        raw = _measure_raw(database, case)
        result = ours[case.name]
        errors = result.responses - result.count(200)
        ctx.report.check(
            f"reports answer: {backend} {case.name}",
            result.responses > 0 and errors == 0,
            f"{result.responses} replies, {errors} not 200 ({result.statuses})",
        )
        ctx.report.add(
            Figure(
                section="reports",
                case=f"{label} · {case.name} · {raw.rows:,.0f} rows read a request · "
                f"{facts.positions:,} positions, {history.day_rows:,} days",
                metric="ms",
                ours=result.p50_ms,
                baseline=round(raw.p50_ms, 3),
                baseline_label="raw reads of the same rows",
                target=f"p99 ≤ {P99_TARGET_MS:,.0f} ms",
                met=errors == 0 and result.p99_ms <= P99_TARGET_MS,
                ours_note=_note(result),
                baseline_note=f"p99 {raw.p99_ms:,.1f} ms",
                higher_is_better=False,
                params={"backend": backend, "report": case.name, "rows": raw.rows},
                detail={"ours": result.as_dict(), "baseline": raw.__dict__},
            )
        )
