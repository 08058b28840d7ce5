"""Stock imports on both backends: full snapshots (absent positions go to zero), deltas, bad
lines, the same file twice, an interrupted run finished by a second one, and what a store's
feed then sees. Every test ends with the ledger's own check: positions equal their movements,
network totals equal their positions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ordersync.contract import ChangePage, MovementKind, Role
from ordersync.imports import ImportKind, ImportSummary, import_file
from ordersync.imports import stock as stock_module
from tests.support.imports import (
    assert_consistent,
    feed_head,
    movements,
    on_hand,
    query,
    stock_file,
)
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.ledger_harness import Network

RECONCILIATION = MovementKind.RECONCILIATION.value
SNAPSHOT = [("A", "S1", 5), ("A", "S2", 3), ("B", "S1", 7), ("WH", "S3", 40)]


def run(network: Network, path: Path, kind: ImportKind = ImportKind.STOCK) -> ImportSummary:
    return import_file(network.engine, kind, path, clock=network.clock)


def test_a_snapshot_sets_each_position_with_one_reconciliation_each(
    network: Network, tmp_path: Path
) -> None:
    summary = run(network, stock_file(tmp_path / "stock.csv", SNAPSHOT))
    assert on_hand(network.engine) == {(loc, sku): qty for loc, sku, qty in SNAPSHOT}
    assert sorted(movements(network.engine, RECONCILIATION)) == sorted(SNAPSHOT)
    assert (summary.lines_read, summary.applied, summary.bad, summary.movements) == (4, 4, 0, 4)
    assert_consistent(network.engine)


def test_the_same_file_twice_posts_nothing_the_second_time_and_says_when(
    network: Network, tmp_path: Path
) -> None:
    path = stock_file(tmp_path / "stock.csv", SNAPSHOT)
    first = run(network, path)
    head = feed_head(network.engine)
    second = run(network, path)
    assert second.already_imported_at == network.clock.now()
    assert (second.applied, second.movements) == (0, 0)
    assert first.already_imported_at is None
    assert len(movements(network.engine)) == len(SNAPSHOT)
    assert feed_head(network.engine) == head


def test_a_copy_of_a_snapshot_already_applied_finds_nothing_to_post(
    network: Network, tmp_path: Path
) -> None:
    run(network, stock_file(tmp_path / "monday.csv", SNAPSHOT))
    again = run(network, stock_file(tmp_path / "tuesday.csv", [*SNAPSHOT, ("B", "S3", 0)]))
    assert (again.applied, again.unchanged, again.movements) == (0, 5, 0)
    assert len(movements(network.engine)) == len(SNAPSHOT)


def test_one_changed_quantity_posts_exactly_one_movement_of_the_difference(
    network: Network, tmp_path: Path
) -> None:
    run(network, stock_file(tmp_path / "monday.csv", SNAPSHOT))
    changed = [("A", "S1", 2), *SNAPSHOT[1:]]
    summary = run(network, stock_file(tmp_path / "tuesday.csv", changed))
    assert movements(network.engine)[len(SNAPSHOT) :] == [("A", "S1", -3)]
    assert (summary.applied, summary.unchanged, summary.movements) == (1, 3, 1)
    assert on_hand(network.engine)[("A", "S1")] == 2
    assert_consistent(network.engine)


def test_a_position_absent_from_a_full_snapshot_goes_to_zero_in_that_location_only(
    network: Network, tmp_path: Path
) -> None:
    run(network, stock_file(tmp_path / "monday.csv", SNAPSHOT))
    summary = run(network, stock_file(tmp_path / "tuesday.csv", [("A", "S1", 5)]))
    stock = on_hand(network.engine)
    assert stock[("A", "S2")] == 0
    assert stock[("B", "S1")] == 7
    assert stock[("WH", "S3")] == 40
    assert movements(network.engine)[len(SNAPSHOT) :] == [("A", "S2", -3)]
    assert (summary.applied, summary.unchanged, summary.movements) == (0, 1, 1)
    assert_consistent(network.engine)


def test_a_delta_reconciles_only_the_positions_it_lists(network: Network, tmp_path: Path) -> None:
    run(network, stock_file(tmp_path / "stock.csv", SNAPSHOT))
    delta = stock_file(tmp_path / "delta.csv", [("A", "S2", 9), ("B", "S2", 1)])
    summary = run(network, delta, ImportKind.STOCK_DELTA)
    stock = on_hand(network.engine)
    assert stock == {
        ("A", "S1"): 5,
        ("A", "S2"): 9,
        ("B", "S1"): 7,
        ("B", "S2"): 1,
        ("WH", "S3"): 40,
    }
    assert movements(network.engine)[len(SNAPSHOT) :] == [("A", "S2", 6), ("B", "S2", 1)]
    assert summary.movements == 2
    assert_consistent(network.engine)


def test_bad_lines_are_reported_by_number_and_the_good_ones_applied(
    network: Network, tmp_path: Path
) -> None:
    run(network, stock_file(tmp_path / "monday.csv", SNAPSHOT))
    path = stock_file(
        tmp_path / "tuesday.csv",
        [
            ("A", "S1", 6),
            ("A", "NOPE", 1),
            ("XX", "S1", 1),
            ("A", "S2", "lots"),
            ("B", "S1", -2),
            ("A", "S1", 7),
            ("WH", "S3", 41),
        ],
    )
    summary = run(network, path)
    assert [(bad.line, bad.reason) for bad in summary.bad_lines] == [
        (3, "unknown SKU 'NOPE'"),
        (4, "unknown location 'XX'"),
        (5, "on_hand is 'lots', not a whole number"),
        (6, "on_hand is -2: it lies between 0 and 1000000"),
        (7, "SKU S1 at A is listed twice"),
    ]
    assert summary.bad == 5
    stock = on_hand(network.engine)
    assert (stock[("A", "S1")], stock[("WH", "S3")]) == (6, 41)
    # A position on a bad line is left as it is, not zeroed as absent.
    assert (stock[("A", "S2")], stock[("B", "S1")]) == (3, 7)
    assert_consistent(network.engine)


def test_reserved_units_are_never_touched(
    network: Network, api: TestClient, tmp_path: Path
) -> None:
    ledger = Ledger(api, network, network.clock)
    ledger.receive("S1", "A", 10)
    ledger.reserve("S1", "A", 4)
    run(network, stock_file(tmp_path / "stock.csv", [("A", "S1", 3)]))
    [(units, reserved)] = query(
        network.engine, "SELECT on_hand, reserved FROM positions WHERE location = 'A'"
    )
    assert (units, reserved) == (3, 4)
    assert_consistent(network.engine)


def test_units_set_aside_are_never_touched_and_the_feed_still_shows_them(
    network: Network, api: TestClient, tmp_path: Path
) -> None:
    ledger = Ledger(api, network, network.clock)
    ledger.receive("S1", "A", 10)
    damaged = [{"sku": "S1", "qty": 3, "to_disposition": "damaged"}]
    set_aside = {"op_id": new_op_id(), "location": "A", "lines": damaged}
    assert ledger.send("POST", "/v1/dispositions", set_aside).status_code == 201
    since = feed_head(network.engine)
    run(network, stock_file(tmp_path / "stock.csv", [("A", "S1", 8)]))
    [(units, unavailable)] = query(
        network.engine, "SELECT on_hand, unavailable FROM positions WHERE location = 'A'"
    )
    assert (units, unavailable) == (8, 3)
    reply = api.get("/v1/changes", params={"since": since}, headers=network.headers("A"))
    assert reply.status_code == 200, reply.text
    page = ChangePage.model_validate(reply.json())
    [position] = [c.position for c in page.changes if c.kind == "position"]
    assert (position.on_hand, position.unavailable, position.available) == (8, 3, 5)
    assert position.dispositions == {"damaged": 3}
    [total] = [c.total for c in page.changes if c.kind == "network"]
    assert (total.on_hand, total.available) == (8, 5)
    assert_consistent(network.engine)


def test_a_reconciliation_is_neither_a_sale_nor_a_receipt_in_the_days(
    network: Network, tmp_path: Path
) -> None:
    run(network, stock_file(tmp_path / "monday.csv", SNAPSHOT))
    run(network, stock_file(tmp_path / "tuesday.csv", [("A", "S1", 1)]))
    rows = query(
        network.engine,
        "SELECT sold_units, returned_units, received_units, closing_on_hand, min_on_hand "
        "FROM position_days WHERE location = 'A' AND sku = 'S1'",
    )
    assert rows == [(0, 0, 0, 1, 1)]


def test_the_import_leaves_one_audit_row_naming_its_file_and_counts(
    network: Network, tmp_path: Path
) -> None:
    run(network, stock_file(tmp_path / "stock.csv", SNAPSHOT))
    [(operation, op_id, detail)] = query(
        network.engine,
        "SELECT operation, op_id, detail FROM audit_log WHERE operation LIKE 'import.%'",
    )
    assert operation == "import.stock"
    assert json.loads(detail)["movements"] == len(SNAPSHOT)
    [(movement_ops,)] = query(network.engine, "SELECT COUNT(DISTINCT op_id) FROM movements")
    [(carried,)] = query(network.engine, "SELECT MIN(op_id) FROM movements")
    assert (movement_ops, carried) == (1, op_id)


def test_an_interrupted_import_run_again_gives_the_same_ledger(
    network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(network, stock_file(tmp_path / "monday.csv", [("A", "S3", 8), *SNAPSHOT]))
    tuesday = [("A", "S1", 1), ("A", "S2", 2), ("B", "S1", 3), ("B", "S2", 4), ("WH", "S3", 5)]
    path = stock_file(tmp_path / "tuesday.csv", tuesday)
    monkeypatch.setattr(stock_module.StockKind, "chunk_lines", 2)
    real_post = stock_module.post_reconciliations
    calls: list[int] = []

    def crash_on_second_chunk(*args: Any) -> int:
        calls.append(1)
        posted = real_post(*args)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return posted

    monkeypatch.setattr(stock_module, "post_reconciliations", crash_on_second_chunk)
    with pytest.raises(RuntimeError, match="power cut"):
        run(network, path)
    assert on_hand(network.engine)[("B", "S1")] == 7  # the second chunk was not committed
    monkeypatch.setattr(stock_module, "post_reconciliations", real_post)
    summary = run(network, path)
    expected = {(loc, sku): qty for loc, sku, qty in tuesday} | {("A", "S3"): 0}
    assert on_hand(network.engine) == expected
    assert summary.resumed_after == 2
    assert (summary.applied, summary.movements) == (5, 6)
    assert len(movements(network.engine, RECONCILIATION)) == len(SNAPSHOT) + 1 + 6
    assert_consistent(network.engine)


def test_a_store_sees_its_reconciled_positions_and_the_network_totals_on_its_feed(
    network: Network, api: TestClient, tmp_path: Path
) -> None:
    run(network, stock_file(tmp_path / "monday.csv", SNAPSHOT))
    since = feed_head(network.engine)
    run(network, stock_file(tmp_path / "tuesday.csv", [("A", "S1", 2), ("B", "S1", 7)]))
    reply = api.get(
        "/v1/changes", params={"since": since}, headers=network.headers("A", Role.ASSOCIATE)
    )
    assert reply.status_code == 200, reply.text
    page = ChangePage.model_validate(reply.json())
    positions = {c.position.sku: c.position for c in page.changes if c.kind == "position"}
    totals = {c.total.sku: c.total for c in page.changes if c.kind == "network"}
    assert {sku: p.on_hand for sku, p in positions.items()} == {"S1": 2, "S2": 0}
    assert positions["S1"].available == 2
    assert (totals["S1"].on_hand, totals["S2"].on_hand) == (9, 0)
    assert [c.seq for c in page.changes] == sorted(c.seq for c in page.changes)
    assert page.head == feed_head(network.engine)


def test_a_count_taken_before_an_import_and_synced_after_it_is_refused_as_stale(
    network: Network, api: TestClient, tmp_path: Path
) -> None:
    ledger = Ledger(api, network, network.clock)
    ledger.receive("S1", "A", 10)
    counted_at = ledger.head()
    run(network, stock_file(tmp_path / "stock.csv", [("A", "S1", 6)]))
    reply = ledger.send(
        "POST",
        "/v1/counts",
        {"op_id": new_op_id(), "sku": "S1", "location": "A", "counted": 8, "as_of_seq": counted_at},
        network.headers("A", Role.ASSOCIATE),
    )
    assert reply.status_code == 409, reply.text
    assert reply.json()["type"].endswith("stale-count")
    assert on_hand(network.engine)[("A", "S1")] == 6
    assert_consistent(network.engine)
