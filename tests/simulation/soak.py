"""The soak: the simulation over many seeds, with the figures RELIABILITY.md records.

    python -m tests.simulation.soak --seeds 1000                  # SQLite, seeds 1..1000
    python -m tests.simulation.soak --seeds 200 --postgres URL     # PostgreSQL
    python -m tests.simulation.soak --seed 4242                    # replay one seed, verbose

``make soak SEEDS=1000`` runs the first form. Seeds run in ``--jobs`` worker processes (each with
its own databases and ledger processes); a failing seed is printed with its replay command and
its files are kept. ``--write FILE`` saves the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.simulation.faults import FAULT_CLASSES
from tests.simulation.harness import run_seed
from tests.simulation.ledger import stop_fork_server
from tests.simulation.seeds import SeedResult, SimConfig, SimulationFailure
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases


@dataclass
class Totals:
    seeds: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    operations: int = 0
    made: int = 0
    refused: int = 0
    requests: int = 0
    seconds: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)
    documents: Counter[str] = field(default_factory=Counter)
    counter: Counter[str] = field(default_factory=Counter)
    fulfilment: Counter[str] = field(default_factory=Counter)
    offers: Counter[str] = field(default_factory=Counter)

    def add(self, result: SeedResult) -> None:
        self.seeds += 1
        self.operations += result.operations
        self.made += result.made
        self.refused += result.refused
        self.requests += result.requests
        self.seconds += result.seconds
        self.faults.update(result.faults)
        self.documents.update(result.documents)
        self.counter.update(result.counter)
        self.fulfilment.update(result.fulfilment)
        self.offers.update(result.offers)


def default_root() -> Path:
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    return base / f"ordersync-soak-{os.getpid()}"


_databases: SqliteDatabases | PostgresDatabases | None = None
_root: Path | None = None


def _worker_setup(root: str, postgres: str | None) -> None:
    global _databases, _root
    _root = Path(root) / f"worker-{os.getpid()}"
    _root.mkdir(parents=True, exist_ok=True)
    _databases = PostgresDatabases(postgres) if postgres else SqliteDatabases(_root)


def _run_one(
    args: tuple[int, int, bool, float, str | None],
) -> tuple[int, SeedResult | None, str | None]:
    seed, steps, keep, fault_rate, mutant = args
    assert _databases is not None
    assert _root is not None
    backend = "sqlite" if isinstance(_databases, SqliteDatabases) else "postgres"
    url = _databases.fresh()
    work = _root / f"seed-{seed}"
    try:
        config = SimConfig(steps=steps, fault_rate=fault_rate, ledger_mutant=mutant)
        result = run_seed(seed, backend, url, work, config, keep=keep)
    except SimulationFailure as failure:
        return seed, None, f"{failure}\nfiles kept in {work}"
    except Exception:
        return seed, None, f"seed {seed} crashed:\n{traceback.format_exc()}files kept in {work}"
    if keep:
        print(f"seed {seed}: files kept in {work} (trace.txt, ledger/ledger.log, stores/)")
    else:
        _databases.drop(url)
    return seed, result, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.simulation.soak", description=__doc__)
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds (default 100)")
    parser.add_argument("--start", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--seed", type=int, help="run this one seed only, and keep its files")
    parser.add_argument("--steps", type=int, default=SimConfig().steps, help="workload steps")
    parser.add_argument(
        "--fault-rate", type=float, default=1.0, help="scale every fault probability (default 1)"
    )
    parser.add_argument("--ledger-mutant", help=argparse.SUPPRESS)
    parser.add_argument("--postgres", help="PostgreSQL admin URL (default: SQLite)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--shard", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--shards", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--work-dir", type=Path, help="where databases and caches go")
    parser.add_argument("--write", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    root = args.work_dir or default_root()
    if args.seed is not None:
        seeds = [args.seed]
    else:
        seeds = list(range(args.start, args.start + args.seeds))[args.shard :: args.shards]
    started = time.monotonic()
    if args.jobs > 1 and args.seed is None:
        figures = _run_sharded(args, argv or sys.argv[1:], root)
    else:
        figures = _run_here(args, seeds, root)
    figures["wall_seconds"] = round(time.monotonic() - started, 1)
    figures["jobs"] = args.jobs
    print(json.dumps(figures, indent=2))
    if args.write:
        args.write.write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if figures["failed"] else 0


def _run_here(args: argparse.Namespace, seeds: list[int], root: Path) -> dict[str, Any]:
    keep = args.seed is not None
    totals = Totals()
    try:
        _worker_setup(str(root), args.postgres)
        for seed in seeds:
            task = (seed, args.steps, keep, args.fault_rate, args.ledger_mutant)
            _report(totals, *_run_one(task))
    finally:
        stop_fork_server()
        if isinstance(_databases, PostgresDatabases):
            _databases.close()
        if not totals.failed and not keep:
            shutil.rmtree(root, ignore_errors=True)
    return {
        "backend": "postgres" if args.postgres else "sqlite",
        "seeds": totals.seeds + len(totals.failed),
        "first_seed": min(seeds),
        "last_seed": max(seeds),
        "steps_per_seed": args.steps,
        "passed": totals.seeds,
        "failed": sorted(f["seed"] for f in totals.failed),
        "operations_applied": totals.operations,
        "operations_made": totals.made,
        "operations_refused": totals.refused,
        "requests": totals.requests,
        "faults": {name: totals.faults.get(name, 0) for name in FAULT_CLASSES},
        "faults_total": sum(totals.faults.get(name, 0) for name in FAULT_CLASSES),
        "seed_seconds_total": round(totals.seconds, 1),
        "documents": dict(sorted(totals.documents.items())),
        "counter": dict(sorted(totals.counter.items())),
        "fulfilment": dict(sorted(totals.fulfilment.items())),
        "offers": dict(sorted(totals.offers.items())),
    }


def _run_sharded(args: argparse.Namespace, argv: list[str], root: Path) -> dict[str, Any]:
    """Run the seeds in ``--jobs`` processes of this command, each on its own share."""
    root.mkdir(parents=True, exist_ok=True)
    outputs = [root / f"shard-{k}.json" for k in range(args.jobs)]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.simulation.soak",
                *argv,
                "--jobs",
                "1",
                "--shard",
                str(k),
                "--shards",
                str(args.jobs),
                "--work-dir",
                str(root / f"shard-{k}"),
                "--write",
                str(outputs[k]),
            ],
        )
        for k in range(args.jobs)
    ]
    for worker in workers:
        worker.wait()
    merged: dict[str, Any] = {}
    for output in outputs:
        if not output.exists():
            raise SystemExit(f"a soak worker wrote no figures ({output})")
        part = json.loads(output.read_text())
        for key, value in part.items():
            if key in ("wall_seconds", "jobs"):
                continue
            if key not in merged:
                merged[key] = value
            elif key == "faults":
                merged[key] = {name: merged[key][name] + value[name] for name in merged[key]}
            elif key in ("documents", "counter", "fulfilment", "offers"):
                merged[key] = dict(sorted((Counter(merged[key]) + Counter(value)).items()))
            elif key == "first_seed":
                merged[key] = min(merged[key], value)
            elif key == "last_seed":
                merged[key] = max(merged[key], value)
            elif key in ("backend", "steps_per_seed"):
                continue
            elif isinstance(value, list):
                merged[key] = sorted(merged[key] + value)
            else:
                merged[key] = round(merged[key] + value, 1)
    if not merged["failed"]:
        shutil.rmtree(root, ignore_errors=True)
    return merged


def _report(totals: Totals, seed: int, result: SeedResult | None, failure: str | None) -> None:
    if failure is not None:
        totals.failed.append({"seed": seed, "failure": failure})
        print(failure, file=sys.stderr, flush=True)
        return
    assert result is not None
    totals.add(result)
    faults = sum(result.faults.values())
    print(
        f"seed {seed}: ok in {result.seconds:.1f} s, {result.operations} operations, "
        f"{faults} faults, digest {result.digest} {result.phases}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
