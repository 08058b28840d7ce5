"""The group-commit writer on a real database: many operations per transaction, each isolated.

The writer thread is held busy by a first work that waits for the test, so everything submitted
meanwhile is queued and lands in the next batch: the grouping is deterministic, not a race.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, ReservationCreate, uuid7
from ordersync.db.engine import create_ledger_engine
from ordersync.db.ledger_tx import CHANGES, COUNTER, IDEMPOTENCY, MOVEMENTS, POSITIONS, LedgerTx
from ordersync.db.writer import GroupCommitWriter
from ordersync.domain.errors import InvalidRequest, LedgerError
from ordersync.services.check import check_ledger
from ordersync.services.idempotency import Outcome
from ordersync.services.movements import apply_movements
from ordersync.services.operations import OperationContext, operation_work
from tests.support.ledger_harness import SYSTEM, Network

WAIT = 30.0


def receipt(sku: str, location: str = "A", qty: int = 1) -> MovementBatch:
    return MovementBatch.model_validate(
        {
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        }
    )


def hold(sku: str, qty: int, location: str = "A") -> ReservationCreate:
    return ReservationCreate.model_validate(
        {"op_id": str(uuid7()), "lines": [{"sku": sku, "location": location, "qty": qty}]}
    )


class Gate:
    """A work that keeps the writer thread busy until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def work(self, tx: LedgerTx) -> str:
        self.entered.set()
        if not self.opened.wait(WAIT):
            raise TimeoutError("the test never opened the gate")
        return "gate"


@pytest.fixture
def engine(network: Network) -> Iterator[Engine]:
    engine = create_ledger_engine(network.url, writer=True)
    yield engine
    engine.dispose()


@pytest.fixture
def writer(engine: Engine, clock: ManualClock) -> Iterator[GroupCommitWriter]:
    writer = GroupCommitWriter(engine, clock)
    writer.start()
    yield writer
    writer.stop()


def submit_behind_gate(
    writer: GroupCommitWriter, works: list[Callable[[LedgerTx], Any]]
) -> list[Future[Any]]:
    """Queue ``works`` while the writer is busy, so they all go into one batch; wait for them."""
    gate = Gate()
    gated = writer.submit(gate.work)
    assert gate.entered.wait(WAIT)
    futures = [writer.submit(work) for work in works]
    gate.opened.set()
    assert gated.result(timeout=WAIT) == "gate"
    for future in futures:
        future.exception(timeout=WAIT)  # wait for every outcome, whatever it is
    return futures


def position(engine: Engine, sku: str, location: str = "A") -> tuple[int, int] | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(POSITIONS.c.on_hand, POSITIONS.c.reserved).where(
                POSITIONS.c.sku == sku, POSITIONS.c.location == location
            )
        ).first()
    return None if row is None else (row.on_hand, row.reserved)


def feed_keys(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {
            f"{kind}:{key}"
            for kind, key in connection.execute(select(CHANGES.c.kind, CHANGES.c.key))
        }


def assert_consistent(engine: Engine) -> None:
    with engine.connect() as connection, connection.begin():
        report = check_ledger(connection)
        head = connection.execute(select(COUNTER.c.last_seq)).scalar_one()
        top = connection.execute(select(CHANGES.c.seq).order_by(CHANGES.c.seq.desc())).first()
    assert report.ok, [d.describe() for d in report.discrepancies]
    assert top is None or top[0] <= head


def test_concurrent_submissions_share_one_transaction(
    writer: GroupCommitWriter, engine: Engine
) -> None:
    works = [operation_work("movements", SYSTEM, receipt("S1")) for _ in range(50)]
    futures = submit_behind_gate(writer, works)

    outcomes = [future.result() for future in futures]
    assert [o.status for o in outcomes] == [201] * 50
    assert [o.body["positions"][0]["on_hand"] for o in outcomes] == list(range(1, 51))
    # the gate's batch, then one batch for all fifty
    assert (writer.batches, writer.operations) == (2, 51)
    assert writer.batches < writer.operations
    assert position(engine, "S1") == (50, 0)
    with engine.connect() as connection:
        seqs = list(
            connection.execute(
                select(MOVEMENTS.c.seq).where(MOVEMENTS.c.sku == "S1").order_by(MOVEMENTS.c.id)
            ).scalars()
        )
    assert len(seqs) == 50
    assert seqs == sorted(set(seqs))
    assert_consistent(engine)


def test_many_threads_submitting_at_once_are_grouped(
    writer: GroupCommitWriter, engine: Engine
) -> None:
    """Without a gate: 8 threads submit 25 receipts each as fast as they can."""
    start = threading.Barrier(8)
    futures: list[Future[Any]] = []
    lock = threading.Lock()

    def client() -> None:
        start.wait(WAIT)
        mine = [
            writer.submit(operation_work("movements", SYSTEM, receipt("S2"))) for _ in range(25)
        ]
        with lock:
            futures.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert [f.result(timeout=WAIT).status for f in futures] == [201] * 200
    assert writer.operations == 200
    assert writer.batches < writer.operations
    assert position(engine, "S2") == (200, 0)
    assert_consistent(engine)


def test_a_refused_operation_takes_back_only_its_own_statements(
    writer: GroupCommitWriter, engine: Engine
) -> None:
    def half_done_then_refused(tx: LedgerTx) -> object:
        # The first line is posted, then the second is refused: neither may remain.
        batch = MovementBatch.model_validate(
            {
                "op_id": str(uuid7()),
                "lines": [
                    {"kind": "receipt", "sku": "S3", "location": "A", "qty": 4},
                    {
                        "kind": "adjustment",
                        "sku": "S2",
                        "location": "A",
                        "delta": -10,
                        "reason": "shrink",
                    },
                ],
            }
        )
        return apply_movements(tx, SYSTEM, batch)

    works: list[Callable[[LedgerTx], Any]] = [
        operation_work("movements", SYSTEM, receipt("S1", qty=2)),
        operation_work(
            "reserve", SYSTEM, hold("S1", 5), OperationContext(default_ttl=600)
        ),  # refused: stored as a 409 outcome
        half_done_then_refused,  # refused: raises, after posting a line
        operation_work("reserve", SYSTEM, hold("S1", 2), OperationContext(default_ttl=600)),
        operation_work("movements", SYSTEM, receipt("S2", location="B", qty=7)),
    ]
    futures = submit_behind_gate(writer, works)
    assert writer.batches == 2

    received = futures[0].result()
    assert received.status == 201
    refused_hold: Outcome = futures[1].result()
    assert refused_hold.status == 409
    assert refused_hold.body["type"] == "urn:ordersync:problem:insufficient-stock"
    assert (refused_hold.body["requested"], refused_hold.body["available"]) == (5, 2)
    error = futures[2].exception()
    assert isinstance(error, InvalidRequest), repr(error)
    assert futures[3].result().status == 201
    assert futures[4].result().status == 201

    assert position(engine, "S1") == (2, 2)
    assert position(engine, "S2", "B") == (7, 0)
    # nothing of the refused batch: no position, no movement, no feed row for S3
    assert position(engine, "S3") is None
    with engine.connect() as connection:
        s3_moves = connection.execute(select(MOVEMENTS.c.id).where(MOVEMENTS.c.sku == "S3")).all()
        stored = connection.execute(select(IDEMPOTENCY.c.op_id, IDEMPOTENCY.c.status_code)).all()
    assert s3_moves == []
    assert "position:A|S3" not in feed_keys(engine)
    assert "network:S3" not in feed_keys(engine)
    assert "position:A|S1" in feed_keys(engine)
    # the refused hold's answer is kept for its retries; the raw refusal stored nothing
    assert sorted(status for _, status in stored) == [201, 201, 201, 409]
    assert_consistent(engine)


def test_an_unexpected_exception_fails_only_its_own_future(
    writer: GroupCommitWriter, engine: Engine
) -> None:
    def boom(tx: LedgerTx) -> None:
        apply_movements(tx, SYSTEM, receipt("S3", qty=9))
        raise RuntimeError("boom")

    def bad_sql(tx: LedgerTx) -> None:
        # On PostgreSQL a failed statement poisons the transaction unless its savepoint is
        # rolled back: the operations after it must still commit.
        tx.connection.execute(text("SELECT * FROM no_such_table"))

    def returns_value(tx: LedgerTx) -> int:
        return 42

    works: list[Callable[[LedgerTx], Any]] = [
        operation_work("movements", SYSTEM, receipt("S1", qty=3)),
        boom,
        operation_work("movements", SYSTEM, receipt("S2", qty=4)),
        bad_sql,
        returns_value,
        operation_work("movements", SYSTEM, receipt("S1", location="B", qty=5)),
    ]
    futures = submit_behind_gate(writer, works)
    assert writer.batches == 2

    assert futures[0].result().status == 201
    boom_error = futures[1].exception()
    assert isinstance(boom_error, RuntimeError)
    assert str(boom_error) == "boom"
    assert futures[2].result().status == 201
    sql_error = futures[3].exception()
    assert sql_error is not None
    assert not isinstance(sql_error, LedgerError)
    assert futures[4].result() == 42
    assert futures[5].result().status == 201

    assert position(engine, "S1") == (3, 0)
    assert position(engine, "S2") == (4, 0)
    assert position(engine, "S1", "B") == (5, 0)
    assert position(engine, "S3") is None
    assert "position:A|S3" not in feed_keys(engine)
    assert_consistent(engine)

    # the writer thread survived and goes on
    assert writer.submit(returns_value).result(timeout=WAIT) == 42


def test_the_same_operation_twice_in_one_batch_is_applied_once(
    writer: GroupCommitWriter, engine: Engine
) -> None:
    command = receipt("S1", qty=6)
    futures = submit_behind_gate(
        writer,
        [
            operation_work("movements", SYSTEM, command),
            operation_work("movements", SYSTEM, command),
        ],
    )
    first, second = (future.result() for future in futures)
    assert (first.status, first.replayed) == (201, False)
    assert (second.status, second.replayed) == (201, True)
    assert second.body == first.body
    assert position(engine, "S1") == (6, 0)
    assert_consistent(engine)


def test_work_whose_caller_gave_up_is_dropped_and_the_writer_goes_on(
    writer: GroupCommitWriter,
) -> None:
    """A request cancelled while its work waits in the queue (a client gone, the ledger shutting
    down) is not carried out, and the writer thread keeps answering the others."""
    ran: list[str] = []

    def work(name: str) -> Callable[[LedgerTx], str]:
        def record(tx: LedgerTx) -> str:
            ran.append(name)
            return name

        return record

    gate = Gate()
    gated = writer.submit(gate.work)
    assert gate.entered.wait(WAIT)
    abandoned = writer.submit(work("abandoned"))
    kept = writer.submit(work("kept"))
    assert abandoned.cancel()
    gate.opened.set()
    assert gated.result(WAIT) == "gate"
    assert kept.result(WAIT) == "kept"
    assert writer.submit(work("after")).result(WAIT) == "after"
    assert ran == ["kept", "after"]
