"""Measures 3 to 5, 7 and 10 share one generated network per backend: availability reads it, the
feed bootstraps a store cache from it, the store app opens that cache (with the ledger running
for its live lookups), the reports add weeks of sales history to it and read them, and the
head-office pages read the lot."""

from __future__ import annotations

from bench.context import Context
from bench.datagen import check_network, load_network
from bench.procs import issue_token
from bench.scenarios import app, availability, feed, hq, reports


def run(ctx: Context, measures: set[str]) -> None:
    plan = ctx.plan
    app_backend = "postgresql" if "postgresql" in ctx.backends else ctx.backends[0]
    for backend in ctx.backends:
        wants_app = "app" in measures and backend == app_backend
        if not ({"availability", "feed", "reports", "hq"} & measures or wants_app):
            continue
        database = ctx.databases.new(backend, "network")
        shape = plan.network
        ctx.log(
            f"network on {backend}: {shape.locations:,} locations, {shape.skus:,} SKUs, "
            f"{shape.positions:,} positions"
        )
        facts = load_network(database, shape, progress=lambda m: ctx.log(f"  {m}"))
        ctx.report.data_build[f"network on {backend}"] = {
            "seconds": facts.seconds,
            "steps": facts.timings,
            "positions": facts.positions,
            "changes": facts.changes,
            "feed_rows": facts.feed_rows,
        }
        problems = check_network(database, facts)
        ctx.report.check(
            f"generated network is coherent: {backend}",
            not problems,
            "; ".join(problems)
            or f"{facts.positions:,} positions, {facts.changes:,} feed rows, head {facts.head:,}",
        )
        token = issue_token(database.url, facts.store, "associate")
        try:
            if "availability" in measures:
                availability.run(ctx, database, facts, token)
            if "feed" in measures or wants_app:
                with ctx.servers.ordersync(f"feed-{backend}", database.url, 1) as server:
                    cache = feed.run(ctx, database, facts, token, server)
                    if wants_app:
                        app.run(ctx, facts, cache, backend)
            if "reports" in measures:
                reports.run(ctx, database, facts)
            if "hq" in measures:
                hq.run_network(ctx, database, facts)
        finally:
            ctx.databases.drop(database)
