"""Results of a run: figures next to their baselines, checks, and how they are written out.

The JSON file keeps everything; BENCHMARKS.md gets a Markdown table per measure between
markers of the run's mode, so a quick run never overwrites the last full run's table.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TIMES = "\N{MULTIPLICATION SIGN}"
SECTIONS = {
    "reservations": "1. Reservations over HTTP",
    "batch": "2. Batch movements",
    "availability": "3. Network availability",
    "feed": "4. Change feed into a store cache",
    "app": "5. Store app",
    "postgres": "6. PostgreSQL: the ledger's path against the row-locking sequence",
    "reports": "7. Sales reports",
    "demo": "8. Demo network",
    "imports": "9. Importing from the ERP",
    "hq": "10. Head-office pages",
}


@dataclass
class Figure:
    section: str
    case: str
    metric: str
    """Unit of ``ours`` and ``baseline``: req/s, lines/s, rows/s, s, ms, MB."""
    ours: float
    baseline: float | None
    baseline_label: str
    target: str = ""
    met: bool | None = None
    ours_note: str = ""
    """Latencies and the like, shown next to the figure."""
    baseline_note: str = ""
    higher_is_better: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or self.ours is None:
            return None
        return round(self.ours / self.baseline, 3)  # type: ignore[operator]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        return data


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Report:
    mode: str
    description: str
    command: str
    date: str
    machine: dict[str, Any]
    sizes: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    data_build: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    only: list[str] = field(default_factory=list)
    """The measures of a partial run (``--only``); empty when every measure ran."""

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "description": self.description,
            "command": self.command,
            "date": self.date,
            "seconds": self.seconds,
            "machine": self.machine,
            "sizes": self.sizes,
            "data_build": self.data_build,
            "figures": [f.as_dict() for f in self.figures],
            "checks": [asdict(c) for c in self.checks],
            "notes": self.notes,
            "skipped": self.skipped,
            "only": self.only,
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n")


# --- Markdown --------------------------------------------------------------------------------


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit in ("s",):
        text = f"{value:,.2f}"
    elif unit in ("ms",):
        text = f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.1f}"
    return f"{text} {unit}".strip()


BACKGROUND_NOTE_PCT = 20.0


def busy_note(cpu: dict[str, float] | None) -> str:
    """A mark on figures measured while other work used the machine (% of one core)."""
    if not cpu or cpu.get("background_pct", 0.0) < BACKGROUND_NOTE_PCT:
        return ""
    return f" · ⚠ other work {cpu['background_pct']:.0f}% CPU"


def verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "—"}[met]


def _cell(value: float | None, unit: str, note: str) -> str:
    main = number(value, unit)
    return f"{main} · {note}" if note and value is not None else main


def markdown(report: Report, json_path: str) -> str:
    part = f" of {', '.join(report.only)} only" if report.only else ""
    lines = [
        f"### {report.mode.capitalize()} run{part}, {report.date}",
        "",
        f"- Command: `{report.command}` ({report.seconds / 60:.1f} min); every figure below was "
        "measured in this run, next to its baseline on the same machine.",
        f"- Sizes: {report.description}.",
        f"- Machine: {machine_line(report.machine)}.",
        f"- Raw results: `{json_path}`.",
    ]
    if report.skipped:
        lines.append(f"- Not measured in this run: {'; '.join(report.skipped)}.")
    for section, title in SECTIONS.items():
        figures = [f for f in report.figures if f.section == section]
        if not figures:
            continue
        lines += ["", f"#### {title}", ""]
        lines.append("| case | ours | baseline | ratio | target | |")
        lines.append("|---|---|---|---|---|---|")
        for f in figures:
            ratio = "—" if f.ratio is None else f"{f.ratio:.2f}{TIMES}"
            base = _cell(f.baseline, f.metric, f.baseline_note)
            if f.baseline is not None and f.baseline_label:
                base = f"{base} ({f.baseline_label})"
            lines.append(
                f"| {f.case} | {_cell(f.ours, f.metric, f.ours_note)} | {base} | {ratio} "
                f"| {f.target or '—'} | {verdict(f.met)} |"
            )
    if report.checks:
        failed = [c for c in report.checks if not c.ok]
        lines += [
            "",
            f"#### Checks: {len(report.checks) - len(failed)} of {len(report.checks)} passed",
            "",
        ]
        for check in failed:
            lines.append(f"- **FAILED** {check.name}: {check.detail}")
        for check in report.checks:
            if check.ok:
                lines.append(f"- {check.name}" + (f": {check.detail}" if check.detail else ""))
    if report.data_build:
        builds = "; ".join(
            f"{name} {info.get('seconds', 0):.0f} s" for name, info in report.data_build.items()
        )
        lines += ["", f"Data built by the harness in this run: {builds}."]
    if report.notes:
        lines += ["", *[f"- {note}" for note in report.notes]]
    return "\n".join(lines) + "\n"


def machine_line(machine: dict[str, Any]) -> str:
    parts = [
        f"{machine.get('cpus', '?')} cores ({machine.get('cpu', '?')})",
        f"{machine.get('memory_gib', '?')} GiB",
        machine.get("os", ""),
        f"Python {machine.get('python', '?')}",
        f"SQLite {machine.get('sqlite', '?')}",
    ]
    if machine.get("postgresql"):
        parts.append(f"PostgreSQL {machine['postgresql']}")
    if machine.get("wrk"):
        parts.append(machine["wrk"])
    for key in ("sqlite_commits_per_s", "postgresql_commits_per_s"):
        if machine.get(key):
            label = (
                key.split("_")[0].replace("postgresql", "PostgreSQL").replace("sqlite", "SQLite")
            )
            parts.append(f"{label} durable commits/s alone: {machine[key]:,.0f}")
    text = ", ".join(p for p in parts if p)
    load = machine.get("load_average_at_start")
    busy = machine.get("background_cpu_pct_during_runs")
    if load:
        text += f"; load average at start {load[0]:.1f}"
    if busy:
        text += (
            f"; other work during the measured runs: median {busy['median']:.0f}%, "
            f"max {busy['max']:.0f}% of one core"
        )
    return text


def markers(mode: str) -> tuple[str, str]:
    return f"<!-- bench:{mode}:start -->", f"<!-- bench:{mode}:end -->"


def update_benchmarks_md(path: Path, mode: str, block: str, *, partial: bool = False) -> None:
    """Replace this mode's block in BENCHMARKS.md (added after the first heading if missing).

    A partial run (``--only``) has a block of its own, right after its mode's block, so the
    figures of the measures it did not run stay; the next whole run of the mode removes it.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    key = f"{mode}-partial" if partial else mode
    start, end = markers(key)
    wrapped = f"{start}\n{block}{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not partial:
        partial_start, partial_end = markers(f"{mode}-partial")
        text = re.sub(
            r"\n*" + re.escape(partial_start) + r".*?" + re.escape(partial_end),
            "",
            text,
            flags=re.S,
        )
    if pattern.search(text):
        text = pattern.sub(lambda _m: wrapped, text, count=1)
    elif partial and markers(mode)[1] in text:
        mode_end = markers(mode)[1]
        text = text.replace(mode_end, f"{mode_end}\n\n{wrapped}", 1)
    else:
        anchor = "<!-- bench:results -->"
        if anchor in text:
            text = text.replace(anchor, f"{anchor}\n\n{wrapped}", 1)
        else:
            head, _, rest = text.partition("\n")
            text = f"{head}\n\n{wrapped}\n{rest}"
    path.write_text(text, encoding="utf-8")
