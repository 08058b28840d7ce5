"""``ordersync audit`` as an operator runs it: a real process reading the ledger's database.

Store A received 12 units of S1; Inès sold one on till-1 and someone else sold one on till-2.
The command shows each row's time, location, device, person and operation with its changes on one
line, filters them, and writes them as CSV or JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import insert

from ordersync.contract import MovementBatch, Role, uuid7
from ordersync.db.ledger_tx import table_of
from ordersync.db.tables import StaffRow
from ordersync.db.writer import run_in_transaction
from ordersync.domain.permissions import Principal
from ordersync.services.operations import operation_work
from tests.support.ledger_harness import SYSTEM, Network
from tests.support.ledger_server import CommandResult, assert_readable_failure, run_ordersync

pytestmark = pytest.mark.e2e


def _move(network: Network, principal: Principal, kind: str, qty: int) -> str:
    batch = MovementBatch.model_validate(
        {"op_id": str(uuid7()), "lines": [{"kind": kind, "sku": "S1", "location": "A", "qty": qty}]}
    )
    outcome = run_in_transaction(
        network.engine, network.clock, operation_work("movements", principal, batch)
    )
    assert outcome.status == 201, outcome.body
    return str(batch.op_id)


@pytest.fixture
def day_at_a(seeded_network: Network) -> tuple[Network, str, str]:
    """The ledger after the receipt and the two sales; answers the two sales' operation ids."""
    network = seeded_network
    with network.engine.begin() as connection:
        connection.execute(
            insert(table_of(StaffRow)).values(
                code="ines",
                name="Inès Martin",
                role="associate",
                location="A",
                pin_verifier="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                active=True,
                created_at=network.clock.now(),
                updated_at=network.clock.now(),
            )
        )
    _move(network, SYSTEM, "receipt", 12)
    till = Principal(token_id=0, location="A", role=Role.ASSOCIATE, device="till-1")
    hers = _move(network, replace(till, person="ines"), "sale", 1)
    other = Principal(token_id=0, location="A", role=Role.ASSOCIATE, device="till-2")
    theirs = _move(network, other, "sale", 1)
    return network, hers, theirs


def _audit(network: Network, tmp_path: Path, *options: str) -> CommandResult:
    return run_ordersync("--database-url", network.url, "audit", *options, cwd=tmp_path)


def test_the_table_shows_who_did_what_and_the_change(
    day_at_a: tuple[Network, str, str], tmp_path: Path
) -> None:
    network, _, _ = day_at_a
    result = _audit(network, tmp_path, "--location", "A", "--device", "till-1")
    assert result.returncode == 0, result.describe()
    [row] = [line for line in result.stdout.splitlines() if "till-1" in line]
    assert "ines (Inès Martin)" in row
    assert "movements" in row
    assert "A S1 on hand 12 -> 11" in row
    assert "1 row" in result.stdout
    assert "till-2" not in result.stdout


def test_csv_and_json_filter_by_person_and_operation(
    day_at_a: tuple[Network, str, str], tmp_path: Path
) -> None:
    network, hers, theirs = day_at_a
    as_csv = _audit(network, tmp_path, "--person", "ines", "--format", "csv")
    assert as_csv.returncode == 0, as_csv.describe()
    [row] = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert (row["op_id"], row["person"], row["person_name"]) == (hers, "ines", "Inès Martin")
    assert (row["location"], row["device"]) == ("A", "till-1")
    assert row["changes"] == "A S1 on hand 12 -> 11"

    as_json = _audit(network, tmp_path, "--operation", "movements", "--format", "json")
    assert as_json.returncode == 0, as_json.describe()
    entries = json.loads(as_json.stdout)
    assert [e["op_id"] for e in entries][-2:] == [hers, theirs]
    [position] = [c for c in entries[-1]["changes"] if c["kind"] == "position"]
    assert (position["on_hand_before"], position["on_hand_after"]) == (11, 10)
    assert entries[-1]["person"] is None


def test_time_filters_and_bad_options(day_at_a: tuple[Network, str, str], tmp_path: Path) -> None:
    network, _, _ = day_at_a
    now = network.clock.now()
    later = _audit(network, tmp_path, "--since", now.replace(year=now.year + 1).isoformat())
    assert later.returncode == 0, later.describe()
    assert "0 rows" in later.stdout
    until_now = _audit(network, tmp_path, "--location", "A", "--until", now.isoformat())
    assert until_now.returncode == 0, until_now.describe()
    assert "0 rows" in until_now.stdout  # every row was recorded at exactly "now"

    for options in (
        ["--person", "nobody"],
        ["--location", "NOWHERE"],
        ["--since", "2026-03-02", "--until", "2026-03-01"],
    ):
        assert_readable_failure(_audit(network, tmp_path, *options))
    bad_time = _audit(network, tmp_path, "--since", "yesterday")
    assert bad_time.returncode != 0
    assert "ISO time" in bad_time.stderr
    assert "Traceback" not in bad_time.stderr
