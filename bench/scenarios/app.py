"""Measure 5: the store app in a real pseudo-terminal. Time from launch to an interactive
lookup screen, time from a barcode scan (digits and Enter in one burst, as a scanner types) to
the item's size grid on screen, and resident memory after the scans, with the bootstrapped
cache. Baseline: the least Textual app doing the same (``bench.baselines.store_tui``).
"""

from __future__ import annotations

import sys
import time
from statistics import median
from typing import Any

from bench.context import Context
from bench.cpu import CpuMeter, wait_until_quiet
from bench.datagen import NetworkFacts
from bench.procs import ROOT, clean_environment, venv_bin
from bench.report import Figure, busy_note
from bench.scenarios.feed import StoreCache
from bench.terminal import TerminalApp

READY_TEXT = "Scan a barcode"
TARGET_START_S = 1.5
TARGET_SCAN_MS = 100.0
TARGET_MEMORY_MB = 200.0


def measure_app(
    ctx: Context, argv: list[str], env: dict[str, str], facts: NetworkFacts, name: str
) -> dict[str, Any]:
    plan = ctx.plan
    starts: list[float] = []
    scans: list[float] = []
    memory: tuple[float, float] = (0.0, 0.0)
    cpu: dict[str, float] = {}
    for attempt in range(plan.app_starts):
        app = TerminalApp(argv, clean_environment(env), ROOT)
        try:
            ready = app.wait_for(READY_TEXT, 0, timeout=120)
            starts.append(ready - app.started)
            if attempt < plan.app_starts - 1:
                continue
            time.sleep(1.0)  # let the first sync round and status read settle
            if ctx.quiet_wait > 0:
                waited, background = wait_until_quiet(app.process.pid, ctx.quiet_wait)
                if waited > 1:
                    ctx.log(f"  waited {waited:.0f} s for other work (now {background:.0f}%)")
            targets = facts.scan_targets(plan.app_scans)
            with (
                ctx.profiler.record(f"app-{name}-scans", app.process.pid, 1.0 * len(targets)),
                CpuMeter(app.process.pid) as meter,
            ):
                for gtin, sku in targets:
                    since = app.offset
                    sent = app.type(gtin + "\r")
                    shown = app.wait_for(sku, since, timeout=60)
                    scans.append(shown - sent)
                    time.sleep(0.3)
                    app.type("\x1b")  # back to the lookup screen
                    time.sleep(0.5)
            memory = app.rss_mib()
            cpu = meter.share.as_dict()
        finally:
            app.close()
    result = {
        "start_s": median(starts),
        "starts_s": [round(s, 3) for s in starts],
        "scan_ms": median(scans) * 1000,
        "scans_ms": [round(s * 1000, 1) for s in scans],
        "rss_mib": memory[0],
        "peak_rss_mib": memory[1],
        "cpu": cpu,
    }
    ctx.log(
        f"  {name}: start {result['start_s']:.2f} s, scan→grid {result['scan_ms']:.0f} ms "
        f"(all {result['scans_ms']}), RSS {memory[0]:.0f} MiB (peak {memory[1]:.0f})"
    )
    return result


def run(ctx: Context, facts: NetworkFacts, cache: StoreCache, backend: str) -> None:
    ctx.log(f"store app: storeapp in a terminal, {facts.skus:,}-SKU cache ({backend} ledger)")
    ours = measure_app(ctx, [venv_bin("storeapp")], cache.env(), facts, "storeapp")
    ctx.log("store app: baseline Textual app")
    base = measure_app(
        ctx,
        [sys.executable, "-m", "bench.baselines.store_tui", str(cache.path), facts.store],
        {},
        facts,
        "baseline",
    )
    size = f"{facts.skus:,}-SKU cache"

    def spread(values: list[float], unit: str) -> str:
        return f"{len(values)} runs, {min(values):.0f} to {max(values):.0f} {unit}"

    ctx.report.add(
        Figure(
            section="app",
            case=f"launch to an interactive lookup screen ({size})",
            metric="s",
            ours=round(ours["start_s"], 2),
            baseline=round(base["start_s"], 2),
            baseline_label="minimal Textual app",
            target=f"≤ {TARGET_START_S} s",
            met=ours["start_s"] <= TARGET_START_S,
            ours_note=f"median of {len(ours['starts_s'])}: {ours['starts_s']}",
            higher_is_better=False,
            detail={"ours": ours, "baseline": base},
        )
    )
    ctx.report.add(
        Figure(
            section="app",
            case=f"scan to size grid on screen ({size})",
            metric="ms",
            ours=round(ours["scan_ms"], 1),
            baseline=round(base["scan_ms"], 1),
            baseline_label="raw SQL + DataTable",
            target=f"≤ {TARGET_SCAN_MS:.0f} ms",
            met=ours["scan_ms"] <= TARGET_SCAN_MS,
            ours_note="median, " + spread(ours["scans_ms"], "ms") + busy_note(ours["cpu"]),
            baseline_note="median, " + spread(base["scans_ms"], "ms") + busy_note(base["cpu"]),
            higher_is_better=False,
        )
    )
    ctx.report.add(
        Figure(
            section="app",
            case=f"resident memory after the scans ({size})",
            metric="MB",
            ours=ours["rss_mib"],
            baseline=base["rss_mib"],
            baseline_label="minimal Textual app",
            target=f"≤ {TARGET_MEMORY_MB:.0f} MB",
            met=ours["rss_mib"] <= TARGET_MEMORY_MB,
            ours_note=f"peak {ours['peak_rss_mib']:.0f} MB",
            baseline_note=f"peak {base['peak_rss_mib']:.0f} MB",
            higher_is_better=False,
        )
    )
