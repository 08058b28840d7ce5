"""The store's open count tasks are kept at each sync, so a terminal that never opened the counts
screen online still lists them offline, with the age of the list; and a terminal with no list at
all says it is offline once, not "cannot reach the ledger: cannot reach the ledger"."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from storeapp import cli
from storeapp.cache.count_tasks import EVERY, TASKS, TASKS_AT, stored_tasks
from storeapp.context import StoreContext
from storeapp.services.reports import Refusal
from tests.support.cli import Shell, set_up
from tests.support.ledger_harness import Network
from tests.support.store import Cable, open_terminal, receive, sell_elsewhere, sync_terminal


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """Store A's terminal, synced once; its counts screen was never opened."""
    receive(ledger, network, "S1", "A", 5)
    context = open_terminal(ledger, network, tmp_path / "till", clock, cable=cable)
    sync_terminal(context)
    yield context
    context.close()


def kept_skus(store: StoreContext) -> list[str]:
    with store.engine.connect() as connection:
        return [task.sku for task in stored_tasks(connection).tasks]


def test_a_sync_keeps_the_task_list_and_offline_it_is_listed_with_its_time(
    ledger: TestClient, network: Network, till: StoreContext, clock: ManualClock, cable: Cable
) -> None:
    sell_elsewhere(ledger, network, "S3", 1, "A")  # below zero at the ledger: a task opens
    clock.advance(EVERY)
    listed_at = clock.now()
    sync_terminal(till)
    assert "/v1/count-tasks" in cable.paths("GET")

    cable.online = False
    clock.advance(timedelta(minutes=14))
    offline = till.counting.tasks()
    assert not offline.live
    assert offline.refusal is Refusal.OFFLINE
    assert offline.fetched_at == listed_at
    assert [(task.sku, task.reason) for task in offline.tasks] == [("S3", "below_zero")]


def test_the_list_is_asked_for_once_a_minute_and_at_once_after_this_terminals_operations(
    ledger: TestClient, network: Network, till: StoreContext, clock: ManualClock, cable: Cable
) -> None:
    sell_elsewhere(ledger, network, "S3", 1, "A")
    sync_terminal(till)  # within the minute of the first sync: not asked again
    assert kept_skus(till) == []

    clock.advance(EVERY)
    sync_terminal(till)
    assert kept_skus(till) == ["S3"]

    till.counting.count_now("S3", 0)  # the count closes the task once the ledger has it
    sync_terminal(till)
    assert kept_skus(till) == []


def test_a_failed_refresh_keeps_the_list_and_the_sync_round_goes_on(
    ledger: TestClient, network: Network, till: StoreContext, clock: ManualClock
) -> None:
    sell_elsewhere(ledger, network, "S3", 1, "A")
    clock.advance(EVERY)
    sync_terminal(till)
    kept_at = till.counting.tasks(live=False).fetched_at

    def no_tasks(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/count-tasks"):
            return httpx.Response(403, json={"title": "Not allowed for this device"})
        return ledger._transport.handle_request(request)

    refusing = open_terminal(
        ledger, network, till.settings.data_dir, clock, cable=httpx.MockTransport(no_tasks)
    )
    try:
        clock.advance(EVERY)
        assert refusing.sync.sync_once().online
        assert refusing.counting.tasks(live=False).fetched_at == kept_at
        assert kept_skus(refusing) == ["S3"]
    finally:
        refusing.close()


def test_count_tasks_offline_prints_the_kept_list(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    sell_elsewhere(ledger, network, "S3", 1, "A")
    set_up(sh, network)  # setup syncs once: the list is kept

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    clock.advance(timedelta(minutes=14))
    result = sh("count", "tasks", transport=httpx.MockTransport(refuse))
    assert result.code == cli.EXIT_OK, result
    assert "S3" in result.out
    assert "the ledger did not answer: the list it gave at" in result.err


def test_without_a_list_the_command_says_offline_once(
    sh: Shell, network: Network, home: Path
) -> None:
    set_up(sh, network)
    with sqlite3.connect(home / "store" / "cache.db") as connection:  # a cache older than the list
        connection.execute("DELETE FROM sync_state WHERE key IN (?, ?)", (TASKS, TASKS_AT))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    result = sh("count", "tasks", transport=httpx.MockTransport(refuse))
    assert result.code == cli.EXIT_OFFLINE, result
    assert result.err.count("cannot reach the ledger") == 1, result.err
    assert "offline: cannot reach the ledger" in result.err
