"""A store process killed with SIGKILL at random points loses no sale and doubles none.

A real ``ordersync serve`` runs on 127.0.0.1 over a fresh SQLite ledger. A store worker process
(``tests/storeapp/crash_worker.py``) records numbered counter sales in its cache and syncs them in
a loop; this test kills it with SIGKILL after a random delay, 50 times, and starts it again each
time on the same cache. Meanwhile the test process records sales of its own in the same cache
(as the terminal's UI does while the sync worker runs). At the end one clean sync drains the
outbox, and the ledger must hold every sale made, exactly once.

The first and the last runs are cold starts of ``python -m tests.storeapp.crash_worker``; the
others are forked from a fork server that imported everything once (a cold start costs about a
second, fifty of them would make the test slow), and each forked run shows it started warm. Each
is a process of its own, killed by SIGKILL and restarted from nothing but the cache file.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import Role
from ordersync.services.check import check_ledger
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.config import StoreSettings
from storeapp.context import open_store, remember_location
from storeapp.services.sales import CounterSales
from tests.storeapp.crash_worker import (
    EXIT_LOCK_BUSY,
    PRELOADED,
    PROJECT_ROOT,
    READY,
    SKUS,
    WARM_START,
    forked_worker,
    op_id_of,
    qty_of,
    reconcile,
    sales_made,
    sku_of,
    worker_arguments,
    worker_command,
    worker_environment,
)
from tests.support.ledger_harness import START, Network, SqliteDatabases, seed_network
from tests.support.ledger_server import LedgerServer, free_port, stop_process

pytestmark = pytest.mark.e2e

KILLS = 50
SEED = 20260302
RECEIVED = 1000
READY_SECONDS = 20.0
WORKER_MAX_SECONDS = 30.0


@dataclass
class Served:
    network: Network
    ledger: LedgerServer
    token: str


@pytest.fixture
def served(sqlite_databases: SqliteDatabases, tmp_path: Path) -> Iterator[Served]:
    url = sqlite_databases.fresh()
    network = seed_network(url, ManualClock(START))
    token = network.token("A", Role.ASSOCIATE)
    network.token("WH", Role.ADMIN)
    ledger = LedgerServer(url, network, free_port(), tmp_path / "ledger")
    try:
        ledger.start()
        yield Served(network, ledger, token)
    finally:
        ledger.stop()
        network.engine.dispose()
        sqlite_databases.drop(url)


class Child:
    """One run of the store worker: a cold-started command or a forked process."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def exitcode(self) -> int | None:
        raise NotImplementedError

    def kill(self) -> int | None:
        """SIGKILL; returns the exit code (``-SIGKILL`` when the kill ended it)."""
        raise NotImplementedError

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no output)"

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if READY in self.output():
                return
            if self.exitcode() is not None:
                break
            time.sleep(0.005)
        code = self.kill()
        pytest.fail(
            f"the store worker did not get ready within {READY_SECONDS:.0f} s "
            f"(exit {code})\n{self.output()}"
        )


class ColdChild(Child):
    def __init__(self, log: Path, command: list[str], env: dict[str, str]) -> None:
        super().__init__(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def exitcode(self) -> int | None:
        return self.process.poll()

    def kill(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stop_process(self.process)
            return self.process.returncode


class ForkedChild(Child):
    def __init__(self, log: Path, context: ForkServerContext, argv: list[str]) -> None:
        super().__init__(log)
        log.touch()
        self.process: BaseProcess = context.Process(
            target=forked_worker, args=(argv, str(log), str(log.parent)), daemon=True
        )
        self.process.start()

    def exitcode(self) -> int | None:
        return self.process.exitcode

    def kill(self) -> int | None:
        if self.process.exitcode is None:
            self.process.kill()
        self.process.join(timeout=10)
        return self.process.exitcode


@pytest.fixture
def fork_server() -> Iterator[ForkServerContext]:
    """A fork server with the store's modules imported; stopped at teardown."""
    context = multiprocessing.get_context("forkserver")
    assert isinstance(context, ForkServerContext)
    context.set_forkserver_preload(list(PRELOADED))
    yield context
    # The fork server and its resource tracker would otherwise live until pytest exits.
    for helper in (
        getattr(multiprocessing.forkserver, "_forkserver", None),
        getattr(multiprocessing.resource_tracker, "_resource_tracker", None),
    ):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            stop()


def test_a_store_killed_at_random_points_loses_and_doubles_no_sale(
    served: Served, fork_server: ForkServerContext, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    data_dir = tmp_path / "store-a"
    logs = tmp_path / "worker-logs"
    logs.mkdir()
    with httpx.Client(
        base_url=served.ledger.base_url, headers=served.network.headers("A"), timeout=10.0
    ) as api:
        for sku in SKUS:
            reply = api.post(
                "/v1/movements",
                json={
                    "op_id": str(op_id_of(10**6 + SKUS.index(sku))),
                    "lines": [{"kind": "receipt", "sku": sku, "location": "A", "qty": RECEIVED}],
                },
            )
            assert reply.status_code == 201, reply.text

    cache = open_cache_engine(data_dir / "cache.db")
    remember_location(cache, "A")
    ui_sales = CounterSales(cache, "A", lambda: datetime.now(UTC))
    ui_sold: list[tuple[str, str, int]] = []
    interrupted_with_pending = 0
    argv = worker_arguments(data_dir, served.ledger.base_url, served.token, WORKER_MAX_SECONDS)
    command = worker_command(data_dir, served.ledger.base_url, served.token, WORKER_MAX_SECONDS)
    env = worker_environment(tmp_path)

    for run in range(KILLS):
        log = logs / f"run-{run}.log"
        cold = run in (0, KILLS - 1)
        child: Child = ColdChild(log, command, env) if cold else ForkedChild(log, fork_server, argv)
        try:
            if not cold and rng.random() < 0.1:
                time.sleep(rng.uniform(0.0, 0.08))  # anywhere, start-up included
            else:
                child.wait_until_ready()
                if not cold:
                    assert WARM_START in child.output(), f"run {run}: a cold fork\n{child.output()}"
                if rng.random() < 0.5:  # the terminal's UI sells while the worker syncs
                    sku, qty = rng.choice(SKUS), rng.randint(1, 3)
                    sale = ui_sales.record(sku, qty)
                    ui_sold.append((str(sale.op_id), sku, qty))
                time.sleep(rng.uniform(0.0, 0.3))
            exited = child.exitcode()
            if exited is not None:
                pytest.fail(
                    f"run {run}: the worker exited with {exited} before the kill "
                    f"(lock busy is {EXIT_LOCK_BUSY})\n{child.output()}"
                )
        finally:
            code = child.kill()
        assert code == -signal.SIGKILL, f"run {run}: exit {code}\n{child.output()}"
        if outbox.pending(cache, 1):
            interrupted_with_pending += 1

    # A sale recorded just before the last kill counts as made too.
    reconcile(cache)
    made = sales_made(cache)
    assert made == list(range(1, len(made) + 1)), "sales were skipped or recorded twice"
    assert len(made) >= KILLS // 2, f"only {len(made)} sales were made in {KILLS} runs"
    assert interrupted_with_pending >= 5, "the kills hardly ever interrupted a sync"
    assert outbox.needing_attention(cache, include_resolved=True) == []

    settings = StoreSettings(
        ledger_url=served.ledger.base_url,
        token=served.token,
        data_dir=data_dir,
        push_batch_size=200,
        feed_page_size=5000,
    )
    store = open_store(settings)
    try:
        final = store.sync.sync_once()
        assert final.online, final
        assert final.refused == 0
        assert outbox.pending(store.engine, 10) == []
        assert outbox.needing_attention(store.engine, include_resolved=True) == []
        status = store.status.status()
        assert status.waiting == 0
        assert status.attention == 0

        expected_ops = {str(op_id_of(n)): (sku_of(n), qty_of(n)) for n in made}
        expected_ops.update({op: (sku, qty) for op, sku, qty in ui_sold})
        with served.network.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT op_id, sku, qty FROM movements WHERE kind = 'sale' AND location = 'A'")
            ).all()
            consistency = check_ledger(connection)
        ledger_ops = Counter(str(op_id) for op_id, _sku, _qty in rows)
        doubled = {op: count for op, count in ledger_ops.items() if count > 1}
        assert doubled == {}, f"sales applied more than once: {doubled}"
        assert set(ledger_ops) == set(expected_ops), (
            f"missing from the ledger: {sorted(set(expected_ops) - set(ledger_ops))[:5]}, "
            f"unknown to the store: {sorted(set(ledger_ops) - set(expected_ops))[:5]}"
        )
        assert {str(op): (sku, -qty) for op, sku, qty in rows} == expected_ops
        assert consistency.ok, consistency.discrepancies[:5]

        with httpx.Client(
            base_url=served.ledger.base_url, headers=served.network.headers("A"), timeout=10.0
        ) as api:
            for sku in SKUS:
                sold = sum(qty for s, qty in expected_ops.values() if s == sku)
                position = api.get(f"/v1/positions/A/{sku}").json()
                assert position["on_hand"] == RECEIVED - sold, sku
                view = store.lookup.item_view(sku, live=False)
                assert view is not None
                assert view.own.on_hand == RECEIVED - sold, sku
                assert view.own.pending_delta == 0
    finally:
        store.close()
        cache.dispose()
