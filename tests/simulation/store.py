"""A simulated store terminal: the real storeapp services and sync engine on a cache file of its
own.

A terminal can be stopped dead at a named point (``SimulatedCrash``): whatever its SQLite
connections had not committed is rolled back, its engine and client are dropped, and it is opened
again from nothing but its cache file, as a killed process would be. It can also be given a full
disk (SQLite ``max_page_count`` capped at the file's current size) and a clock hours off. Its
sync round can also run in a real child process that SIGKILLs itself at a sync checkpoint.

Operation ids come from a seeded generator, so a run replays exactly; every id handed out is
remembered, so the harness can tell which operations a crashed action committed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, event, text

from ordersync.contract import uuid7
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.state import CURSOR, read_all_state
from storeapp.context import remember_location
from storeapp.services.lookup import LookupService
from storeapp.services.offers import OfferService
from storeapp.services.orders import OrderInStoreService
from storeapp.services.picking import PickingService
from storeapp.services.receiving import ReceivingDesk
from storeapp.services.returns import CounterReturns
from storeapp.services.sales import CounterSales
from storeapp.services.set_aside import StockSetAside
from storeapp.services.transfers import TransferDesk
from storeapp.services.voids import SaleVoids
from storeapp.sync.client import LedgerClient
from storeapp.sync.engine import SyncEngine

REAL_TIMEOUT_SECONDS = 120.0
"""The HTTP timeout of the real transport; simulated timeouts are decided by the fault plan."""
PUSH_BATCH = 8
FEED_PAGE = 50

# Crash points (the names printed in the figures).
BEFORE_LOCAL_COMMIT = "before_local_commit"
AFTER_LOCAL_COMMIT = "after_local_commit"
AFTER_SEND = "after_send"
AFTER_LEDGER_COMMIT = "after_ledger_commit"
AFTER_REPLY = "after_reply"
CRASH_POINTS = (
    BEFORE_LOCAL_COMMIT,
    AFTER_LOCAL_COMMIT,
    AFTER_SEND,
    AFTER_LEDGER_COMMIT,
    AFTER_REPLY,
)
SYNC_CRASH_POINTS = (AFTER_SEND, AFTER_LEDGER_COMMIT, AFTER_REPLY)
# Where a receipt or a send dies (``tests.simulation.motion``): scanned, nothing closed; closed.
RECEIVE_BEFORE_CLOSE = "receive.before_close"
RECEIVE_AFTER_CLOSE = "receive.after_close"
TRANSFER_BEFORE_SEND = "transfer.before_send"
TRANSFER_AFTER_SEND = "transfer.after_send"
MOTION_CRASH_POINTS = (
    RECEIVE_BEFORE_CLOSE,
    RECEIVE_AFTER_CLOSE,
    TRANSFER_BEFORE_SEND,
    TRANSFER_AFTER_SEND,
)
# Where a counter action dies (``tests.simulation.counter``): at its local commit (nothing
# queued), right after it, or with the push carrying it in flight.
COUNTER_KINDS = ("return", "void", "set_aside")
COUNTER_CRASHES = ("before_commit", "after_commit", AFTER_SEND)
COUNTER_CRASH_POINTS = tuple(f"{kind}.{when}" for kind in COUNTER_KINDS for when in COUNTER_CRASHES)
CHILD_KILL_POINTS = ("push.sending", "push.replied", "push.settled", "pull.fetched", "pull.applied")


class SimulatedCrash(BaseException):
    """The store process dies here (BaseException: no ``except Exception`` may swallow it)."""

    def __init__(self, point: str) -> None:
        super().__init__(point)
        self.point = point


def _new_cache(path: Path, location: str) -> None:
    """A new cache file that knows its store, copied from an empty one made once per run."""
    template = path.parent.parent / "template.db"
    if not template.exists():
        open_cache_engine(template).dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    engine = open_cache_engine(path)
    remember_location(engine, location)
    engine.dispose()


class IdSource:
    """Seeded UUIDv7 operation ids at the terminal's clock; remembers every id handed out."""

    def __init__(self, seed: str, now: Callable[[], datetime]) -> None:
        self._rng = random.Random(seed)
        self._now = now
        self.issued: list[str] = []

    def __call__(self) -> uuid.UUID:
        value = uuid7(int(self._now().timestamp() * 1000), self._rng.randbytes(10))
        self.issued.append(str(value))
        return value


class Terminal:
    """One store device. ``open`` (re)builds everything from the cache file."""

    def __init__(
        self,
        name: str,
        location: str,
        token: str,
        data_dir: Path,
        base_url: str,
        transport_factory: Callable[[Terminal], httpx.BaseTransport],
        sim_now: Callable[[], datetime],
        seed: int,
    ) -> None:
        self.name = name
        self.location = location
        self.token = token
        self.cache_path = data_dir / name / "cache.db"
        self.base_url = base_url
        self.skew = timedelta()
        self.online = True
        self.disk_full = False
        self.armed: str | None = None
        """The crash point this terminal dies at next, if the plan chose one."""
        self.crash_on_commit: str | None = None
        """Die at the next cache commit (the live order's reply was just received)."""
        self._sim_now = sim_now
        self._page_cap = 0
        self._transport_factory = transport_factory
        self.ids = IdSource(f"{seed}:ids:{name}", self.now)
        self.engine: Engine | None = None
        self.crashes = 0
        self._client: LedgerClient | None = None
        _new_cache(self.cache_path, location)

    def now(self) -> datetime:
        return self._sim_now() + self.skew

    # --- life cycle -------------------------------------------------------------------------

    def open(self) -> None:
        engine = open_cache_engine(self.cache_path)

        @event.listens_for(engine, "connect")
        def _cap(dbapi_connection: Any, _record: Any) -> None:
            if self.disk_full:
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA max_page_count = {self._page_cap}")
                cursor.close()

        @event.listens_for(engine, "commit")
        def _commit(_connection: Any) -> None:
            if self.armed == BEFORE_LOCAL_COMMIT:
                self.armed = None
                raise SimulatedCrash(BEFORE_LOCAL_COMMIT)
            if self.crash_on_commit is not None:
                point, self.crash_on_commit = self.crash_on_commit, None
                raise SimulatedCrash(point)

        # open_cache_engine already connected once (to create the tables), before these hooks.
        engine.dispose()
        self.engine = engine
        self._client = LedgerClient(
            self.base_url,
            self.token,
            timeout=REAL_TIMEOUT_SECONDS,
            transport=self._transport_factory(self),
        )
        self.sales = CounterSales(engine, self.location, self.now, new_id=self.ids)
        self.orders = OrderInStoreService(
            engine, self.location, self.now, self._client, new_id=self.ids
        )
        self.picking = PickingService(engine, self.location, self.now, new_id=self.ids)
        self.offers = OfferService(engine, self.location, self.now, new_id=self.ids)
        self.lookup = LookupService(engine, self.location, self.now, self._client)
        self.receiving = ReceivingDesk(engine, self.location, self.now, new_id=self.ids)
        self.transfers = TransferDesk(engine, self.location, self.now, new_id=self.ids)
        self.returns = CounterReturns(engine, self.location, self.now, new_id=self.ids)
        # The till's associate voids their own sales of the day; a manager writes units off.
        self.voids = SaleVoids(
            engine, self.location, self.now, new_id=self.ids, is_manager=lambda: False
        )
        self.set_aside = StockSetAside(
            engine, self.location, self.now, new_id=self.ids, is_manager=lambda: True
        )
        self.sync = SyncEngine(
            engine,
            self._client,
            self.now,
            push_batch_size=PUSH_BATCH,
            feed_page_size=FEED_PAGE,
            checkpoint=self._checkpoint,
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def crashed(self) -> None:
        """The process died: drop everything in memory and start again from the cache file."""
        self.crashes += 1
        self.armed = None
        self.crash_on_commit = None
        self.close()
        self.open()

    def _checkpoint(self, name: str) -> None:
        if self.armed == AFTER_REPLY and name == "push.replied":
            self.armed = None
            raise SimulatedCrash(AFTER_REPLY)

    @property
    def db(self) -> Engine:
        assert self.engine is not None
        return self.engine

    # --- faults -----------------------------------------------------------------------------

    def fill_disk(self) -> None:
        """The disk is full: the cache file cannot grow by a single page any more.

        VACUUM first packs every table and index into full pages, as a file grown by appends
        would be, so the next insert needs a page the disk no longer has."""
        self.db.dispose()
        raw = sqlite3.connect(self.cache_path, isolation_level=None)
        try:
            raw.execute("VACUUM")
            self._page_cap = int(raw.execute("PRAGMA page_count").fetchone()[0])
        finally:
            raw.close()
        self.disk_full = True

    def free_disk(self) -> None:
        self.disk_full = False
        self.db.dispose()

    # --- what the harness reads ---------------------------------------------------------------

    def outbox_ids(self) -> dict[str, str]:
        """op_id -> state of every outbox entry (pending or attention)."""
        with self.db.connect() as connection:
            rows = connection.execute(text("SELECT op_id, state FROM outbox"))
            return {str(op_id): str(state) for op_id, state in rows}

    def pending(self) -> list[outbox.Entry]:
        return outbox.pending(self.db, 100_000)

    def on_sale_as_last_pulled(self, sku: str) -> int:
        """Units of ``sku`` on sale here in the ledger's view as of the cursor (on hand less the
        units set aside; this terminal's unsent operations left out)."""
        with self.db.connect() as connection:
            units = connection.execute(
                text(
                    "SELECT on_hand - unavailable FROM positions WHERE sku = :sku "
                    "AND location = :location"
                ),
                {"sku": sku, "location": self.location},
            ).scalar_one_or_none()
        return 0 if units is None else int(units)

    def cursor(self) -> int:
        return int(read_all_state(self.db).get(CURSOR, "0"))

    @contextmanager
    def enqueue(self) -> Iterator[Any]:
        """A local action of the harness's own (a count, a receipt): one cache transaction."""
        with self.db.begin() as connection:
            yield connection

    # --- a sync round in a real process ---------------------------------------------------------

    def sync_in_child(self, point: str, log_path: Path) -> bool:
        """Run one sync round in a forked process that SIGKILLs itself at ``point``.

        Returns whether the kill happened (the round may end before reaching the point).
        """
        self.close()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 0
            try:
                log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                os.dup2(log, 1)
                os.dup2(log, 2)

                def die_at(name: str) -> None:
                    if name == point:
                        os.kill(os.getpid(), signal.SIGKILL)

                engine = open_cache_engine(self.cache_path)
                client = LedgerClient(
                    self.base_url,
                    self.token,
                    timeout=REAL_TIMEOUT_SECONDS,
                    transport=httpx.HTTPTransport(verify=False),
                )
                SyncEngine(
                    engine,
                    client,
                    self.now,
                    push_batch_size=PUSH_BATCH,
                    feed_page_size=FEED_PAGE,
                    checkpoint=die_at,
                ).sync_once()
            except BaseException:
                traceback.print_exc()
                code = 70
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.open()
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            self.crashes += 1
            return True
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return False
        raise AssertionError(f"the sync child of {self.name} failed ({status}); see {log_path}")
