"""The benchmark harness works: every measure runs on tiny data against real servers on
127.0.0.1 and writes its results. This is not a benchmark: the sizes are a few hundred rows and
each load is bounded to a few dozen requests (wrk when installed, else a small Python client)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bench.cli import build_parser, run
from bench.datagen import Stock, verify_payloads
from bench.load import LoadGenerator, LoadSpec, Wrk, result_from_wrk, wrk_script
from bench.plan import PLANS
from bench.report import SECTIONS, markers, update_benchmarks_md

from tests.bench.python_load import PythonLoad

pytestmark = pytest.mark.e2e


def load_generator() -> LoadGenerator:
    return Wrk() if shutil.which("wrk") else PythonLoad()


def test_every_measure_runs_on_tiny_data_and_writes_its_results(tmp_path: Path) -> None:
    benchmarks = tmp_path / "BENCHMARKS.md"
    benchmarks.write_text("# Benchmarks\n\nKept text.\n")
    args = build_parser().parse_args(
        [
            "--plan",
            "tiny",
            "--no-postgres",
            "--quiet",
            "--work-dir",
            str(tmp_path / "work"),
            "--results-dir",
            str(tmp_path / "results"),
            "--benchmarks-md",
            str(benchmarks),
        ]
    )

    report = run(args, load=load_generator())

    failed = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
    assert not failed, failed
    data = json.loads((tmp_path / "results" / "tiny.json").read_text())
    assert {"mode", "date", "command", "machine", "figures", "checks", "seconds"} <= set(data)
    assert data["machine"]["cpus"] >= 1
    assert {f["section"] for f in data["figures"]} == set(SECTIONS) - {"postgres"}
    for figure in data["figures"]:
        assert figure["ours"] > 0, figure
        assert figure["baseline"] > 0, figure
        assert figure["ratio"] > 0, figure
    reservations = [f for f in data["figures"] if f["section"] == "reservations"]
    assert {f["params"]["mode"] for f in reservations} == {"hot", "spread"}
    for figure in reservations:
        assert figure["detail"]["ours"]["statuses"] == {
            "201": figure["detail"]["ours"]["responses"]
        }
    demo = [f for f in data["figures"] if f["section"] == "demo"]
    assert {f["params"]["step"] for f in demo} == {"generation", "load"}
    imports = [f for f in data["figures"] if f["section"] == "imports"]
    assert {f["params"]["step"] for f in imports} == {"catalog", "stock", "nightly"}
    text = benchmarks.read_text()
    start, end = markers("tiny")
    assert start in text
    assert end in text
    assert "Kept text." in text
    for section in set(SECTIONS) - {"postgres"}:
        assert SECTIONS[section] in text
    assert (tmp_path / "results" / "tiny.md").read_text().strip() in text
    assert not list((tmp_path / "work").glob("*.db")), "databases are dropped after the run"


def test_a_second_run_replaces_only_its_own_block(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nIntro.\n\n<!-- bench:results -->\n\n## By hand\n")
    update_benchmarks_md(path, "full", "full table 1\n")
    update_benchmarks_md(path, "quick", "quick table\n")
    update_benchmarks_md(path, "full", "full table 2\n")
    text = path.read_text()
    assert "full table 1" not in text
    assert text.count("full table 2") == 1
    assert text.count("quick table") == 1
    assert text.index("Intro.") < text.index("full table 2") < text.index("## By hand")


def test_a_partial_run_goes_after_the_whole_runs_block_until_the_next_whole_run(
    tmp_path: Path,
) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n<!-- bench:results -->\n\n## By hand\n")
    update_benchmarks_md(path, "full", "full table 1\n")
    update_benchmarks_md(path, "quick", "quick table\n")
    update_benchmarks_md(path, "full", "part 1\n", partial=True)
    update_benchmarks_md(path, "full", "part 2\n", partial=True)
    text = path.read_text()
    assert "part 1" not in text
    full_end = markers("full")[1]
    assert f"{full_end}\n\n{markers('full-partial')[0]}\npart 2\n" in text
    assert text.count("quick table") == 1
    update_benchmarks_md(path, "full", "full table 2\n")
    text = path.read_text()
    assert "part 2" not in text
    assert "full-partial" not in text
    assert text.count("full table 2") == 1
    assert text.count("quick table") == 1
    assert text.index("full table 2") < text.index("## By hand")


def test_generated_payloads_are_what_the_ledger_writes() -> None:
    for plan in PLANS.values():
        verify_payloads(plan.network)
        stock = Stock(plan.network)
        shape = plan.network
        placed = sum(len(list(stock.locations_of(i))) for i in range(min(shape.skus, 50_000)))
        if shape.skus <= 50_000:
            assert placed == shape.positions


def test_wrk_script_and_result_parsing() -> None:
    spec = LoadSpec(
        name="x",
        method="POST",
        path="/v1/things/{key}",
        body='{"op_id":"{op_id}","sku":"{key}"}',
        keys=["A-1", 'B"2'],
        headers={"Authorization": "Bearer t"},
        connections=2,
        duration=1,
        max_requests=10,
    )
    script = wrk_script(spec)
    assert 'local keys = {"A-1", "B\\"2"}' in script
    assert '"{\\"op_id\\":\\"" .. op_id .. "\\",\\"sku\\":\\"" .. key .. "\\"}"' in script
    assert '"/v1/things/" .. key' in script
    result = result_from_wrk(
        {
            "responses": 10,
            "elapsed_us": 500_000,
            "duration_us": 1_000_000,
            "errors": {"connect": 0, "read": 0, "write": 0, "status": 2, "timeout": 0},
            "latency_us": {"p50": 1500, "p90": 2000, "p99": 3000, "max": 4000, "mean": 1600.0},
            "statuses": {"201": 8, "409": 2},
        }
    )
    assert result.rps == 20.0
    assert result.p99_ms == 3.0
    assert result.count(201, 409) == 10
