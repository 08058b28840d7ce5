"""``python -m bench``: build the data, start the servers, drive them, write the results.

make bench            # the full run (about 20 minutes), its table into BENCHMARKS.md
make bench QUICK=1    # the quick run (under 3 minutes), smaller sizes, its own table
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from bench import machine
from bench.context import Context
from bench.db import Databases, postgres_reachable
from bench.load import LoadGenerator, Wrk, WrkUnavailable
from bench.plan import PLANS, Plan
from bench.procs import ROOT, Servers
from bench.profiling import Profiler
from bench.report import Report, markdown, update_benchmarks_md
from bench.scenarios import batch, demo, hq, imports, network, reservations

MEASURES = (
    "reservations", "batch", "availability", "feed", "app", "reports", "demo", "imports", "hq",
)  # fmt: skip
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RESULTS_DIR = ROOT / "bench" / "results"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the quick run (under 3 minutes)")
    parser.add_argument("--plan", choices=sorted(PLANS), help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        default=",".join(MEASURES),
        help=f"comma-separated measures to run (default: all of {', '.join(MEASURES)})",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("ORDERSYNC_TEST_DATABASE_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where bench_* databases may be created (default: %(default)s)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    parser.add_argument(
        "--work-dir", type=Path, help="scratch directory for databases (default: a temp dir)"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--benchmarks-md",
        type=Path,
        default=ROOT / "BENCHMARKS.md",
        help="the file whose table of this mode is replaced (default: %(default)s)",
    )
    parser.add_argument("--no-write-md", action="store_true", help="leave BENCHMARKS.md alone")
    parser.add_argument(
        "--profile", action="store_true", help="attach py-spy to the servers of measured runs"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each measured run, wait up to SECONDS for other work on the machine to "
        "drop under a quarter of a core (default: do not wait)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--quiet", action="store_true")
    return parser


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def command_line(plan: Plan, measures: set[str], args: argparse.Namespace) -> str:
    base = {"full": "make bench", "quick": "make bench QUICK=1"}.get(
        plan.name, f"python -m bench --plan {plan.name}"
    )
    extra = []
    if measures != set(MEASURES):
        extra.append(f"--only {','.join(m for m in MEASURES if m in measures)}")
    if args.no_postgres:
        extra.append("--no-postgres")
    if args.wait_quiet:
        extra.append(f"--wait-quiet {args.wait_quiet:g}")
    if args.profile:
        extra.append("--profile")
    if extra and base.startswith("make"):
        return f'{base} BENCH_ARGS="{" ".join(extra)}"'
    return " ".join([base, *extra])


def run(args: argparse.Namespace, load: LoadGenerator | None = None) -> Report:
    plan = PLANS[args.plan or ("quick" if args.quick else "full")]
    measures = {m.strip() for m in args.only.split(",") if m.strip()}
    unknown = measures - set(MEASURES)
    if unknown:
        raise SystemExit(f"unknown measures: {', '.join(sorted(unknown))}")
    began = time.monotonic()
    report_skips: list[str] = []
    postgres_url: str | None = None if args.no_postgres else args.postgres_url
    if postgres_url:
        problem = postgres_reachable(postgres_url)
        if problem:
            report_skips.append(f"PostgreSQL ({problem})")
            postgres_url = None
    elif args.no_postgres:
        report_skips.append("PostgreSQL (--no-postgres)")
    if load is None:
        try:
            load = Wrk()
        except WrkUnavailable as error:
            raise SystemExit(f"cannot run the load generator: {error}") from error
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="ordersync-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    results_dir: Path = args.results_dir
    log_dir = results_dir / "logs" / plan.name
    shutil.rmtree(log_dir, ignore_errors=True)
    report = Report(
        mode=plan.name,
        description=plan.description,
        command=command_line(plan, measures, args),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        machine=machine.describe(work_dir, postgres_url, getattr(load, "binary", None)),
        skipped=report_skips,
    )
    report.sizes = {
        "network": plan.network.__dict__ | {"skus": plan.network.skus},
        "reservation_skus": plan.reservation_skus,
        "duration_s": plan.duration,
        "warmup_s": plan.warmup,
        "connections": plan.connections,
        "batch_lines": plan.batch_lines,
    }
    backends = ["sqlite"] + (["postgresql"] if postgres_url else [])
    databases = Databases(work_dir, postgres_url)
    servers = Servers(log_dir)
    ctx = Context(
        plan=plan,
        report=report,
        servers=servers,
        databases=databases,
        load=load,
        work_dir=work_dir,
        results_dir=results_dir,
        backends=backends,
        profiler=Profiler(results_dir / "profiles" / plan.name, args.profile),
        verbose=not args.quiet,
        quiet_wait=args.wait_quiet,
    )
    report.machine["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        stale = databases.drop_stale()
        if stale:
            ctx.log(f"dropped databases left by earlier runs: {', '.join(stale)}")
        ctx.log(f"{plan.name} run: {plan.description}; backends: {', '.join(backends)}")
        steps = [
            ("reservations", lambda: reservations.run(ctx)),
            ("batch", lambda: batch.run(ctx)),
            ("network", lambda: network.run(ctx, measures)),
            ("demo", lambda: demo.run(ctx)),
            ("imports", lambda: imports.run(ctx)),
            ("hq", lambda: hq.run_demo(ctx)),
        ]
        for name, step in steps:
            if name != "network" and name not in measures:
                continue
            try:
                step()
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as error:
                traceback.print_exc()
                report.check(
                    f"{name} measure ran to its end", False, f"{type(error).__name__}: {error}"
                )
                servers.stop_all()
        if args.profile and ctx.profiler.summaries:
            report.notes.append(
                "Profiled run (py-spy attached): summaries in "
                f"`{_relative(ctx.profiler.out_dir)}`; figures carry the profiler's overhead."
            )
    finally:
        servers.stop_all()
        databases.drop_all()
        signal.signal(signal.SIGTERM, previous)
        if not args.keep and args.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    report.seconds = round(time.monotonic() - began, 1)
    report.machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    backgrounds = [
        r["cpu"]["background_pct"]
        for f in report.figures
        for r in (f.detail.get("ours"), f.detail.get("baseline"))
        if isinstance(r, dict) and r.get("cpu")
    ]
    if backgrounds:
        report.machine["background_cpu_pct_during_runs"] = {
            "median": sorted(backgrounds)[len(backgrounds) // 2],
            "max": max(backgrounds),
        }
    # A partial run keeps its own files and block: the last whole run's figures stay.
    partial = measures != set(MEASURES)
    if partial:
        report.only = [m for m in MEASURES if m in measures]
    stem = f"{plan.name}-partial" if partial else plan.name
    json_path = results_dir / f"{stem}.json"
    report.write_json(json_path)
    block = markdown(report, _relative(json_path))
    (results_dir / f"{stem}.md").write_text(block, encoding="utf-8")
    if not args.no_write_md:
        update_benchmarks_md(args.benchmarks_md, plan.name, block, partial=partial)
    ctx.log(f"done in {report.seconds / 60:.1f} min: {_relative(json_path)}")
    return report


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("interrupted: servers stopped, databases dropped", file=sys.stderr)
        return 130
    failed = [c for c in report.checks if not c.ok]
    for check in failed:
        print(f"FAILED check: {check.name}: {check.detail}", file=sys.stderr)
    return 1 if failed else 0
