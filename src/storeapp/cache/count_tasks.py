"""The store's open count tasks as the ledger last listed them, so ``storeapp count tasks`` and the
Counts screen answer offline, with the age of the list.

The list is not on the change feed: it is read from ``GET /count-tasks`` (the device's own
location) after each sync round that reached the ledger, at most once every ``EVERY``, and at
once after a round in which the ledger accepted operations of this terminal (a count closes a
task, a sale below zero opens one). A live read of the list (``CountingService.tasks``) replaces
it too. A refresh never fails a sync round: when it cannot be read, the list kept stays, with
its age. The list lives in the cache's ``sync_state`` (JSON), where older versions kept it too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, Engine

from ordersync.contract import CountTask
from storeapp.cache.state import parse_time, read_state, write_state

TASKS = "count_tasks"
"""``sync_state`` key: the last task list the ledger gave (JSON)."""
TASKS_AT = "count_tasks_at"
"""``sync_state`` key: when the ledger gave it."""
ASKED_AT = "count_tasks_asked_at"
"""``sync_state`` key: when a sync round last asked for it (answered or not)."""
EVERY = timedelta(seconds=60)
"""A sync round asks again after this long: tasks open and close a few times a day, and a
terminal syncs every few seconds."""
TASK_LIST = TypeAdapter(list[CountTask])
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredTasks:
    tasks: list[CountTask]
    fetched_at: datetime | None
    """When the ledger gave the list (None: never)."""


def store_tasks(connection: Connection, tasks: Sequence[CountTask], fetched_at: datetime) -> None:
    write_state(connection, TASKS, TASK_LIST.dump_json(list(tasks)).decode())
    write_state(connection, TASKS_AT, fetched_at.isoformat())


def stored_tasks(connection: Connection) -> StoredTasks:
    """The list kept (empty, never fetched, when there is none or it cannot be read)."""
    stored = read_state(connection, TASKS)
    fetched_at = parse_time(read_state(connection, TASKS_AT))
    if stored is None:
        return StoredTasks([], None)
    try:
        return StoredTasks(TASK_LIST.validate_json(stored), fetched_at)
    except ValidationError:
        return StoredTasks([], None)


def refresh_after_sync(
    engine: Engine,
    read: Callable[[], list[CountTask]],
    now: datetime,
    *,
    online: bool,
    accepted: int,
) -> bool:
    """Read the list again when it is due after a sync round; True when it was stored.

    Called by the sync engine at the end of every round; never raises."""
    if not online:
        return False
    try:
        with engine.connect() as connection:
            asked_at = parse_time(read_state(connection, ASKED_AT))
        if accepted == 0 and asked_at is not None and now - asked_at < EVERY:
            return False
        with engine.begin() as connection:
            write_state(connection, ASKED_AT, now.isoformat())
        tasks = read()
        with engine.begin() as connection:
            store_tasks(connection, tasks, now)
    except Exception:  # the list kept stays; the sync round goes on
        log.debug("count tasks not refreshed", exc_info=True)
        return False
    return True
