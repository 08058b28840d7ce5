"""Measure 4: the change feed into a store cache. A store bootstraps its cache from nothing
(``storeapp setup``: who am I, then every page of the feed into the local SQLite cache), and the
same pull runs in-process with its time split between waiting for pages and writing the cache
(the client reads the next page ahead while the last one is written; its HTTP time, the
server's work included, and its reading time are noted too). Baseline: the same rows moved raw: the
feed's query on the ledger database, ``json.loads`` and ``executemany`` into the same cache
tables with the same pragmas, one transaction per page, no HTTP.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from bench.context import Context
from bench.cpu import CpuMeter, wait_until_quiet
from bench.datagen import NetworkFacts
from bench.db import Database
from bench.procs import Server, run_command, venv_bin
from bench.report import Figure, busy_note
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.feed_apply import fold
from storeapp.context import remember_location
from storeapp.sync.client import LedgerClient
from storeapp.sync.engine import SyncEngine, SyncReport

TARGET_ROWS_PER_S = 30_000
TARGET_BOOTSTRAP_S = 15.0
FULL_SIZE_SKUS = 300_000


@dataclass
class StoreCache:
    config: Path
    data_dir: Path

    @property
    def path(self) -> Path:
        return self.data_dir / "cache.db"

    def env(self) -> dict[str, str]:
        return {
            "STOREAPP_CONFIG": str(self.config),
            "STOREAPP_DATA_DIR": str(self.data_dir),
            "STOREAPP_LOCALE": "en_GB",
        }


class TimedClient(LedgerClient):
    """The store's client, noting the time spent in HTTP requests, in reading replies, and
    waiting for pages. The client reads the next feed page ahead on a thread of its own while
    the caller writes the last one, so HTTP and reading overlap the cache writes: what the pull
    waits for is ``wait_s``, the rest of its time is spent writing."""

    http_s = 0.0
    parse_s = 0.0
    wait_s = 0.0

    def _request(self, *args: Any, **kwargs: Any) -> httpx.Response:
        began = time.perf_counter()
        try:
            return super()._request(*args, **kwargs)
        finally:
            self.http_s += time.perf_counter() - began

    def _parse(self, response: httpx.Response, model: type[BaseModel]) -> Any:  # type: ignore[override]
        began = time.perf_counter()
        try:
            return super()._parse(response, model)
        finally:
            self.parse_s += time.perf_counter() - began

    def _parse_feed(self, response: httpx.Response) -> Any:  # type: ignore[override]
        began = time.perf_counter()
        try:
            return super()._parse_feed(response)
        finally:
            self.parse_s += time.perf_counter() - began

    def changes(self, since: int, limit: int) -> Any:  # type: ignore[override]
        began = time.perf_counter()
        try:
            return super().changes(since, limit)
        finally:
            self.wait_s += time.perf_counter() - began


def cache_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("items", "barcodes", "locations", "positions", "network_totals")
        }


def expected_counts(facts: NetworkFacts) -> dict[str, int]:
    return {
        "items": facts.skus,
        "barcodes": facts.skus,
        "locations": facts.shape.locations,
        "positions": facts.store_positions,
        "network_totals": facts.skus,
    }


def bootstrap_with_setup(
    ctx: Context, server: Server, token: str, cache: StoreCache
) -> tuple[float, float, dict[str, float]]:
    """``storeapp setup`` from nothing: its wall time, its own CPU time, and the CPU the
    machine spent meanwhile (the ledger's and other work's)."""
    cache.data_dir.mkdir(parents=True)
    _quiet(ctx, server)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with CpuMeter(server.pid) as meter:
        began = time.perf_counter()
        run_command(
            [venv_bin("storeapp"), "setup", "--ledger", server.base_url, "--token", token],
            env={**cache.env(), "STOREAPP_FEED_PAGE_SIZE": str(ctx.plan.feed_page)},
            timeout=1800,
        )
        wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return wall, cpu, meter.share.as_dict()


def _quiet(ctx: Context, server: Server) -> None:
    """With ``--wait-quiet``, wait for other work on the machine to calm down first."""
    if ctx.quiet_wait > 0:
        waited, background = wait_until_quiet(server.pid, ctx.quiet_wait)
        if waited > 1:
            ctx.log(f"  waited {waited:.0f} s for other work (now {background:.0f}% of a core)")


def instrumented_pull(
    ctx: Context, server: Server, token: str, facts: NetworkFacts, path: Path
) -> dict[str, float]:
    engine = open_cache_engine(path)
    client = TimedClient(server.base_url, token, timeout=120)
    try:
        remember_location(engine, facts.store)
        sync = SyncEngine(
            engine, client, lambda: datetime.now(UTC), feed_page_size=ctx.plan.feed_page
        )
        report = SyncReport()
        began = time.perf_counter()
        sync.pull(report)
        total = time.perf_counter() - began
    finally:
        client.close()
        engine.dispose()
    return {
        "rows": report.pulled,
        "seconds": total,
        "http_s": client.http_s,
        "parse_s": client.parse_s,
        "wait_s": client.wait_s,
        "apply_s": total - client.wait_s,
    }


PAGE_SQL = (
    "SELECT seq, kind, payload FROM ("
    "SELECT * FROM (SELECT seq, kind, payload FROM changes WHERE scope = '' AND seq > ? "
    "ORDER BY seq LIMIT ?) AS shared UNION ALL "
    "SELECT * FROM (SELECT seq, kind, payload FROM changes WHERE scope = ? AND seq > ? "
    "ORDER BY seq LIMIT ?) AS own) AS page ORDER BY seq LIMIT ?"
)


def raw_pull(database: Database, store: str, page: int, path: Path) -> dict[str, float]:
    """The same rows into the same cache tables, raw."""
    open_cache_engine(path).dispose()  # the cache's tables and pragmas, as the app makes them
    source = database.connect()
    cache = sqlite3.connect(path, isolation_level=None)
    cache.execute("PRAGMA journal_mode = WAL")
    cache.execute("PRAGMA synchronous = FULL")
    since, rows_done = 0, 0
    began = time.perf_counter()
    try:
        while True:
            cursor = source.cursor()
            cursor.execute(database.sql(PAGE_SQL), (since, page, store, since, page, page))
            rows = cursor.fetchall()
            source.commit()
            if not rows:
                break
            items, barcodes, locations, positions, totals = [], [], [], [], []
            for _seq, kind, payload in rows:
                body = json.loads(payload)
                if kind == "item":
                    item = body["item"]
                    items.append(
                        (
                            item["sku"],
                            item["reference"],
                            item["name"],
                            item["size"],
                            item["size_row"],
                            item["size_column"],
                            item["colour"],
                            item["price_minor"],
                            item["currency"],
                            fold(
                                f"{item['name']} {item['reference']} {item['sku']} {item['colour']}"
                            ),
                        )
                    )
                    barcodes.extend((gtin, item["sku"]) for gtin in item["gtins"])
                elif kind == "location":
                    loc = body["location"]
                    locations.append(
                        (
                            loc["code"],
                            loc["kind"],
                            loc["name"],
                            loc["timezone"],
                            loc["latitude"],
                            loc["longitude"],
                            loc["fulfils_web_orders"],
                        )
                    )
                elif kind == "position":
                    p = body["position"]
                    positions.append(
                        (
                            p["sku"],
                            p["location"],
                            p["on_hand"],
                            p["reserved"],
                            p["safety_stock"],
                            p["suspect"],
                            p["seq"],
                            p["updated_at"],
                            p["unavailable"],
                            json.dumps(p["dispositions"]) if p["dispositions"] else "{}",
                        )
                    )
                elif kind == "network":
                    t = body["total"]
                    totals.append((t["sku"], t["on_hand"], t["reserved"], t["available"]))
            cache.execute("BEGIN IMMEDIATE")
            cache.executemany("INSERT OR REPLACE INTO items VALUES (?,?,?,?,?,?,?,?,?,?)", items)
            cache.executemany("INSERT OR REPLACE INTO barcodes VALUES (?,?)", barcodes)
            cache.executemany("INSERT OR REPLACE INTO locations VALUES (?,?,?,?,?,?,?)", locations)
            cache.executemany(
                "INSERT OR REPLACE INTO positions VALUES (?,?,?,?,?,?,?,?,?,?)", positions
            )
            cache.executemany("INSERT OR REPLACE INTO network_totals VALUES (?,?,?,?)", totals)
            since = rows[-1][0]
            cache.execute(
                "INSERT OR REPLACE INTO sync_state (key, value) VALUES ('cursor', ?)", (str(since),)
            )
            cache.execute("COMMIT")
            rows_done += len(rows)
    finally:
        source.close()
        cache.close()
    return {"rows": rows_done, "seconds": time.perf_counter() - began}


def run(
    ctx: Context, database: Database, facts: NetworkFacts, token: str, server: Server
) -> StoreCache:
    plan = ctx.plan
    backend = database.backend
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    root = ctx.work_dir / f"store-{backend}"
    cache = StoreCache(root / "config.toml", root / "data")
    ctx.log(f"feed: storeapp setup (bootstrap from nothing) against {backend}")
    setup_s, setup_cpu_s, setup_cpu = bootstrap_with_setup(ctx, server, token, cache)
    counts = cache_counts(cache.path)
    expected = expected_counts(facts)
    ctx.report.check(
        f"bootstrapped cache holds the store's view: {backend}",
        counts == expected,
        f"{counts}" + ("" if counts == expected else f" expected {expected}"),
    )
    ctx.log(
        f"  setup: {setup_s:.2f} s for {facts.feed_rows:,} feed rows (its CPU {setup_cpu_s:.1f} s, "
        f"other work {setup_cpu['background_pct']:.0f}% of a core)"
    )
    ctx.log("feed: in-process pull, timed by part")
    _quiet(ctx, server)
    pull = instrumented_pull(ctx, server, token, facts, root / "pull" / "cache.db")
    ctx.log(
        f"  pull: {pull['rows']:,} rows in {pull['seconds']:.2f} s "
        f"(waiting for pages {pull['wait_s']:.2f} s, cache {pull['apply_s']:.2f} s; "
        f"http {pull['http_s']:.2f} s, parse {pull['parse_s']:.2f} s, read ahead)"
    )
    ctx.log("feed: raw baseline")
    _quiet(ctx, server)
    raw = raw_pull(database, facts.store, plan.feed_page, root / "raw" / "cache.db")
    ctx.log(f"  raw: {raw['rows']:,} rows in {raw['seconds']:.2f} s")
    ctx.report.check(
        f"feed rows delivered: {backend}",
        pull["rows"] == facts.feed_rows == raw["rows"],
        f"pull {pull['rows']:,}, raw {raw['rows']:,}, expected {facts.feed_rows:,}",
    )
    rate = pull["rows"] / pull["seconds"]
    raw_rate = raw["rows"] / raw["seconds"]
    ctx.report.add(
        Figure(
            section="feed",
            case=f"{label} ledger · feed rows into the store cache, over HTTP "
            f"({facts.feed_rows:,} rows, pages of {plan.feed_page:,})",
            metric="rows/s",
            ours=round(rate),
            baseline=round(raw_rate),
            baseline_label="raw query + executemany, no HTTP",
            target=f"≥ {TARGET_ROWS_PER_S:,} rows/s",
            met=rate >= TARGET_ROWS_PER_S,
            ours_note=(
                f"waiting for pages {pull['wait_s']:.1f} s · cache writes "
                f"{pull['apply_s']:.1f} s · read ahead meanwhile: HTTP + server "
                f"{pull['http_s']:.1f} s, reading replies {pull['parse_s']:.1f} s"
            ),
            params={"backend": backend, "rows": facts.feed_rows},
            detail={"pull": pull, "raw": raw},
        )
    )
    full_size = facts.skus >= FULL_SIZE_SKUS
    ctx.report.add(
        Figure(
            section="feed",
            case=f"{label} ledger · `storeapp setup` from nothing, {facts.skus:,} SKUs",
            metric="s",
            ours=round(setup_s, 3),
            baseline=round(raw["seconds"], 4),
            baseline_label="raw move of the same rows",
            target=f"≤ {TARGET_BOOTSTRAP_S:.0f} s at 300,000 SKUs",
            met=(setup_s <= TARGET_BOOTSTRAP_S) if full_size else None,
            ours_note=f"CPU of `storeapp setup` {setup_cpu_s:.1f} s" + busy_note(setup_cpu),
            higher_is_better=False,
            params={"backend": backend, "skus": facts.skus},
            detail={"ours": {"seconds": setup_s, "cpu_s": setup_cpu_s, "cpu": setup_cpu}},
        )
    )
    return cache
