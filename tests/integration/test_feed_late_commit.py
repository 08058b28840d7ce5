"""The change feed never skips a transaction that takes its feed position early and commits late.

The trap: writer T1 takes feed position N+1, writer T2 takes N+2 and commits first; a reader sees
N+2, moves its cursor past N+1, and never sees T1's change when it lands. The ledger avoids it by
holding the feed counter row (FOR UPDATE) from a transaction's first position until its commit,
so positions are handed out in commit order. These tests hold T1 open on purpose and watch T2
and a reader. PostgreSQL only: on SQLite, BEGIN IMMEDIATE serialises whole write transactions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, ReservationCreate, uuid7, with_check_digit
from ordersync.db.engine import create_ledger_engine
from ordersync.db.ledger_tx import CHANGES, COUNTER, MOVEMENTS, POSITIONS, LedgerTx
from ordersync.db.writer import execute_batch, run_in_transaction
from ordersync.services.catalog import upsert_items
from ordersync.services.feed import read_page
from ordersync.services.idempotency import Outcome
from ordersync.services.movements import apply_movements
from ordersync.services.operations import OperationContext, operation_work
from tests.support.ledger_harness import SYSTEM, item, seed_network

pytestmark = pytest.mark.postgres

WAIT = 10.0  # upper bound on any single wait; the tests normally take far less
BLOCKED_FOR = 1.0  # how long T2 must stay blocked behind T1 to count as waiting


def receipt(sku: str, location: str = "A", qty: int = 1) -> MovementBatch:
    return MovementBatch.model_validate(
        {
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        }
    )


def refused_hold(sku: str = "S1", location: str = "A") -> ReservationCreate:
    """A hold of far more than anyone has: the ledger refuses it (409) and stores the refusal."""
    return ReservationCreate.model_validate(
        {"op_id": str(uuid7()), "lines": [{"sku": sku, "location": location, "qty": 999_999}]}
    )


@dataclass
class FeedReader:
    """A store's feed consumer: follows ``next_since`` and remembers everything it received."""

    engine: Engine
    location: str
    cursor: int = 0
    last_seq: int = 0
    last_head: int = 0
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[int] = field(default_factory=list)

    def poll(self, limit: int = 100) -> bool:
        """Read one page; True when there is more to read right away."""
        with self.engine.connect() as connection, connection.begin():
            page = read_page(connection, self.location, self.cursor, limit)
        assert not page.reset, f"feed reset: cursor {self.cursor} is past head {page.head}"
        assert page.head >= self.last_head, f"feed head went back from {self.last_head}"
        self.last_head = page.head
        for row in page.rows:
            change = json.loads(row)
            seq = change["seq"]
            assert seq > self.last_seq, f"seq {seq} after {self.last_seq}: not increasing"
            assert seq > self.cursor, f"seq {seq} at or before the cursor {self.cursor}"
            self.last_seq = seq
            self.received.append(seq)
            if change["kind"] == "position":
                position = change["position"]
                self.positions[f"{position['location']}|{position['sku']}"] = position
        assert page.next_since >= self.cursor
        self.cursor = page.next_since
        return page.has_more

    def drain(self) -> None:
        for _ in range(10_000):
            if not self.poll():
                return
        raise AssertionError("the feed never ran dry")


def database_positions(engine: Engine, location: str) -> dict[str, tuple[int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(POSITIONS.c.sku, POSITIONS.c.on_hand, POSITIONS.c.reserved).where(
                POSITIONS.c.location == location
            )
        )
        return {f"{location}|{sku}": (on_hand, reserved) for sku, on_hand, reserved in rows}


def lock_waiters(engine: Engine) -> int:
    """Backends of this database waiting for a lock held by another transaction."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def wait_for_lock_waiter(engine: Engine, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock_waiters(engine):
            return True
        time.sleep(0.02)
    return False


def assert_feed_counter_covers_everything(engine: Engine) -> None:
    """The counter is the feed's head: no stored change or movement may sit above it, and no two
    may share a position (the unique constraints say so too; this says what went wrong)."""
    with engine.connect() as connection:
        head = connection.execute(select(COUNTER.c.last_seq)).scalar_one()
        top_change = connection.execute(select(CHANGES.c.seq).order_by(-CHANGES.c.seq)).first()
        top_movement = connection.execute(
            select(MOVEMENTS.c.seq).order_by(-MOVEMENTS.c.seq)
        ).first()
    for top in (top_change, top_movement):
        if top is not None:
            assert top[0] <= head, f"feed row at {top[0]} above the head {head}"


@pytest.fixture
def engines(postgres_url: str, clock: ManualClock) -> Iterator[tuple[Engine, Engine, Engine]]:
    """Two writer engines (as two server processes would have) and a reader engine."""
    seeded = seed_network(postgres_url, clock)
    seeded.engine.dispose()
    first = create_ledger_engine(postgres_url, writer=True)
    second = create_ledger_engine(postgres_url, writer=True)
    reader = create_ledger_engine(postgres_url, writer=False)
    yield first, second, reader
    for engine in (first, second, reader):
        engine.dispose()


def test_reader_waits_for_the_transaction_that_took_its_position_first(
    engines: tuple[Engine, Engine, Engine], clock: ManualClock
) -> None:
    first, second, read_engine = engines
    reader = FeedReader(read_engine, "A")
    reader.drain()
    start = reader.cursor

    t2_started, t2_applied, t2_may_commit = threading.Event(), threading.Event(), threading.Event()

    def t2() -> None:
        with second.connect() as connection, connection.begin():
            tx = LedgerTx(connection, clock.now())
            t2_started.set()
            apply_movements(tx, SYSTEM, receipt("S2"))
            tx.finish()
            t2_applied.set()
            assert t2_may_commit.wait(WAIT)

    with ThreadPoolExecutor(1) as pool, first.connect() as connection:
        transaction = connection.begin()
        tx1 = LedgerTx(connection, clock.now())
        apply_movements(tx1, SYSTEM, receipt("S1", qty=3))
        t1_first_seq = connection.execute(
            select(MOVEMENTS.c.seq).where(MOVEMENTS.c.sku == "S1")
        ).scalar_one()
        assert t1_first_seq == start + 1

        t2_done = pool.submit(t2)
        assert t2_started.wait(WAIT)
        assert wait_for_lock_waiter(read_engine), "T2 is not waiting for T1's counter lock"
        assert not t2_applied.wait(BLOCKED_FOR), "T2 took feed positions while T1 held earlier"

        # T1 has not committed: the reader sees nothing new and stays before T1's positions.
        reader.drain()
        assert reader.cursor == start < t1_first_seq
        assert "A|S1" not in reader.positions

        tx1.finish()
        transaction.commit()
        assert t2_applied.wait(WAIT), "T2 never got past T1's commit"

        # T1 is visible, T2 still uncommitted: the cursor may not jump over T2's positions.
        reader.drain()
        assert reader.positions["A|S1"]["on_hand"] == 3
        assert "A|S2" not in reader.positions
        t1_head = reader.cursor

        t2_may_commit.set()
        t2_done.result(timeout=WAIT)

    reader.drain()
    assert reader.positions["A|S2"]["on_hand"] == 1
    assert reader.positions["A|S2"]["seq"] > t1_head
    assert {key: (p["on_hand"], p["reserved"]) for key, p in reader.positions.items()} == (
        database_positions(read_engine, "A")
    )
    assert_feed_counter_covers_everything(read_engine)


def _hold_open(ready: threading.Event, release: threading.Event) -> Callable[[LedgerTx], str]:
    def work(tx: LedgerTx) -> str:
        ready.set()
        if not release.wait(WAIT):
            raise TimeoutError("the test never released T1")
        return "held"

    return work


@pytest.mark.parametrize(
    "t1_plan",
    [
        pytest.param(["applied"], id="applied"),
        pytest.param(["refused", "applied"], id="refused-then-applied"),
        pytest.param(["refused"], id="refused-only"),
    ],
)
def test_group_commit_keeps_feed_order_when_a_batch_holds_refusals(
    engines: tuple[Engine, Engine, Engine], clock: ManualClock, t1_plan: list[str]
) -> None:
    """The writer's real path: T1 is a batch (each operation in its own savepoint) held open by
    its last work; T2 is another process's batch. A refusal rolls its savepoint back, and on
    PostgreSQL that also gives back any lock taken inside it, such as the feed counter row."""
    first, second, read_engine = engines
    reader = FeedReader(read_engine, "A")
    reader.drain()
    start = reader.cursor

    works: list[Callable[[LedgerTx], Any]] = []
    for step in t1_plan:
        if step == "refused":
            works.append(
                operation_work(
                    "reserve", SYSTEM, refused_hold("S1"), OperationContext(default_ttl=600)
                )
            )
        else:
            works.append(operation_work("movements", SYSTEM, receipt("S3", qty=2)))
    t1_ready, t1_release = threading.Event(), threading.Event()
    works.append(_hold_open(t1_ready, t1_release))
    t1_applies = "applied" in t1_plan

    with ThreadPoolExecutor(2) as pool:
        t1: Future[list[tuple[Any, BaseException | None]]] = pool.submit(
            execute_batch, first, clock, works
        )
        try:
            assert t1_ready.wait(WAIT)
            t2 = pool.submit(
                execute_batch, second, clock, [operation_work("movements", SYSTEM, receipt("S2"))]
            )
            # Let T2 run as far as it can while T1 is open: to its commit, or to a lock wait.
            t2_state = _blocked_or_done(t2, read_engine)
            if t1_applies:
                waited = t2_state == "blocked" and not _done_within(t2, BLOCKED_FOR)
                assert waited, (
                    "T2 committed feed positions while T1 still held earlier, uncommitted ones: "
                    "T1 no longer holds the feed counter lock"
                )
            reader.drain()
            if t1_applies:
                assert "A|S3" not in reader.positions
                assert reader.cursor == start
        finally:
            t1_release.set()
        t1_outcomes = t1.result(timeout=WAIT)
        t2_outcomes = t2.result(timeout=WAIT)

    for step, (outcome, error) in zip(t1_plan, t1_outcomes, strict=False):
        assert error is None, f"T1's {step} operation failed: {error!r}"
        assert isinstance(outcome, Outcome)
        assert outcome.status == (409 if step == "refused" else 201), outcome.body
    [(t2_outcome, t2_error)] = t2_outcomes
    assert t2_error is None, f"T2 failed: {t2_error!r}"
    assert t2_outcome.status == 201

    reader.drain()
    assert reader.positions["A|S2"]["on_hand"] == 1
    if t1_applies:
        assert reader.positions["A|S3"]["on_hand"] == 2
        # T1 took its positions first, so they come before T2's.
        assert reader.positions["A|S3"]["seq"] < reader.positions["A|S2"]["seq"]
    assert {key: (p["on_hand"], p["reserved"]) for key, p in reader.positions.items()} == (
        database_positions(read_engine, "A")
    )
    assert_feed_counter_covers_everything(read_engine)

    # The ledger keeps working afterwards: the next writer takes positions above everything.
    after = run_in_transaction(first, clock, operation_work("movements", SYSTEM, receipt("S1")))
    assert after.status == 201, after.body
    reader.drain()
    assert reader.positions["A|S1"]["on_hand"] == 1


def _blocked_or_done(future: Future[Any], engine: Engine) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if future.done():
            return "done"
        if lock_waiters(engine):
            return "blocked"
        time.sleep(0.02)
    raise AssertionError("T2 neither finished nor waited for a lock")


def _done_within(future: Future[Any], seconds: float) -> bool:
    try:
        future.exception(timeout=seconds)
    except TimeoutError:
        return False
    return True


STRESS_SECONDS = 3.0
STRESS_WRITERS = 4
STRESS_SKUS = 1500


@pytest.mark.parametrize("with_refusals", [False, True], ids=["writes", "writes-and-refusals"])
def test_reader_polling_under_concurrent_writers_misses_nothing(
    engines: tuple[Engine, Engine, Engine], clock: ManualClock, with_refusals: bool
) -> None:
    """Writers on their own connections each post a receipt at a NEW position per transaction
    (so the compacted feed cannot hide a skipped row behind a later one) while a reader follows
    the feed. The reader ends with exactly the database's positions, in increasing seq order."""
    first, _, read_engine = engines
    skus = [f"X{n:05d}" for n in range(STRESS_SKUS)]
    items = [item(sku, gtins=[with_check_digit(f"299{n:09d}")]) for n, sku in enumerate(skus)]
    run_in_transaction(first, clock, lambda tx: upsert_items(tx, SYSTEM, items))

    reader = FeedReader(read_engine, "A")
    reader.drain()
    unused = iter(skus)
    take = threading.Lock()
    stop = threading.Event()
    written: list[str] = []
    failures: list[str] = []

    def writer(index: int) -> int:
        engine = create_ledger_engine(first.url.render_as_string(False), writer=True)
        transactions = 0
        try:
            while not stop.is_set():
                with take:
                    batch = list(islice(unused, 1 + transactions % 3))
                if not batch:
                    return transactions
                works: list[Callable[[LedgerTx], Any]] = []
                if with_refusals and transactions % 2 == 0:
                    works.append(
                        operation_work(
                            "reserve", SYSTEM, refused_hold("S1"), OperationContext(default_ttl=600)
                        )
                    )
                works += [operation_work("movements", SYSTEM, receipt(sku)) for sku in batch]
                try:
                    outcomes = execute_batch(engine, clock, works)
                except Exception as error:
                    failures.append(f"writer {index}: batch failed: {error!r}"[:500])
                    continue
                for _, error in outcomes:
                    if error is not None:
                        failures.append(f"writer {index}: operation failed: {error!r}"[:500])
                with take:
                    written.extend(batch)
                transactions += 1
            return transactions
        finally:
            engine.dispose()

    began = time.monotonic()
    with ThreadPoolExecutor(STRESS_WRITERS) as pool:
        futures = [pool.submit(writer, n) for n in range(STRESS_WRITERS)]
        polls = 0
        while time.monotonic() - began < STRESS_SECONDS and not failures:
            reader.poll(limit=25)
            polls += 1
        stop.set()
        transactions = sum(f.result(timeout=WAIT) for f in futures)
    reader.drain()

    assert not failures, "\n".join(failures[:10])
    assert transactions >= 20, f"only {transactions} write transactions: the test proved little"
    assert polls >= 20
    expected = database_positions(read_engine, "A")
    assert set(expected) == {f"A|{sku}" for sku in written}
    missed = set(expected) - set(reader.positions)
    assert not missed, f"the reader skipped {len(missed)} positions, e.g. {sorted(missed)[:5]}"
    assert {key: (p["on_hand"], p["reserved"]) for key, p in reader.positions.items()} == expected
    assert reader.received == sorted(set(reader.received))
    assert_feed_counter_covers_everything(read_engine)
