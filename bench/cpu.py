"""How busy the machine was with other work while a run was measured.

The machine may be shared (other test suites, other databases). Around each measured run the
harness reads the machine's CPU time (/proc/stat) and the CPU time of what belongs to the run:
the server's process group, the load generator, the harness itself, and the PostgreSQL
processes serving the benchmark's databases (or working for the whole server: WAL writer,
checkpointer). The rest is background: reported next to the figures it may have disturbed.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1


def machine_busy() -> float:
    """Seconds of CPU the whole machine spent not idle since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    # guest time is already counted in user time
    return (sum(values[:8]) - idle) / TICKS


def _process_seconds(stat: str) -> tuple[int, float]:
    """(session id, CPU seconds) from a /proc/<pid>/stat line."""
    rest = stat.rsplit(")", 1)[1].split()
    session = int(rest[3])
    return session, (int(rest[11]) + int(rest[12])) / TICKS


def ours_seconds(session: int | None, db_marker: str) -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            sid, seconds = _process_seconds(stat)
            if session is not None and sid == session:
                total += seconds
                continue
            if "(postgres)" in stat:
                cmdline = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
                # Backends of our databases, and the server's own helpers (no client address).
                if db_marker in cmdline or "(" not in cmdline:
                    total += seconds
        except (OSError, ValueError, IndexError):
            continue
    return total


def _self_and_children() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class CpuShare:
    seconds: float
    machine_pct: float
    """Whole machine busy, in % of one core (200% = both cores of a 2-core machine)."""
    run_pct: float
    background_pct: float

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 2),
            "machine_pct": round(self.machine_pct, 1),
            "run_pct": round(self.run_pct, 1),
            "background_pct": round(self.background_pct, 1),
        }


class CpuMeter:
    def __init__(self, session: int | None) -> None:
        self.session = session
        self.marker = f"bench_{os.getpid()}_"

    def __enter__(self) -> CpuMeter:
        self._wall = time.monotonic()
        self._machine = machine_busy()
        self._ours = ours_seconds(self.session, self.marker) + _self_and_children()
        return self

    def __exit__(self, *_exc: object) -> None:
        wall = max(time.monotonic() - self._wall, 1e-6)
        machine = machine_busy() - self._machine
        ours = ours_seconds(self.session, self.marker) + _self_and_children() - self._ours
        self.share = CpuShare(
            seconds=wall,
            machine_pct=100 * machine / wall,
            run_pct=100 * ours / wall,
            background_pct=max(0.0, 100 * (machine - ours) / wall),
        )


def background_now(session: int | None, seconds: float = 0.5) -> float:
    """Background CPU (% of one core) over a short sample, while the run itself is idle."""
    with CpuMeter(session) as meter:
        time.sleep(seconds)
    return meter.share.background_pct


def wait_until_quiet(
    session: int | None, max_wait: float, threshold_pct: float = 25.0
) -> tuple[float, float]:
    """Wait (at most ``max_wait`` s) for background CPU under ``threshold_pct``.

    Returns (seconds waited, last background reading)."""
    began = time.monotonic()
    reading = background_now(session)
    while reading > threshold_pct and time.monotonic() - began < max_wait:
        time.sleep(1.0)
        reading = background_now(session)
    return time.monotonic() - began, reading
