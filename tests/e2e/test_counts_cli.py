"""``ordersync counts schedule`` as cron runs it: real processes, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, uuid7
from ordersync.db.writer import run_in_transaction
from ordersync.services.operations import operation_work
from tests.support.ledger_harness import SYSTEM, Network
from tests.support.ledger_server import assert_readable_failure, run_in_process, run_ordersync

pytestmark = pytest.mark.e2e


def record(network: Network, kind: str, sku: str, location: str, qty: int) -> None:
    """A movement at the real time: the command reads the store's today from the system clock."""
    batch = MovementBatch.model_validate(
        {
            "op_id": str(uuid7()),
            "lines": [{"kind": kind, "sku": sku, "location": location, "qty": qty}],
        }
    )
    clock = ManualClock(datetime.now(UTC))
    outcome = run_in_transaction(network.engine, clock, operation_work("movements", SYSTEM, batch))
    assert outcome.status == 201, outcome.body


def open_cycle_tasks(network: Network) -> list[tuple[str, str]]:
    with network.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT location, sku FROM count_tasks WHERE reason = 'cycle' "
                "AND closed_at IS NULL ORDER BY location, id"
            )
        )
        return [(str(location), str(sku)) for location, sku in rows]


def test_counts_schedule_opens_the_fast_movers_first_and_only_tops_up(
    seeded_network: Network,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network = seeded_network
    for location in ("A", "B"):
        for sku in ("S1", "S2", "S3"):
            record(network, "receipt", sku, location, 20)
    record(network, "sale", "S2", "A", 8)  # 80% of A's sales: class A
    record(network, "sale", "S1", "A", 2)  # class B; S3 sold nothing at A
    url = network.url

    first = run_ordersync(
        "--database-url", url, "counts", "schedule", "--location", "A", "--limit", "2", cwd=tmp_path
    )
    assert first.returncode == 0, first.describe()
    assert "S2, S1" in first.stdout, first.describe()
    assert open_cycle_tasks(network) == [("A", "S2"), ("A", "S1")]

    again = run_in_process(
        ["--database-url", url, "counts", "schedule", "--location", "A", "--limit", "2"],
        capsys,
        monkeypatch,
    )
    assert again.returncode == 0, again.describe()
    assert open_cycle_tasks(network) == [("A", "S2"), ("A", "S1")]

    everywhere = run_in_process(
        ["--database-url", url, "counts", "schedule", "--all", "--limit", "2"], capsys, monkeypatch
    )
    assert everywhere.returncode == 0, everywhere.describe()
    for location in ("A", "B", "WH"):
        assert location in everywhere.stdout, everywhere.describe()
    # B sold nothing: every position is as due as the others, the SKU order decides; WH holds none
    assert open_cycle_tasks(network) == [("A", "S2"), ("A", "S1"), ("B", "S1"), ("B", "S2")]


@pytest.mark.parametrize(
    ("arguments", "status"),
    [
        (["--location", "NOWHERE"], 2),
        (["--location", "A", "--limit", "0"], 2),
        (["--location", "A", "--all"], 2),
        ([], 2),
    ],
    ids=["unknown location", "limit 0", "location and all", "neither"],
)
def test_counts_schedule_refuses_readably(
    seeded_network: Network,
    arguments: list[str],
    status: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run_in_process(
        ["--database-url", seeded_network.url, "counts", "schedule", *arguments],
        capsys,
        monkeypatch,
    )
    assert result.returncode == status, result.describe()
    assert "Traceback" not in result.stdout + result.stderr, result.describe()
    if arguments[:2] == ["--location", "NOWHERE"]:
        assert_readable_failure(result)
        assert "NOWHERE" in result.stderr
    assert open_cycle_tasks(seeded_network) == []
