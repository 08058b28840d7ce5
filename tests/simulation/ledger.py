"""The simulation's ledger: a real ``ordersync`` process to start, SIGKILL and restart.

``LedgerServer`` serves one ledger database on a fixed 127.0.0.1 port; after a SIGKILL it starts
again on the same database and port. ``WriteHold`` takes the database's write lock from outside,
so that a request in flight is stopped before its commit while the process is killed: the kill
then lands inside the request, and its outcome (not committed) does not depend on timing.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import re
import sqlite3
import time
from datetime import datetime
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

import httpx
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from ordersync.contract import SuspectRouting
from ordersync.db.engine import is_sqlite
from ordersync.services.routing_policy import default_policy_text, parse_policy
from tests.support.ledger_server import free_port

SWEEP_PATH = "/simulation/no-shows"
"""POST ``?at=<ISO time>`` (``ledger_child``): the ledger's clock moves to ``at``, then its
no-show sweep runs; answers ``{"ended": n}``."""
OFFER_SWEEP_PATH = "/simulation/offers"
"""POST ``?at=<ISO time>&sweep=<bool>`` (``ledger_child``): the ledger's clock moves to ``at``,
then (unless ``sweep`` is false) its sweep of offers nobody claimed in time runs
(``offer_work``); answers ``{"ended": n}``."""
OFFER_TO = 3
CLAIM_MINUTES = 1440
"""A day: the ledger's clock stands still while the terminals' clocks run, hours apart, so an
offer stays open by every terminal's clock until the harness moves the ledger's past it."""
COMPETITIVE_POLICY = f"""
[[rule_sets]]
name = "web"
[rule_sets.when]
channels = ["web"]

[[rule_sets.rules]]
name = "first to claim"
[rule_sets.rules.competitive]
offer_to = {OFFER_TO}
claim_minutes = {CLAIM_MINUTES}
"""
"""Web orders are offered to the ``OFFER_TO`` best placed locations able to serve them (the
first to claim serves them); orders placed in store are routed as before. The rule asks the
same locations and ranks them as the packaged policy does, so the oracle's routing rules hold
for both."""
STARTUP_SECONDS = 60.0
BLOCKED_SECONDS = 10.0
_context: ForkServerContext | None = None


def fork_server() -> ForkServerContext:
    """The fork server that starts ledger processes (imports the app once)."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        assert isinstance(context, ForkServerContext)
        context.set_forkserver_preload(["tests.simulation.ledger_child"])
        _context = context
    return _context


def stop_fork_server() -> None:
    """Stop the fork server and its resource tracker (they would live until the process exits)."""
    global _context
    for helper in (
        getattr(multiprocessing.forkserver, "_forkserver", None),
        getattr(multiprocessing.resource_tracker, "_resource_tracker", None),
    ):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            stop()
    _context = None


def write_policy(path: Path) -> Path:
    """The packaged routing policy with future stock off: an order is served from a shelf or
    refused, as the oracle's routing rules say (promises on incoming units have their own
    tests: tests/api/test_future_stock.py), and web orders allocated competitively
    (``COMPETITIVE_POLICY``). The rest is the packaged policy's: suspect positions left out
    of routing, the counter's limit and reasons."""
    default = default_policy_text()
    head, _, rest = default.partition("[future_stock]")
    body, next_table, tail = rest.partition("\n[")
    body = re.sub(r"^enabled\s*=.*$", "", body, flags=re.MULTILINE)
    path.write_text(
        f"{head}[future_stock]\nenabled = false{body}{next_table}{tail}\n{COMPETITIVE_POLICY}"
    )
    policy = parse_policy(path.read_text())
    if policy.future_stock.enabled:
        raise AssertionError(f"{path} leaves future stock on")
    if policy.counter != parse_policy(default).counter:
        raise AssertionError(f"{path} lost the packaged policy's [counter] table")
    if policy.routing.suspect_positions is not SuspectRouting.EXCLUDE:
        raise AssertionError(f"{path} routes to suspect positions; the oracle leaves them out")
    competitive = [rule.competitive for rules in policy.rule_sets for rule in rules.rules]
    if [(c.offer_to, c.claim_minutes) for c in competitive if c] != [(OFFER_TO, CLAIM_MINUTES)]:
        raise AssertionError(f"{path} lost its competitive rule for web orders")
    return path


class LedgerServer:
    """``ordersync``'s app served by uvicorn in a process of its own."""

    def __init__(
        self, database_url: str, log_dir: Path, frozen_at: datetime, mutant: str | None = None
    ) -> None:
        self.database_url = database_url
        self.mutant = mutant
        self.port = free_port()
        self.log_dir = log_dir
        self.frozen_at = frozen_at
        self.process: BaseProcess | None = None
        self.starts = 0
        self.kills = 0
        log_dir.mkdir(parents=True, exist_ok=True)
        self.policy = write_policy(log_dir / "routing.toml")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.exitcode is None

    @property
    def log_path(self) -> Path:
        return self.log_dir / "ledger.log"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        if self.running:
            raise RuntimeError("the ledger is already running")
        from tests.simulation.ledger_child import serve

        self.starts += 1
        with self.log_path.open("a") as log:
            log.write(f"--- start {self.starts} ---\n")
        process = fork_server().Process(
            target=serve,
            args=(
                self.database_url,
                self.port,
                str(self.log_path),
                self.frozen_at.isoformat(),
                self.mutant,
                str(self.policy),
            ),
            daemon=True,
        )
        process.start()
        self.process = process
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        last = "no answer yet"
        with httpx.Client(base_url=self.base_url, timeout=5.0, verify=False) as client:
            while time.monotonic() < deadline:
                if not self.running:
                    raise RuntimeError(f"the ledger exited before answering\n{self.output()}")
                try:
                    reply = client.get("/v1/health")
                except httpx.TransportError as error:
                    last = repr(error)
                else:
                    if reply.status_code == 200:
                        return
                    last = f"HTTP {reply.status_code}"
                time.sleep(0.01)
        self.kill()
        raise RuntimeError(f"the ledger did not answer within {STARTUP_SECONDS} s: {last}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, the writer thread dies wherever it is."""
        if self.process is not None:
            if self.process.exitcode is None:
                self.process.kill()
                self.kills += 1
            self.process.join(timeout=30)
            self.process = None

    def stop(self) -> None:
        """SIGTERM (a clean shutdown) at the end of a run."""
        if self.process is not None:
            if self.process.exitcode is None:
                self.process.terminate()
                self.process.join(timeout=30)
            if self.process.exitcode is None:
                self.process.kill()
                self.process.join(timeout=30)
            self.process = None


class WriteHold:
    """Hold the ledger database's write lock: writers wait, readers go on.

    SQLite: ``BEGIN IMMEDIATE`` on a connection of our own, so the ledger's writer waits at its
    own ``BEGIN IMMEDIATE``. PostgreSQL: ``LOCK TABLE idempotency`` in a mode that lets reads
    through but not the insert of an operation's outcome, which every write transaction makes
    before it commits; ``wait_until_blocked`` then sees the ledger's session wait on it. The
    no-show sweep stores no outcome: for it, ``table`` is ``jobs``, which it always updates.
    """

    def __init__(self, database_url: str, engine: Engine, table: str = "idempotency") -> None:
        self._url = database_url
        self._engine = engine
        self._table = table
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Connection | None = None

    def __enter__(self) -> WriteHold:
        if is_sqlite(self._url):
            database = make_url(self._url).database
            assert database
            self._sqlite = sqlite3.connect(database, timeout=30, isolation_level=None)
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            self._pg = self._engine.connect()
            self._pg.begin()
            self._pg.execute(text(f"LOCK TABLE {self._table} IN SHARE ROW EXCLUSIVE MODE"))
        return self

    def wait_until_blocked(self) -> None:
        """Wait until the request in flight is stopped by the lock (as far as it can be seen)."""
        if self._pg is None:
            # SQLite shows no sign of a waiting writer; give the request time to get there.
            # Whether it got there or not, it cannot commit while the lock is held.
            time.sleep(0.15)
            return
        deadline = time.monotonic() + BLOCKED_SECONDS
        with self._engine.connect() as probe:
            while time.monotonic() < deadline:
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
                if waiting:
                    return
                time.sleep(0.01)

    def __exit__(self, *_exc: object) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
            self._sqlite = None
        if self._pg is not None:
            self._pg.rollback()
            self._pg.close()
            self._pg = None
