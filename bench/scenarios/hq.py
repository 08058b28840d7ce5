"""Measure 10: the head-office pages (``/hq``) as a signed-in admin loads them, one request at a
time (the figure is what a page costs, not a queue): the network at a glance, a store's page and
the touchpoint reports with their charts.

- Demo scale: the demo network (``load_demo_network``, seed 7: 14 locations, 980 SKUs, 90 days
  of history) on each backend. Target: 300 ms.
- Network scale: the generated network of the plan (full run: 500 locations, 10,000,000
  positions) with the reports measure's weeks of sales history. Target: 2 s.

A target holds for the first load (cold caches) and the 99th percentile of the loads after it.
Loads are timed here, one after the other for the run's duration (at least ``MIN_LOADS``), not
by wrk: a page slower than a run would give wrk no reply at all.

Baseline: the sign-in page of the same server, asked the same way: an HTML page of the same app
(HTTP, routing, templates, security headers) that reads nothing from the ledger, so the ratio is
what the page's data costs over serving a page at all. The session is opened the way a browser
opens it: the sign-in form, its CSRF token and the ``hq_session`` cookie it sets.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import text

from bench.context import Context
from bench.cpu import CpuMeter
from bench.datagen import NetworkFacts, location_code
from bench.db import Database
from bench.procs import Server, issue_token
from bench.report import Figure, busy_note
from bench.sales_history import load_history
from ordersync.cli.commands.demo import DEFAULT_SEED
from ordersync.clock import SystemClock
from ordersync.db.engine import create_ledger_engine
from ordersync.demo.load import load_demo_network
from ordersync.demo.network import STORES, WAREHOUSE

DEMO_TARGET_MS = 300.0
NETWORK_TARGET_MS = 2000.0
SIGN_IN = "/hq/sign-in"
STORE_KEYS = 50
MIN_LOADS = 2
PAGE_TIMEOUT_S = 600.0
TIMED_OUT = 0
"""The status counted for a load that got no reply within ``PAGE_TIMEOUT_S``."""
SESSION_COOKIE = "hq_session"
_CSRF_FIELD = re.compile(r'name="csrf_token"\s+value="([^"]+)"|value="([^"]+)"\s+name="csrf_token"')


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    """``{key}`` becomes each store of the measure in turn."""


PAGES = (
    Page("network at a glance", "/hq/"),
    Page("a store", "/hq/stores/{key}"),
    Page("touchpoints", "/hq/touchpoints"),
)


@dataclass(frozen=True)
class Scale:
    label: str
    """Where the figure was taken, for the case column."""
    key: str
    """Short name of the scale in result names and params."""
    target_ms: float
    stores: list[str]


class SignInFailed(RuntimeError):
    """The sign-in form did not open a session: the pages cannot be measured."""


def open_session(base_url: str, token: str) -> str:
    """The ``hq_session`` cookie a browser gets by sending the sign-in form with ``token``."""
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        form = client.get(SIGN_IN)
        found = _CSRF_FIELD.search(form.text)
        if form.status_code != 200 or found is None:
            raise SignInFailed(f"GET {SIGN_IN}: {form.status_code}, no csrf_token field")
        csrf = found.group(1) or found.group(2)
        sent = client.post(
            SIGN_IN, data={"token": token, "csrf_token": csrf}, follow_redirects=False
        )
        session = client.cookies.get(SESSION_COOKIE)
        if sent.status_code != 303 or not session:
            raise SignInFailed(f"POST {SIGN_IN}: {sent.status_code}, no {SESSION_COOKIE} cookie")
        return session


@dataclass
class PageTimes:
    """One page asked again and again, one request at a time."""

    first_ms: float
    """The first request, apart: the server's caches are cold. The stock and touchpoints pages
    are kept until the ledger changes, so later loads of those are cache hits on this idle
    ledger, while a trading network, whose ledger changes all the time, mostly builds them."""
    latencies_ms: list[float]
    statuses: dict[int, int]
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def p50_ms(self) -> float:
        return round(statistics.median(self.latencies_ms), 2)

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], 2)

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 200)

    def note(self) -> str:
        return (
            f"p99 {self.p99_ms:,.1f} ms · {len(self.latencies_ms)} loads · "
            f"first (cold) {self.first_ms:,.0f} ms" + busy_note(self.cpu)
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "first_ms": self.first_ms,
            "latencies_ms": self.latencies_ms,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "cpu": self.cpu,
        }


def time_page(ctx: Context, server: Server, cookie: str, path: str, stores: list[str]) -> PageTimes:
    """A first load of ``path``, then loads for the plan's run duration (at least
    ``MIN_LOADS``), one at a time; ``{key}`` in ``path`` takes each store in turn."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    with httpx.Client(
        base_url=server.base_url, cookies={SESSION_COOKIE: cookie}, timeout=PAGE_TIMEOUT_S
    ) as client:

        def load(n: int) -> float:
            began = time.perf_counter()
            try:
                reply = client.get(path.format(key=stores[n % len(stores)]))
            except httpx.TimeoutException:
                statuses[TIMED_OUT] += 1
            else:
                statuses[reply.status_code] += 1
            return (time.perf_counter() - began) * 1000

        first = load(0)
        if TIMED_OUT in statuses:
            ctx.log(f"  {path}: no reply within {PAGE_TIMEOUT_S:,.0f} s")
            return PageTimes(round(first, 2), [round(first, 2)], dict(statuses))
        statuses.clear()
        began = time.monotonic()
        with CpuMeter(server.pid) as meter:
            while (
                TIMED_OUT not in statuses
                and len(latencies) < ctx.plan.max_requests
                and (len(latencies) < MIN_LOADS or time.monotonic() - began < ctx.plan.duration)
            ):
                latencies.append(load(len(latencies) + 1))
    times = PageTimes(round(first, 2), [round(x, 2) for x in latencies], dict(statuses))
    times.cpu = meter.share.as_dict()
    ctx.log(f"  {path}: p50 {times.p50_ms:,.1f} ms · {times.note()}")
    return times


def measure_pages(ctx: Context, server: Server, token: str, scale: Scale, backend: str) -> None:
    """Each page and the baseline, one request at a time, on ``server``."""
    cookie = open_session(server.base_url, token)
    baseline = time_page(ctx, server, cookie, SIGN_IN, scale.stores)
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    for page in PAGES:
        times = time_page(ctx, server, cookie, page.path, scale.stores)
        ctx.report.check(
            f"hq page answers: {scale.key} {backend} {page.name}",
            times.errors == 0,
            f"{len(times.latencies_ms)} loads, {times.errors} not 200 ({times.statuses})",
        )
        ctx.report.add(
            Figure(
                section="hq",
                case=f"{label} · {page.name} (`{page.path.format(key='…')}`) · {scale.label}",
                metric="ms",
                ours=times.p50_ms,
                baseline=baseline.p50_ms,
                baseline_label="the sign-in page, no ledger reads",
                target=f"first and p99 ≤ {scale.target_ms:,.0f} ms",
                met=times.errors == 0 and max(times.first_ms, times.p99_ms) <= scale.target_ms,
                ours_note=times.note(),
                baseline_note=baseline.note(),
                higher_is_better=False,
                params={"backend": backend, "page": page.name, "scale": scale.key},
                detail={"ours": times.as_dict(), "baseline": baseline.as_dict()},
            )
        )


def run_demo(ctx: Context) -> None:
    """The pages over the demo network, on each backend."""
    for backend in ctx.backends:
        database = ctx.databases.new(backend, "hq_demo")
        try:
            ctx.log(f"hq pages: the demo network on {backend}")
            began = time.perf_counter()
            engine = create_ledger_engine(database.url, writer=True)
            try:
                summary = load_demo_network(engine, SystemClock(), seed=DEFAULT_SEED)
            finally:
                engine.dispose()
            ctx.report.data_build[f"demo network for the hq pages on {backend}"] = {
                "seconds": round(time.perf_counter() - began, 1),
                "batches": summary.batches_applied,
            }
            scale = Scale(
                label=f"demo network, seed {DEFAULT_SEED} ({summary.locations} locations, "
                f"{summary.items:,} SKUs)",
                key="demo",
                target_ms=DEMO_TARGET_MS,
                stores=[spec.code for spec in STORES],
            )
            token = issue_token(database.url, WAREHOUSE, "admin")
            with ctx.servers.ordersync(f"hq-demo-{backend}", database.url, 1) as server:
                measure_pages(ctx, server, token, scale, backend)
        finally:
            ctx.databases.drop(database)


def _has_history(database: Database) -> bool:
    engine = create_ledger_engine(database.url, writer=False)
    try:
        with engine.connect() as connection:
            return bool(connection.execute(text("SELECT COUNT(*) FROM jobs")).scalar_one())
    finally:
        engine.dispose()


def run_network(ctx: Context, database: Database, facts: NetworkFacts) -> None:
    """The pages over the plan's generated network, with weeks of sales history in it (the
    reports measure's, when it ran on this network before)."""
    shape = facts.shape
    backend = database.backend
    if not _has_history(database):
        history = load_history(
            database,
            shape,
            jobs_per_day=6 if shape.locations > 50 else 2,
            progress=lambda m: ctx.log(f"  {m}"),
        )
        ctx.report.data_build[f"sales history for the hq pages on {backend}"] = {
            "seconds": history.seconds,
            "position_days": history.day_rows,
            "jobs": history.jobs,
        }
    step = max(1, (shape.locations - 1) // STORE_KEYS)
    scale = Scale(
        label=f"{shape.locations:,} locations, {facts.positions:,} positions",
        key="network",
        target_ms=NETWORK_TARGET_MS,
        stores=[location_code(shape, loc) for loc in range(0, shape.locations - 1, step)],
    )
    token = issue_token(database.url, facts.store, "admin")
    ctx.log(f"hq pages: the generated network on {backend}")
    with ctx.servers.ordersync(f"hq-network-{backend}", database.url, 1) as server:
        measure_pages(ctx, server, token, scale, backend)
