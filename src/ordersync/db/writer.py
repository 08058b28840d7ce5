"""The group-commit writer: one thread per process that applies queued operations in batches.

Every operation waiting when the thread is free goes into one transaction, each inside its own
savepoint, so a refused operation takes back only its own statements. One commit (one fsync)
then acknowledges the whole batch. On SQLite the transaction starts with BEGIN IMMEDIATE, which
also serialises the writers of several server processes; on PostgreSQL guarded updates and the
feed counter's row lock do, and a deadlock or serialization failure replays the batch.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from ordersync.clock import Clock
from ordersync.db.ledger_tx import LedgerTx

T = TypeVar("T")
Work = Callable[[LedgerTx], Any]
log = logging.getLogger(__name__)

_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
_MAX_ATTEMPTS = 12


def _driver_error(error: BaseException) -> BaseException:
    # Statements run through SQLAlchemy wrap the driver's exception; raw cursor ones do not.
    return error.orig if isinstance(error, DBAPIError) and error.orig is not None else error


def is_retryable(error: BaseException) -> bool:
    """Deadlocks, serialization failures and a busy SQLite file are worth replaying."""
    cause = _driver_error(error)
    if type(cause).__name__ == "OperationalError":
        text = str(cause).lower()
        if "database is locked" in text or "database is busy" in text:
            return True
    return getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES


def is_duplicate_key(error: BaseException) -> bool:
    cause = _driver_error(error)
    return isinstance(error, IntegrityError) or any(
        klass.__name__ == "IntegrityError" for klass in type(cause).__mro__
    )


@dataclass
class _Job:
    work: Work
    future: Future[Any] = field(default_factory=Future)


def _apply_one(tx: LedgerTx, work: Work) -> tuple[Any, BaseException | None]:
    for attempt in range(2):
        savepoint = tx.savepoint()
        mark = tx.mark()
        try:
            result = work(tx)
        except Exception as error:
            if is_retryable(error):
                raise
            tx.rollback_to(savepoint)
            tx.restore(mark)
            if is_duplicate_key(error) and attempt == 0:
                # Another process committed the same operation id a moment ago: run it again,
                # it will now find the stored outcome.
                continue
            return None, error
        tx.release(savepoint)
        return result, None
    raise AssertionError("unreachable")


def execute_batch(
    engine: Engine, clock: Clock, works: list[Work]
) -> list[tuple[Any, BaseException | None]]:
    """Apply ``works`` in one transaction; each gets its result or its own exception."""
    for attempt in range(_MAX_ATTEMPTS):
        try:
            with engine.connect() as connection, connection.begin():
                tx = LedgerTx(connection, clock.now())
                outcomes = [_apply_one(tx, work) for work in works]
                tx.finish()
            return outcomes
        except Exception as error:
            if not is_retryable(error) or attempt == _MAX_ATTEMPTS - 1:
                raise
            time.sleep(min(0.2, 0.002 * 2**attempt) * random.random())
    raise AssertionError("unreachable")


def run_in_transaction(engine: Engine, clock: Clock, work: Callable[[LedgerTx], T]) -> T:
    """Apply one piece of work on its own (command line, tests); raises its refusal."""
    [(result, error)] = execute_batch(engine, clock, [work])
    if error is not None:
        raise error
    return result  # type: ignore[no-any-return]


class GroupCommitWriter:
    """Owns the writer thread of one server process."""

    def __init__(self, engine: Engine, clock: Clock, max_batch: int = 256) -> None:
        self._engine = engine
        self._clock = clock
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.operations = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="ledger-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, work: Callable[[LedgerTx], T]) -> Future[T]:
        if self._thread is None:
            raise RuntimeError("the writer is not running")
        job = _Job(work)
        self._queue.put(job)
        return job.future

    async def run(self, work: Callable[[LedgerTx], T]) -> T:
        return await asyncio.wrap_future(self.submit(work))

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            stopping = False
            while len(jobs) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    break
                jobs.append(nxt)
            self._run_jobs(jobs)
            if stopping:
                return

    def _run_jobs(self, jobs: list[_Job]) -> None:
        # A caller that gave up (its request cancelled, the ledger shutting down) cancels its
        # future: that work is dropped. Once running, a future can no longer be cancelled, so
        # answering it below cannot fail and stop this thread.
        jobs = [job for job in jobs if job.future.set_running_or_notify_cancel()]
        if not jobs:
            return
        try:
            outcomes = execute_batch(self._engine, self._clock, [job.work for job in jobs])
        except Exception as error:
            log.exception("ledger batch of %d operations failed", len(jobs))
            for job in jobs:
                job.future.set_exception(error)
            return
        self.batches += 1
        self.operations += len(jobs)
        for job, (result, refusal) in zip(jobs, outcomes, strict=True):
            if refusal is None:
                job.future.set_result(result)
            else:
                job.future.set_exception(refusal)
