"""What every measure needs: the plan, the report, servers, databases, load and logging."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.cpu import CpuMeter, wait_until_quiet
from bench.db import Databases
from bench.load import LoadGenerator, LoadResult, LoadSpec
from bench.plan import Plan
from bench.procs import Server, Servers
from bench.profiling import Profiler
from bench.report import Report


@dataclass
class Context:
    plan: Plan
    report: Report
    servers: Servers
    databases: Databases
    load: LoadGenerator
    work_dir: Path
    results_dir: Path
    backends: list[str]
    profiler: Profiler
    verbose: bool = True
    quiet_wait: float = 0.0
    """Before a measured run, wait up to this long for other work on the machine to calm down."""
    started: float = field(default_factory=time.monotonic)

    def log(self, message: str) -> None:
        if self.verbose:
            elapsed = time.monotonic() - self.started
            print(f"[{elapsed:7.1f}s] {message}", flush=True)

    def spec(self, **kwargs: object) -> LoadSpec:
        values: dict[str, object] = {
            "connections": self.plan.connections,
            "duration": self.plan.duration,
            "max_requests": self.plan.max_requests,
        }
        values.update(kwargs)
        return LoadSpec(**values)  # type: ignore[arg-type]

    def measure(
        self,
        server: Server,
        spec: LoadSpec,
        *,
        label: str | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> tuple[LoadResult | None, LoadResult]:
        """A warm-up (not counted), ``prepare``, then the measured run (py-spy with --profile)."""
        warm = None
        if self.plan.warmup > 0 and self.plan.warmup_requests > 0:
            warm = self.load.run(
                server.base_url,
                LoadSpec(
                    **{
                        **spec.__dict__,
                        "name": spec.name + " (warm-up)",
                        "duration": self.plan.warmup,
                        "max_requests": min(self.plan.warmup_requests, spec.max_requests),
                    }
                ),
            )
        if prepare is not None:
            prepare()
        if self.quiet_wait > 0:
            waited, background = wait_until_quiet(server.pid, self.quiet_wait)
            if waited > 1:
                self.log(
                    f"  waited {waited:.0f} s for other work (now {background:.0f}% of a core)"
                )
        with (
            self.profiler.record(label or spec.name, server.pid, spec.duration),
            CpuMeter(server.pid) as meter,
        ):
            result = self.load.run(server.base_url, spec)
        result.cpu = meter.share.as_dict()
        self.log(
            f"  {spec.name}: {result.rps:,.0f} req/s, p50 {result.p50_ms} ms, "
            f"p99 {result.p99_ms} ms, statuses {result.statuses}, "
            f"CPU run {meter.share.run_pct:.0f}% background {meter.share.background_pct:.0f}%"
            + (f", socket errors {result.errors}" if result.socket_errors else "")
        )
        return warm, result
