"""SyncEngine: push the outbox in order, then pull the change feed into the cache.

Replies are sorted per operation: accepted or already applied → done; a definite refusal (4xx)
→ "needs attention", and the queue goes on; anything else → the entry stays and is sent again
later (it carries its operation id, so the ledger applies it once however often it arrives).
The feed is pulled only after every sent entry got a definite answer: otherwise an operation the
ledger applied but whose reply was lost would be counted twice on screen (in the feed and in the
outbox) until it is sent again.

``checkpoint`` names the points of the sync path where a process may die (``CHECKPOINTS``); it
does nothing in production, and the simulation tests pass one that stops the store there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import ValidationError
from sqlalchemy import Engine

from ordersync.contract import PROBLEM_TYPE_PREFIX, OperationResult, Position
from storeapp.cache import outbox
from storeapp.cache.count_tasks import TASK_LIST, refresh_after_sync
from storeapp.cache.feed_apply import apply_page, reset_view
from storeapp.cache.offers import ENDING_REFUSALS
from storeapp.cache.state import (
    CURSOR,
    LAST_CONTACT,
    LAST_ERROR,
    LEDGER_ID,
    read_all_state,
    write_state,
)
from storeapp.clock import Now
from storeapp.sync.backoff import Backoff
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnauthorized, LedgerUnavailable
from storeapp.sync.heartbeat import send_heartbeat

Checkpoint = Callable[[str], None]
CHECKPOINTS = (
    "push.sending",
    "push.replied",
    "push.settled",
    "pull.fetched",
    "pull.applied",
)
"""Before a push request; after its reply, before any entry is settled; after each entry is
settled; after a feed page arrived, before it is applied; after it was applied."""
_TRANSIENT_STATUS = {401, 408, 425, 429}
log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    accepted: int = 0
    refused: int = 0
    ended: int = 0
    """Operations refused only because what they were for has ended (``ENDING_REFUSALS``)."""
    pulled: int = 0
    bootstrapped: bool = False
    online: bool = True
    error: str | None = None
    refusals: list[str] = field(default_factory=list)


class SyncLockBusy(Exception):
    """Another process already syncs this cache."""


def positions_in(body: dict[str, Any]) -> list[Position]:
    """The ledger's positions after an accepted operation, where its reply carries them."""
    raw = body.get("positions") or ([body["position"]] if "position" in body else [])
    try:
        return [Position.model_validate(p) for p in raw]
    except ValidationError:
        return []


class SyncEngine:
    def __init__(
        self,
        engine: Engine,
        client: LedgerClient,
        now: Now,
        *,
        push_batch_size: int = 200,
        feed_page_size: int = 5000,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self._engine = engine
        self._client = client
        self._now = now
        self._push_batch_size = push_batch_size
        self._feed_page_size = feed_page_size
        self._checkpoint: Checkpoint = checkpoint or _no_checkpoint

    def sync_once(self) -> SyncReport:
        report = SyncReport()
        try:
            self.push(report)
            self.pull(report)
        except LedgerUnavailable as error:
            report.online = False
            report.error = str(error)
        except LedgerUnauthorized as error:
            report.online = False
            report.error = f"the ledger refused this device's token: {error}"
        except LedgerRefused as error:
            # A refusal of the sync itself (not of one operation): wrong address, a proxy...
            report.online = False
            report.error = f"the ledger refused the sync ({error.status}): {error}"
        self._remember(report)
        refresh_after_sync(
            self._engine,
            lambda: self._client.read_list("/count-tasks", TASK_LIST),
            self._now(),
            online=report.online,
            accepted=report.accepted,
        )
        send_heartbeat(self._engine, self._client, self._now(), online=report.online)
        return report

    def _remember(self, report: SyncReport) -> None:
        with self._engine.begin() as connection:
            write_state(connection, LAST_ERROR, report.error)
            if report.online:
                write_state(connection, LAST_CONTACT, self._now().isoformat())

    def push(self, report: SyncReport) -> None:
        while True:
            entries = outbox.pending(self._engine, self._push_batch_size)
            if not entries:
                return
            try:
                answers = self._send(entries)
            except (LedgerUnavailable, LedgerUnauthorized) as error:
                outbox.note_failure(self._engine, [e.id for e in entries], str(error), self._now())
                raise
            except LedgerRefused as error:
                if not is_ledger_verdict_on_operations(error):
                    outbox.note_failure(
                        self._engine, [e.id for e in entries], str(error), self._now()
                    )
                    raise LedgerUnavailable(
                        f"the ledger address answered {error.status}: {error}"
                    ) from error
                # The ledger refused the batch as a whole (an entry it cannot even parse):
                # send the entries one by one, so only the bad one is set aside.
                self._push_singly(entries, report)
                continue
            self._settle(entries, answers, report)

    def _send(self, entries: list[outbox.Entry]) -> list[OperationResult]:
        self._checkpoint("push.sending")
        result = self._client.push([entry.payload for entry in entries])
        answers = result.results
        if [str(a.op_id) for a in answers] != [e.op_id for e in entries]:
            # Only an answer that names our operation settles it; anything else is not trusted.
            raise LedgerUnavailable("the ledger's reply does not match the operations sent")
        self._checkpoint("push.replied")
        return answers

    def _settle(
        self, entries: list[outbox.Entry], answers: list[OperationResult], report: SyncReport
    ) -> None:
        undecided: list[int] = []
        for entry, answer in zip(entries, answers, strict=True):
            if 200 <= answer.status < 300:
                outbox.accept(self._engine, entry.id, positions_in(answer.body), self._now())
                report.accepted += 1
            elif answer.status >= 500 or answer.status in _TRANSIENT_STATUS:
                undecided.append(entry.id)
            elif answer.body.get("type") in ENDING_REFUSALS.get(entry.kind, ()):
                # Not a fault to correct: what the operation was for has ended (an offer
                # another store claimed first). Kept on record, never listed for attention.
                outbox.refuse(self._engine, entry.id, answer.body, self._now(), settled=True)
                report.ended += 1
            else:
                outbox.refuse(self._engine, entry.id, answer.body, self._now())
                report.refused += 1
                report.refusals.append(entry.summary)
            self._checkpoint("push.settled")
        if undecided:
            outbox.note_failure(self._engine, undecided, "no definite answer yet", self._now())
            raise LedgerUnavailable("some operations got no definite answer; they will be retried")

    def _push_singly(self, entries: list[outbox.Entry], report: SyncReport) -> None:
        for position, entry in enumerate(entries):
            try:
                answers = self._send([entry])
            except (LedgerUnavailable, LedgerUnauthorized) as error:
                unsent = [e.id for e in entries[position:]]
                outbox.note_failure(self._engine, unsent, str(error), self._now())
                raise
            except LedgerRefused as error:
                if not is_ledger_verdict_on_operations(error):
                    unsent = [e.id for e in entries[position:]]
                    outbox.note_failure(self._engine, unsent, str(error), self._now())
                    raise LedgerUnavailable(
                        f"the ledger address answered {error.status}: {error}"
                    ) from error
                outbox.refuse(self._engine, entry.id, error.problem, self._now())
                report.refused += 1
                report.refusals.append(entry.summary)
                continue
            self._settle([entry], answers, report)

    def pull(self, report: SyncReport) -> None:
        while True:
            state = read_all_state(self._engine)
            since = int(state.get(CURSOR, "0"))
            page = self._client.changes(since, self._feed_page_size)
            known_ledger = state.get(LEDGER_ID)
            if page.reset or (known_ledger is not None and known_ledger != page.ledger_id):
                # A new or restored ledger: our view is not its view any more. Start again;
                # the outbox stays and is sent to the new ledger as it is.
                reset_view(self._engine)
                report.bootstrapped = True
                if page.reset:
                    continue
                page = self._client.changes(0, self._feed_page_size)
                since = 0
            elif since == 0:
                report.bootstrapped = True
            if page.has_more and page.next_since <= since:
                raise LedgerUnavailable("the change feed did not move forward; will try later")
            self._checkpoint("pull.fetched")
            report.pulled += apply_page(self._engine, page, self._now())
            self._checkpoint("pull.applied")
            if not page.has_more:
                return


def _no_checkpoint(_name: str) -> None:
    """Production: nothing happens at a checkpoint."""


def is_ledger_verdict_on_operations(error: LedgerRefused) -> bool:
    """A 4xx the ledger itself gave about the body (vs a proxy or a wrong address)."""
    kind = str(error.problem.get("type", ""))
    return error.status in (413, 422) and kind.startswith(PROBLEM_TYPE_PREFIX)


class SyncWorker:
    """Runs the engine in rounds until stopped: one worker per cache, guarded by a file lock."""

    def __init__(
        self,
        sync: SyncEngine,
        lock_path: Path,
        *,
        interval: float = 5.0,
        backoff: Backoff | None = None,
        on_report: Callable[[SyncReport], None] | None = None,
    ) -> None:
        self._sync = sync
        self._lock = FileLock(str(lock_path))
        self._interval = interval
        self._backoff = backoff or Backoff()
        self._on_report = on_report
        self._wake = threading.Event()
        self._stop = threading.Event()

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout as error:
            raise SyncLockBusy(
                f"another process is syncing this cache ({self._lock.lock_file})"
            ) from error

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()

    def wake(self) -> None:
        """Sync now instead of waiting for the next round."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run(self) -> None:
        """Sync in rounds until ``stop``; the caller must hold the lock (``acquire``)."""
        while not self._stop.is_set():
            try:
                report = self._sync.sync_once()
            except Exception as error:  # the worker must outlive any single bad round
                log.exception("sync round failed")
                report = SyncReport(online=False, error=f"sync failed: {error}")
            if self._on_report is not None:
                self._on_report(report)
            if report.online:
                self._backoff.reset()
                delay = self._interval
            else:
                delay = self._backoff.next_delay()
            self._wake.wait(delay)
            self._wake.clear()
