"""The store worker the crash test kills: a real store process, and what the test knows of it.

Run as ``python -m tests.storeapp.crash_worker --data-dir D --ledger-url U --token T``, this is a
store process that records counter sales and syncs them, in a loop, until it is killed. Its
sales are numbered 1, 2, 3, ... and sale N always has the same operation id, SKU, quantity and
time, so a run can tell which sales the runs before it made:

* sale N counts as made once ``CounterSales.record`` has returned (the sale and its outbox entry
  are then in the cache, together);
* right after that, the worker writes N into its own progress table in the same cache file. A
  kill between the two leaves sale N in the outbox, still pending (no sync ran in between), so
  the next run finds its operation id there, marks it made and goes on with N + 1. No sale is
  ever recorded twice, none is skipped.

The test starts it both ways: as that command (a cold start, as in a store), and forked from a
``multiprocessing`` fork server that has imported everything once (``forked_worker``), so that
fifty kills and restarts fit in well under a minute.

Imported, it gives the test the numbering of the sales, the reconciliation above and the ways
to start the worker. The ledger it syncs with is ``tests.support.ledger_server``'s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from uuid import UUID

from sqlalchemy import Engine, text

from ordersync.contract import uuid7

PROGRESS_TABLE = "crash_worker_made"
SKUS = ("S1", "S2", "S3")
FIRST_SALE_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXIT_LOCK_BUSY = 3
EXIT_REFUSED = 4
READY = "ready"
WARM_START = "warm start: the store's modules were imported by the fork server"
PRELOADED = ("tests.storeapp.crash_worker", "storeapp.context", "storeapp.services.sales")
"""What the fork server imports once, so that a forked worker starts without importing it."""
PROJECT_ROOT = Path(__file__).resolve().parents[2]


# --- the numbered sales ----------------------------------------------------------------------


def op_id_of(number: int) -> UUID:
    """The operation id of sale ``number``: a UUIDv7, the same in every run."""
    moment = FIRST_SALE_AT + timedelta(seconds=number)
    return uuid7(int(moment.timestamp() * 1000), number.to_bytes(10, "big"))


def sku_of(number: int) -> str:
    return SKUS[number % len(SKUS)]


def qty_of(number: int) -> int:
    return 1 + number % 2


def occurred_at(number: int) -> datetime:
    return FIRST_SALE_AT + timedelta(seconds=number)


def ensure_progress_table(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (n INTEGER PRIMARY KEY)")
        )


def mark_made(engine: Engine, number: int) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"INSERT INTO {PROGRESS_TABLE} (n) VALUES (:n)"), {"n": number})


def reconcile(engine: Engine) -> int:
    """Mark a sale recorded just before a kill as made; returns the number of the next sale."""
    ensure_progress_table(engine)
    with engine.connect() as connection:
        last = connection.execute(text(f"SELECT MAX(n) FROM {PROGRESS_TABLE}")).scalar_one()
    following = (last or 0) + 1
    with engine.connect() as connection:
        recorded = connection.execute(
            text("SELECT COUNT(*) FROM outbox WHERE op_id = :id"),
            {"id": str(op_id_of(following))},
        ).scalar_one()
    if recorded:
        mark_made(engine, following)
        following += 1
    return following


def sales_made(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [
            int(n)
            for n in connection.execute(text(f"SELECT n FROM {PROGRESS_TABLE} ORDER BY n"))
            .scalars()
            .all()
        ]


# --- the worker process ----------------------------------------------------------------------


def run_worker(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    from storeapp.config import StoreSettings
    from storeapp.context import open_store
    from storeapp.services.sales import CounterSales
    from storeapp.sync.engine import SyncLockBusy

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--ledger-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    stream = out or sys.stdout

    def say(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    settings = StoreSettings(
        ledger_url=args.ledger_url,
        token=args.token,
        data_dir=args.data_dir,
        push_batch_size=4,
        feed_page_size=25,
        request_timeout_seconds=10.0,
    )
    context = open_store(settings)
    worker = context.worker()
    try:
        worker.acquire()  # a killed predecessor must not have left the lock held
    except SyncLockBusy as error:
        say(f"lock busy: {error}")
        return EXIT_LOCK_BUSY
    number = reconcile(context.engine)
    say(f"{READY} next={number}")
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        for _ in range(1 + number % 3):
            moment = occurred_at(number)
            sales = CounterSales(
                context.engine,
                context.location,
                now=lambda moment=moment: moment,
                new_id=lambda number=number: op_id_of(number),
            )
            sales.record(sku_of(number), qty_of(number))
            mark_made(context.engine, number)
            number += 1
        report = context.sync.sync_once()
        if report.refused:
            say(f"refused: {report.refusals}")
            return EXIT_REFUSED
        if not report.online:
            say(f"offline: {report.error}")
    say("deadline reached")
    return 0


def forked_worker(argv: list[str], log_path: str, config_dir: str) -> None:
    """The worker in a process forked by a fork server (whose environment is the test's)."""
    for key in [k for k in os.environ if k.startswith(("ORDERSYNC_", "STOREAPP_"))]:
        del os.environ[key]
    os.environ["STOREAPP_CONFIG"] = str(Path(config_dir) / "no-such-config.toml")
    with open(log_path, "a", encoding="utf-8") as log:
        if all(module in sys.modules for module in PRELOADED):
            log.write(WARM_START + "\n")
            log.flush()
        try:
            code = run_worker(argv, out=log)
        except BaseException:
            traceback.print_exc(file=log)
            raise
    sys.exit(code)


def worker_arguments(data_dir: Path, ledger_url: str, token: str, max_seconds: float) -> list[str]:
    return [
        "--data-dir",
        str(data_dir),
        "--ledger-url",
        ledger_url,
        "--token",
        token,
        "--max-seconds",
        str(max_seconds),
    ]


def worker_command(data_dir: Path, ledger_url: str, token: str, max_seconds: float) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.storeapp.crash_worker",
        *worker_arguments(data_dir, ledger_url, token, max_seconds),
    ]


# --- the environment of a cold-started worker ------------------------------------------------


def worker_environment(config_dir: Path) -> dict[str, str]:
    """This environment without ORDERSYNC_*/STOREAPP_* settings, and no user settings file; the
    project on the path, for ``python -m tests.storeapp.crash_worker``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ORDERSYNC_", "STOREAPP_"))
    }
    env["STOREAPP_CONFIG"] = str(config_dir / "no-such-config.toml")
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


if __name__ == "__main__":
    sys.exit(run_worker())
