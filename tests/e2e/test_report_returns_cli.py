"""``ordersync report returns`` as an operator runs it: a real process reading the ledger's
database.

Store A received 10 units of S1 ten days ago and sold 4 eight days ago; customers brought back
one (wrong size) six days ago and one (faulty) five days ago; store B sold none and took one back
(wrong size) four days ago. Over the last 7 complete days: A 2 of 4 returned, the network 3 of 4.
The command reads "today" from the real clock, so the history is placed relative to it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from ordersync.contract import CustomerReturn, MovementBatch, uuid7
from ordersync.db.writer import run_in_transaction
from ordersync.services.operations import operation_work
from tests.support.ledger_harness import SYSTEM, Network
from tests.support.ledger_server import run_ordersync

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")


def _apply(network: Network, op_type: str, command: BaseModel) -> None:
    outcome = run_in_transaction(
        network.engine, network.clock, operation_work(op_type, SYSTEM, command)
    )
    assert outcome.status == 201, outcome.body


def _moved(network: Network, day: date, kind: str, qty: int) -> None:
    batch = MovementBatch.model_validate(
        {
            "op_id": str(uuid7()),
            "occurred_at": datetime.combine(day, time(12), PARIS).isoformat(),
            "lines": [{"kind": kind, "sku": "S1", "location": "A", "qty": qty}],
        }
    )
    _apply(network, "movements", batch)


def _returned(network: Network, day: date, location: str, reason: str) -> None:
    customer_return = CustomerReturn.model_validate(
        {
            "op_id": str(uuid7()),
            "location": location,
            "occurred_at": datetime.combine(day, time(16), PARIS).isoformat(),
            "lines": [{"sku": "S1", "qty": 1, "reason": reason}],
        }
    )
    _apply(network, "customer_return", customer_return)


@pytest.fixture
def history(seeded_network: Network) -> Network:
    today = datetime.now(UTC).astimezone(PARIS).date()
    _moved(seeded_network, today - timedelta(days=10), "receipt", 10)
    _moved(seeded_network, today - timedelta(days=8), "sale", 4)
    _returned(seeded_network, today - timedelta(days=6), "A", "wrong_size")
    _returned(seeded_network, today - timedelta(days=5), "A", "faulty")
    _returned(seeded_network, today - timedelta(days=4), "B", "wrong_size")
    return seeded_network


def test_returns_of_a_store_as_a_table(history: Network, tmp_path: Path) -> None:
    result = run_ordersync(
        "--database-url", history.url, "report", "returns", "--location", "A", "--days", "7",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.describe()
    assert "Returns at A, the 7 complete days before today" in result.stdout
    [row] = [line for line in result.stdout.splitlines() if "REF-1" in line]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    # The sale was 8 days ago, outside the 7 days: no rate to speak of, not "0 %".
    assert cells[2:5] == ["0", "2", ""]
    assert cells[5] == "faulty 1, wrong_size 1"


def test_returns_of_the_network_as_csv_and_json(history: Network, tmp_path: Path) -> None:
    as_csv = run_ordersync(
        "--database-url", history.url, "report", "returns", "--days", "9", "--format", "csv",
        cwd=tmp_path,
    )  # fmt: skip
    assert as_csv.returncode == 0, as_csv.describe()
    [row] = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert (row["reference"], row["sold_units"], row["returned_units"]) == ("REF-1", "4", "3")
    assert (row["return_rate"], row["reason_wrong_size"], row["reason_faulty"]) == (
        "0.75",
        "2",
        "1",
    )

    as_json = run_ordersync(
        "--database-url", history.url, "report", "returns", "--location", "B", "--format",
        "json", cwd=tmp_path,
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.describe()
    body = json.loads(as_json.stdout)
    assert (body["location"], body["days"]) == ("B", 28)
    assert body["rows"][0]["by_reason"] == {"wrong_size": 1}
    assert body["rows"][0]["return_rate"] == 0.0  # nothing sold at B: no rate to speak of


def test_a_bad_option_is_refused_readably(history: Network, tmp_path: Path) -> None:
    result = run_ordersync(
        "--database-url", history.url, "report", "returns", "--days", "0", cwd=tmp_path
    )
    assert result.returncode == 2, result.describe()
    assert "must be between 1 and 365" in result.stderr
    assert "Traceback" not in result.stderr
