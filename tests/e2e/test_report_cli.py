"""``ordersync report`` as an operator runs it: a real process reading the ledger's database.

Store A received 10 units of S1 ten days ago, sold 4 eight days ago and the last 6 five days
ago: over the last 7 complete days it sold 6 in 3 in-stock days (2 a day) and was out for 4 days
(8 units, 79.84 EUR at 49.90 lost). The command reads "today" from the real clock, so the
history is placed relative to it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ordersync.contract import MovementBatch, uuid7
from ordersync.db.writer import run_in_transaction
from ordersync.services.operations import operation_work
from tests.support.ledger_harness import SYSTEM, Network
from tests.support.ledger_server import run_ordersync

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")


def _post(network: Network, day: date, kind: str, qty: int) -> None:
    moment = datetime.combine(day, time(12), PARIS)
    batch = MovementBatch.model_validate(
        {
            "op_id": str(uuid7()),
            "occurred_at": moment.isoformat(),
            "lines": [{"kind": kind, "sku": "S1", "location": "A", "qty": qty}],
        }
    )
    outcome = run_in_transaction(
        network.engine, network.clock, operation_work("movements", SYSTEM, batch)
    )
    assert outcome.status == 201, outcome.body


@pytest.fixture
def history(seeded_network: Network) -> tuple[Network, date]:
    today = datetime.now(UTC).astimezone(PARIS).date()
    _post(seeded_network, today - timedelta(days=10), "receipt", 10)
    _post(seeded_network, today - timedelta(days=8), "sale", 4)
    _post(seeded_network, today - timedelta(days=5), "sale", 6)
    return seeded_network, today


def test_stockouts_as_csv(history: tuple[Network, date], tmp_path: Path) -> None:
    network, today = history
    result = run_ordersync(
        "--database-url", network.url, "report", "stockouts", "--location", "A", "--days", "7",
        "--format", "csv", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.describe()
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["sku"] for row in rows] == ["S1"]
    [row] = rows
    assert row["first_day"] == (today - timedelta(days=4)).isoformat()
    assert row["last_day"] == (today - timedelta(days=1)).isoformat()
    assert (row["days_out"], row["ongoing"], row["daily_rate"]) == ("4", "true", "2.0")
    assert (row["lost_units"], row["lost_value_minor"]) == ("8.0", "39920")


def test_replenishment_as_json_into_a_file(history: tuple[Network, date], tmp_path: Path) -> None:
    network, today = history
    target = tmp_path / "out" / "replenishment.json"
    target.parent.mkdir()
    result = run_ordersync(
        "--database-url", network.url, "report", "replenishment", "--location", "A",
        "--rate-days", "7", "--format", "json", "--output", str(target), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.describe()
    assert result.stdout == ""
    body = json.loads(target.read_text(encoding="utf-8"))
    assert (body["location"], body["as_of"]) == ("A", today.isoformat())
    [row] = body["rows"]
    # 3 in-stock days: 0, 0, 6 -> rate 2, sample spread sqrt(12) = 3.46;
    # safety 1.645 * 3.46 * sqrt(10) = 18.02 -> 19; S = ceil(20 + 18.02) = 39
    assert (row["sku"], row["daily_rate"], row["safety_units"]) == ("S1", 2.0, 19)
    assert (row["order_up_to"], row["suggested_qty"]) == (39, 39)


def test_cover_table_and_trend_csv(history: tuple[Network, date], tmp_path: Path) -> None:
    network, today = history
    table = run_ordersync(
        "--database-url", network.url, "report", "stockout-risk", "--location", "A",
        "--rate-days", "7", cwd=tmp_path,
    )  # fmt: skip
    assert table.returncode == 0, table.describe()
    assert "Days of cover at A" in table.stdout
    assert "S1" in table.stdout
    assert "yes" in table.stdout
    assert "1 positions, 1 at risk" in table.stdout

    trend = run_ordersync(
        "--database-url", network.url, "report", "sales-trend", "--reference", "REF-1",
        "--days", "10", "--recent-days", "5", "--format", "csv", cwd=tmp_path,
    )  # fmt: skip
    assert trend.returncode == 0, trend.describe()
    header, *rows = list(csv.reader(io.StringIO(trend.stdout)))
    days = [(today - timedelta(days=n)).isoformat() for n in range(10, 0, -1)]
    assert header[-10:] == days
    s1 = next(row for row in rows if row[0] == "S1" and row[2] == "A")
    assert s1[-10:] == ["0", "0", "4", "0", "0", "6", "0", "0", "0", "0"]
    # last 5 days: 6 (five days ago); the 5 before: 4
    assert s1[3:7] == ["10", "6", "4", "50.0"]


def test_kpis_and_variance_as_json(history: tuple[Network, date], tmp_path: Path) -> None:
    network, today = history
    kpis = run_ordersync(
        "--database-url", network.url, "report", "kpis", "--days", "7", "--format", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert kpis.returncode == 0, kpis.describe()
    body = json.loads(kpis.stdout)
    assert (body["end"], body["order_lines"], body["locations"]) == (
        (today - timedelta(days=1)).isoformat(),
        0,
        [],
    )
    variance = run_ordersync(
        "--database-url", network.url, "report", "variance", "--location", "A", "--days", "7",
        "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert variance.returncode == 0, variance.describe()
    body = json.loads(variance.stdout)
    assert (body["location"], body["end"], body["counts"]) == ("A", today.isoformat(), [])


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["stockouts", "--location", "ZZ"], 2, "no location 'ZZ'"),
        (["sales-trend", "--reference", "NOPE"], 2, "no reference 'NOPE'"),
        (["cover", "--location", "A", "--limit", "0"], 2, "between 1 and"),
        (["cover", "--location", "a"], 2, "not a valid location code"),
        (["sales-trend", "--reference", "REF-1", "--days", "6"], 2, "recent_days"),
        (["kpis", "--output", "/proc/no-such-dir/kpis.csv"], 1, "cannot write"),
    ],
)
def test_errors_are_readable(
    seeded_network: Network, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = run_ordersync("--database-url", seeded_network.url, "report", *args, cwd=tmp_path)
    assert result.returncode == code, result.describe()
    assert "Traceback" not in result.stderr + result.stdout
    assert message in result.stderr, result.describe()


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "ledger.db"
    result = run_ordersync("--database-url", f"sqlite:///{missing}", "report", "kpis", cwd=tmp_path)
    assert result.returncode == 1, result.describe()
    assert "ordersync db upgrade" in result.stderr
    assert not missing.exists()
