"""Optional py-spy profiles of the servers during measured runs (``--profile``).

Each profile is kept as collapsed stacks (py-spy's raw format) with a summary next to it: the
share of samples per thread, the functions where time is spent (self) and the ones under which
it is spent (inclusive). BENCHMARKS.md quotes these summaries as evidence.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RATE = 200
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    if beside.exists():
        return str(beside)
    from shutil import which

    return which("py-spy")


def _short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    file = match.group("file")
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{match.group('function')} ({file})"


PROCESSES = re.compile(r'^(?:process (\d+):"[^"]*";)+')
WAITING = re.compile(
    r"^(?:\w+\.)?(?:wait|wait_c|_wait_for_tstate_lock|get|select|poll|sleep|join|acquire|"
    r"recv|recv_into|accept|result) \("
)


def _split(stack: str) -> tuple[str, list[str]]:
    """(last process and thread, Python frames) of one collapsed stack."""
    process = ""
    found = PROCESSES.match(stack)
    if found:
        process = f"process {found.group(1)}"
        stack = stack[found.end() :]
    frames = stack.split(";")
    thread = ""
    if frames and frames[0].startswith("thread ("):
        head = frames.pop(0)
        thread = head.split(":", 1)[1].strip() if ":" in head else head
    return f"{process} {thread or '?'}".strip(), frames


def is_waiting(frame: str) -> bool:
    """Threads parked on a lock, a queue, a socket or the database (sampled, but not busy)."""
    return bool(WAITING.match(frame))


def summarize(raw: Path, rate: int, seconds: float, top: int = 12) -> str:
    """Where the time went, per process and thread, in % of one core (100% = a busy core)."""
    core = max(rate * seconds, 1.0)
    groups: dict[str, Counter[str]] = {}
    inclusive: dict[str, Counter[str]] = {}
    busy: Counter[str] = Counter()
    waiting: Counter[str] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, text = line.rpartition(" ")
        if not stack or not text.isdigit():
            continue
        count = int(text)
        group, frames = _split(stack)
        last = _short(frames[-1]) if frames else "?"
        if is_waiting(last):
            waiting[group] += count
            continue
        busy[group] += count
        groups.setdefault(group, Counter())[last] += count
        for frame in {_short(f) for f in frames}:
            inclusive.setdefault(group, Counter())[frame] += count
    lines = [
        f"{raw.name}: at {rate} Hz over {seconds:.0f} s; shares in % of one core. A thread "
        "parked on a lock, a queue, a socket or the database counts as waiting, not busy.",
        "",
    ]
    for group, samples in busy.most_common(8):
        lines.append(
            f"{group}: busy {100 * samples / core:.0f}% of a core, "
            f"waiting {100 * waiting[group] / core:.0f}%"
        )
        lines.append("  self:")
        lines += [
            f"    {100 * n / core:5.1f}%  {name}" for name, n in groups[group].most_common(top)
        ]
        lines.append("  under:")
        lines += [
            f"    {100 * n / core:5.1f}%  {name}"
            for name, n in inclusive[group].most_common(top * 3)
            if not name.startswith(("_bootstrap", "Thread.", "run (", "<module>"))
        ][: top * 2]
        lines.append("")
    return "\n".join(lines)


class Profiler:
    def __init__(self, out_dir: Path, enabled: bool) -> None:
        self.out_dir = out_dir
        self.binary = py_spy() if enabled else None
        self.enabled = enabled and self.binary is not None
        self.summaries: dict[str, Path] = {}

    @contextmanager
    def record(self, label: str, pid: int, seconds: float) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        assert self.binary is not None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        raw = self.out_dir / f"{label}.collapsed.txt"
        process = subprocess.Popen(
            [
                self.binary,
                "record",
                "--pid",
                str(pid),
                "--subprocesses",
                "--threads",
                "--nonblocking",
                "--rate",
                str(RATE),
                "--format",
                "raw",
                "--duration",
                str(max(1, int(seconds))),
                "--output",
                str(raw),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield
        finally:
            try:
                process.wait(timeout=seconds + 60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if raw.exists():
            summary = self.out_dir / f"{label}.summary.txt"
            summary.write_text(summarize(raw, RATE, seconds))
            self.summaries[label] = summary
