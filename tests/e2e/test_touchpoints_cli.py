"""``ordersync report touchpoint-sales`` and its family as an operator runs them: a real process
reading the ledger's database, on history placed through the API.

The command reads "today" from the real clock, so the history is placed relative to it, at
midday in Paris: three days ago store A sold 2 units of S1 at its counter and a web order of
one S2 was shipped from the warehouse; two days ago a web order of one S3 to collect at A was
placed, and handed over from A's shelf the next day. Over the last 7 complete days: counter A 2,
web from the warehouse 1, click & collect A 1.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ordersync.clock import ManualClock
from tests.support.job_api import JobShop
from tests.support.ledger_api import in_process_ledger
from tests.support.ledger_harness import Network
from tests.support.ledger_server import run_ordersync

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")


def _days_ago(days: int, hour: int = 12) -> datetime:
    today = datetime.now(UTC).astimezone(PARIS).date()
    return datetime.combine(today - timedelta(days=days), time(hour), PARIS).astimezone(UTC)


@pytest.fixture
def history(seeded_network: Network) -> Network:
    clock = ManualClock(_days_ago(4))
    with in_process_ledger(seeded_network.url, clock) as client:
        shop = JobShop(client, seeded_network)
        shop.receive("A", "S1", 5)
        shop.receive("WH", "S2", 1)
        shop.receive("A", "S3", 1)
        clock.set(_days_ago(3))
        shop.sell("A", "S1", 2)
        [shipped] = shop.order([("S2", 1)])["jobs"]
        shop.walk(shipped, "picking", "picked", "packed", "shipped")
        clock.set(_days_ago(2))
        [collected] = shop.order([("S3", 1)], collect_at="A")["jobs"]
        clock.set(_days_ago(1))
        shop.walk(collected, "picking", "picked", "ready", "collected")
    return seeded_network


def test_sales_by_touchpoint_as_a_table(history: Network, tmp_path: Path) -> None:
    result = run_ordersync(
        "--database-url", history.url, "report", "touchpoint-sales", "--days", "7", "--by",
        "week", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.describe()
    assert "Sales by touchpoint at the network" in result.stdout
    assert "counter sale 2 (50.0 %); order in store 0" in result.stdout.replace("\n", " ")


def test_sales_by_touchpoint_as_csv_and_json(history: Network, tmp_path: Path) -> None:
    as_csv = run_ordersync(
        "--database-url", history.url, "report", "touchpoint-sales", "--days", "7", "--format",
        "csv", cwd=tmp_path,
    )  # fmt: skip
    assert as_csv.returncode == 0, as_csv.describe()
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(row["period"], row["location"], row["touchpoint"], row["units"]) for row in rows] == [
        (_days_ago(3).astimezone(PARIS).date().isoformat(), "A", "counter_sale", "2"),
        (_days_ago(3).astimezone(PARIS).date().isoformat(), "WH", "web_from_warehouse", "1"),
        (_days_ago(1).astimezone(PARIS).date().isoformat(), "A", "click_and_collect", "1"),
    ]

    as_json = run_ordersync(
        "--database-url", history.url, "report", "touchpoint-sales", "--location", "A",
        "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.describe()
    body = json.loads(as_json.stdout)
    assert (body["location"], body["by"]) == ("A", "day")
    totals = {total["touchpoint"]: total["units"] for total in body["totals"]}
    assert (totals["counter_sale"], totals["click_and_collect"]) == (2, 1)
    assert totals["web_from_warehouse"] == 0  # shipped by WH: not A's


def test_the_rest_of_the_family_reads_the_same_history(history: Network, tmp_path: Path) -> None:
    contribution = run_ordersync(
        "--database-url", history.url, "report", "store-contribution", "--format", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert contribution.returncode == 0, contribution.describe()
    body = json.loads(contribution.stdout)
    assert (body["web_units"], body["store_units"]) == (2, 1)

    for name in ("split-rate", "time-to-customer", "cancellations", "offers"):
        result = run_ordersync("--database-url", history.url, "report", name, cwd=tmp_path)
        assert result.returncode == 0, result.describe()
        assert "Traceback" not in result.stderr


def test_a_bad_period_is_refused_readably(history: Network, tmp_path: Path) -> None:
    result = run_ordersync(
        "--database-url", history.url, "report", "touchpoint-sales", "--by", "month",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.describe()
    assert "invalid choice: 'month'" in result.stderr
