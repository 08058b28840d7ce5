"""Loading the demo network into a real SQLite ledger through the services, then once more."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from ordersync.clock import ManualClock
from ordersync.contract import LocationKind, is_valid_gtin
from ordersync.db.engine import create_ledger_engine
from ordersync.db.ledger_tx import (
    BARCODES,
    IDEMPOTENCY,
    ITEMS,
    LOCATIONS,
    MOVEMENTS,
    POSITIONS,
    table_of,
)
from ordersync.db.migrate import upgrade
from ordersync.db.tables import LedgerMeta
from ordersync.db.writer import execute_batch, run_in_transaction
from ordersync.demo.history import build_demo_network
from ordersync.demo.load import ANCHOR_KEY, DEMO_PRINCIPAL, DemoSummary, load_demo_network
from ordersync.demo.motion import plan_demo_motion
from ordersync.demo.network import WAREHOUSE
from ordersync.services.check import check_ledger
from ordersync.services.idempotency import Outcome
from ordersync.services.operations import operation_work, retention_work

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
META = table_of(LedgerMeta)


@dataclass
class Loaded:
    engine: Engine
    clock: ManualClock
    summary: DemoSummary


def fresh_engine(path: Path) -> Engine:
    url = f"sqlite:///{path / 'ledger.db'}"
    upgrade(url)
    return create_ledger_engine(url, writer=True)


def movement_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(MOVEMENTS)).scalar_one())


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    engine = fresh_engine(tmp_path_factory.mktemp("demo"))
    clock = ManualClock(START)
    summary = load_demo_network(engine, clock)
    yield Loaded(engine, clock, summary)
    engine.dispose()


def test_first_load_applies_every_batch(loaded: Loaded) -> None:
    network = build_demo_network(7, anchor=date(2026, 3, 2))
    summary = loaded.summary
    assert summary.anchor == date(2026, 3, 2)
    assert summary.batches_applied == len(network.batches)
    assert summary.batches_replayed == 0
    assert summary.batches_skipped == 0
    assert summary.locations == len(network.locations) >= 13
    assert summary.items == len(network.items)
    assert summary.references == len(network.references) >= 12
    assert summary.sale_lines == network.lines_of("sale") >= 20_000
    assert summary.receipt_lines == network.lines_of("receipt")
    assert summary.transfer_lines == network.lines_of("transfer")
    motion = plan_demo_motion(network)
    assert summary.motion_applied == len(motion.steps)
    # the command line prints the summary field by field
    assert vars(summary)["batches_applied"] == summary.batches_applied
    with loaded.engine.connect() as conn:
        anchor = conn.execute(select(META.c.value).where(META.c.key == ANCHOR_KEY)).scalar_one()
        stored = conn.execute(select(func.count()).select_from(IDEMPOTENCY)).scalar_one()
    assert anchor == "2026-03-02"
    assert stored == len(network.batches) + len(motion.steps)


def test_catalog_and_locations_are_in_the_ledger(loaded: Loaded) -> None:
    with loaded.engine.connect() as conn:
        locations = conn.execute(select(LOCATIONS)).all()
        items = conn.execute(select(ITEMS)).all()
        barcodes = conn.execute(select(BARCODES)).all()
    assert len(locations) >= 13
    kinds = {row.code: row.kind for row in locations}
    assert kinds[WAREHOUSE] == LocationKind.WAREHOUSE.value
    assert sum(kind == LocationKind.STORE.value for kind in kinds.values()) >= 12
    assert all(row.timezone == "Europe/Paris" for row in locations)

    grid = {(row.size_row, row.size_column) for row in items if row.reference == "BRA-ELO"}
    assert grid == {(str(b), c) for b in (70, 75, 80, 85, 90, 95, 100) for c in "ABCDEF"}
    by_sku = {row.sku: row for row in items}
    assert by_sku["BRA-ELO-NOIR-85B"].size == "85B"
    assert by_sku["BRA-ELO-NOIR-85B"].price_minor > 0

    assert len(barcodes) > len(items)
    assert all(is_valid_gtin(row.gtin) for row in barcodes)
    assert {row.sku for row in barcodes} == set(by_sku)


def test_positions_are_exactly_what_the_generator_tracked(loaded: Loaded) -> None:
    network = build_demo_network(7, anchor=loaded.summary.anchor)
    with loaded.engine.connect() as conn:
        rows = conn.execute(select(POSITIONS)).all()
        report = check_ledger(conn)
    assert rows
    on_hand = {(row.location, row.sku): row.on_hand for row in rows}
    expected = {(loc, sku): qty for loc, sku, qty in network.final_stock}
    for key, sent in plan_demo_motion(network).sent_units().items():
        expected[key] -= sent  # a transfer on its way to Paris Rivoli left its source's shelf
    assert on_hand == expected
    assert all(row.on_hand >= 0 for row in rows)
    assert not any(row.suspect for row in rows)
    store_zero = [row for row in rows if row.location != WAREHOUSE and row.on_hand == 0]
    store_positive = [row for row in rows if row.location != WAREHOUSE and row.on_hand > 0]
    assert store_zero
    assert len(store_positive) > len(store_zero)
    assert report.ok, [d.describe() for d in report.discrepancies[:5]]
    assert report.movements == movement_count(loaded.engine)


def test_movements_keep_the_store_time_and_the_demo_device(loaded: Loaded) -> None:
    with loaded.engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(MOVEMENTS.c.occurred_at), func.max(MOVEMENTS.c.occurred_at))
        ).one()
        devices = conn.execute(select(MOVEMENTS.c.device).distinct()).scalars().all()
    assert first.date() == date(2026, 3, 2) - timedelta(days=91)
    assert last < START
    assert devices == ["demo-data"]


def test_loading_again_later_adds_nothing_even_past_idempotency_retention(
    loaded: Loaded,
) -> None:
    before = movement_count(loaded.engine)
    loaded.clock.advance(timedelta(days=5, hours=3))

    again = load_demo_network(loaded.engine, loaded.clock)

    assert again.anchor == loaded.summary.anchor
    assert again.batches_applied == 0
    assert again.batches_skipped == 0
    assert again.batches_replayed == loaded.summary.batches_applied
    assert (again.motion_applied, again.motion_found) == (0, loaded.summary.motion_applied)
    assert movement_count(loaded.engine) == before

    # Months later the ledger has forgotten the outcomes; the movements are still there.
    loaded.clock.advance(timedelta(days=60))
    forgotten = run_in_transaction(loaded.engine, loaded.clock, retention_work(35))
    assert forgotten == loaded.summary.batches_applied + loaded.summary.motion_applied

    much_later = load_demo_network(loaded.engine, loaded.clock)

    assert much_later.anchor == loaded.summary.anchor
    assert much_later.batches_applied == 0
    assert much_later.batches_replayed == 0
    assert much_later.batches_skipped == loaded.summary.batches_applied
    assert (much_later.motion_applied, much_later.motion_found) == (0, again.motion_found)
    assert movement_count(loaded.engine) == before
    with loaded.engine.connect() as conn:
        assert check_ledger(conn).ok


def test_a_refused_batch_stops_the_load(tmp_path: Path) -> None:
    engine = fresh_engine(tmp_path)
    clock = ManualClock(START)
    try:
        # The very batch the demo will send, arriving before its locations exist: the ledger
        # refuses and stores the refusal, so the load meets it again as a replayed 422.
        network = build_demo_network(7, anchor=date(2026, 3, 2))
        first = next(b for b in network.batches if b.location == "PAR-01")
        [(outcome, error)] = execute_batch(
            engine, clock, [operation_work("movements", DEMO_PRINCIPAL, first.batch)]
        )
        assert error is None
        assert isinstance(outcome, Outcome)
        assert outcome.status == 422

        with pytest.raises(RuntimeError, match="refused") as raised:
            load_demo_network(engine, clock)
        assert "unknown-location" in str(raised.value)
    finally:
        engine.dispose()
