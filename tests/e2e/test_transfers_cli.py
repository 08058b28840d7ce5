"""``ordersync transfers request|list`` as head office runs them, on both backends: a request from
the warehouse, its retry, the transfer listed as it is requested and once sent, and bad input
refused in one readable line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ordersync.clock import ManualClock
from ordersync.contract import TransferShipment, uuid7
from ordersync.db.writer import run_in_transaction
from ordersync.services.operations import operation_work
from tests.support.ledger_harness import START, SYSTEM, Network
from tests.support.ledger_server import (
    CommandResult,
    assert_readable_failure,
    run_in_process,
    run_ordersync,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def transfers_cli(
    seeded_network: Network, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    """``ordersync --database-url URL transfers ARGS`` in this process."""

    def run(*args: str) -> CommandResult:
        argv = ["--database-url", seeded_network.url, "transfers", *args]
        return run_in_process(argv, capsys, monkeypatch)

    return run


def _listed(run: Any, *args: str) -> list[dict[str, Any]]:
    result = run("list", "--format", "json", *args)
    assert result.returncode == 0, result.describe()
    listed: list[dict[str, Any]] = json.loads(result.stdout)
    return listed


def test_head_office_requests_a_transfer_and_lists_it(
    seeded_network: Network, tmp_path: Path, transfers_cli: Any
) -> None:
    op_id = str(uuid7())
    request = (
        "--database-url",
        seeded_network.url,
        "transfers",
        "request",
        *("--from", "WH", "--to", "A", "--line", "S1=3", "--line", "S2=1"),
        *("--origin", "replenishment", "--note", "weekly refill", "--op-id", op_id),
    )
    made = run_ordersync(*request, cwd=tmp_path)
    assert made.returncode == 0, made.describe()
    assert f"transfer {op_id} requested from WH to A: S1 x3, S2 x1" in made.stdout
    again = transfers_cli(*request[3:])
    assert again.returncode == 0, again.describe()
    assert "already requested by this operation id" in again.stdout

    [listed] = _listed(transfers_cli)
    assert (listed["id"], listed["state"], listed["origin"], listed["note"]) == (
        op_id,
        "requested",
        "replenishment",
        "weekly refill",
    )
    assert [(line["sku"], line["requested_qty"]) for line in listed["lines"]] == [
        ("S1", 3),
        ("S2", 1),
    ]
    assert _listed(transfers_cli, "--location", "A") == [listed]
    assert _listed(transfers_cli, "--location", "B") == []
    assert _listed(transfers_cli, "--state", "sent") == []

    shipment = TransferShipment.model_validate(
        {"op_id": str(uuid7()), "lines": [{"sku": "S1", "qty": 2}, {"sku": "S2", "qty": 1}]}
    )
    work = operation_work("send_transfer", SYSTEM, shipment, transfer_id=op_id)
    outcome = run_in_transaction(seeded_network.engine, ManualClock(START), work)
    assert outcome.status == 200, outcome.body

    [sent] = _listed(transfers_cli, "--state", "sent", "--state", "received")
    assert sent["expected_at"] == "2026-03-03T09:00:00Z"  # WH and A are both in Paris: 1 day
    # the warehouse's record holds nothing: sent all the same, and said so
    assert [(d["sku"], d["kind"], d["location"]) for d in sent["discrepancies"]] == [
        ("S1", "sent_without_stock", "WH"),
        ("S1", "under_shipped", "WH"),
        ("S2", "sent_without_stock", "WH"),
    ]
    table = transfers_cli("list", "--location", "WH")
    assert table.returncode == 0, table.describe()
    assert "S1 x3/2, S2 x1/1" in table.stdout, table.describe()
    assert "2026-03-03 09:00" in table.stdout
    assert "1 transfer" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "A", "--to", "A", "--line", "S1=1"), "from one location to another"),
        (("--from", "A", "--to", "ZZ", "--line", "S1=1"), "no location 'ZZ'"),
        (("--from", "A", "--to", "B", "--line", "NOPE=1"), "no SKU 'NOPE'"),
        (("--from", "A", "--to", "B", "--line", "S1=1", "--line", "S1=2"), "S1 is on the request"),
    ],
)
def test_a_bad_request_is_refused_in_one_readable_line(
    transfers_cli: Any, args: tuple[str, ...], message: str
) -> None:
    result = transfers_cli("request", *args)
    assert_readable_failure(result)
    assert message in result.stderr, result.describe()
    assert _listed(transfers_cli) == []


@pytest.mark.parametrize("line", ["S1", "S1=0", "S1=many", "s 1=2"])
def test_a_line_that_is_not_sku_equals_quantity_is_a_usage_error(
    transfers_cli: Any, line: str
) -> None:
    result = transfers_cli("request", "--from", "A", "--to", "B", "--line", line)
    assert result.returncode == 2, result.describe()
    assert "--line" in result.stderr
    assert "Traceback" not in result.stderr
