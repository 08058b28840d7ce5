"""One picker per job on the store's side: two tills of one store against the real ledger.

The till that starts a job holds it, on its own screen at once and on every till after a sync;
another till is refused before anything is queued; a manager's till takes the job over (it
holds it at once, the ledger agrees after the sync), and the former holder's step queued
offline is refused by the ledger and waits in its "needs attention" list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import PROBLEM_TYPE_PREFIX, RejectReason, Role
from storeapp.cache import outbox
from storeapp.cache.job_holders import this_device
from storeapp.context import StoreContext
from storeapp.services.picking import PickingRefused, PickRefusal
from storeapp.services.reports import remember_access
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, ledger_job, receive, sync_terminal, web_order
from tests.support.tills import open_till

Tills = Callable[..., StoreContext]


@pytest.fixture
def till(
    ledger: TestClient, network: Network, clock: ManualClock, tmp_path: Path
) -> Iterator[Tills]:
    """``till(device, role=...)``: a synced terminal of store A that is that device."""
    opened: list[StoreContext] = []

    def open_one(device: str, role: Role = Role.ASSOCIATE) -> StoreContext:
        terminal = open_till(ledger, network, tmp_path / device, clock, device, role=role)
        opened.append(terminal)
        sync_terminal(terminal)
        return terminal

    yield open_one
    for terminal in opened:
        terminal.close()


def refusal(action: Callable[[], Any]) -> PickingRefused:
    with pytest.raises(PickingRefused) as caught:
        action()
    return caught.value


def waiting(terminal: StoreContext) -> int:
    with terminal.engine.connect() as connection:
        return outbox.counts(connection)[0]


def a_job(ledger: TestClient, network: Network) -> str:
    receive(ledger, network, "S1", "A", 3)
    [job] = web_order(ledger, network, [("S1", 2)])["jobs"]
    return str(job["id"])


def test_the_till_that_starts_holds_the_job_and_the_other_is_refused_before_queueing(
    ledger: TestClient, network: Network, till: Tills
) -> None:
    job_id = a_job(ledger, network)
    first, second = till("TILL-1"), till("TILL-2")
    with first.engine.connect() as connection:
        assert this_device(connection) == "TILL-1"  # the feed says which device asked

    started = first.picking.start(job_id)
    assert started.job.held_by is not None
    assert started.job.held_by.this_terminal  # at once, before the ledger hears of it
    sync_terminal(first)
    sync_terminal(second)

    mine = first.picking.job(job_id)
    assert mine is not None
    assert mine.held_by is not None
    assert mine.held_by.this_terminal
    theirs = second.picking.job(job_id)
    assert theirs is not None
    assert theirs.held_by is not None
    assert (theirs.held_by.device, theirs.held_by.this_terminal) == ("TILL-1", False)

    before = waiting(second)
    gtin = gtin_of(second, "S1")
    for action in (
        lambda: second.picking.scan(job_id, gtin),
        lambda: second.picking.mark_picked(job_id),
        lambda: second.picking.short_pick(job_id, 1, RejectReason.NOT_FOUND),
        lambda: second.picking.unscan(job_id, 1),
    ):
        refused = refusal(action)
        assert refused.code is PickRefusal.HELD_ELSEWHERE
        assert refused.facts["device"] == "TILL-1"
    assert waiting(second) == before

    # Once picked, the job is anyone's: the hold is gone on every till.
    for _ in range(2):
        first.picking.scan(job_id, gtin)
    first.picking.mark_picked(job_id)
    sync_terminal(first)
    sync_terminal(second)
    after = second.picking.job(job_id)
    assert after is not None
    assert (after.state, after.held_by) == ("picked", None)


def test_two_tills_that_start_one_job_offline_end_with_one_holder(
    ledger: TestClient, network: Network, till: Tills
) -> None:
    job_id = a_job(ledger, network)
    first, second = till("TILL-1"), till("TILL-2")
    first.picking.start(job_id)  # neither has synced since: both think nobody holds it
    second.picking.scan(job_id, gtin_of(second, "S1"))  # a scan starts it too

    sync_terminal(first)
    report = second.sync.sync_once()
    assert report.refused == 1, report
    [refused] = second.picking.attention()
    assert (refused.action, refused.problem_type) == ("picking", PROBLEM_TYPE_PREFIX + "job-held")
    job = second.picking.job(job_id)
    assert job is not None
    assert job.held_by is not None
    assert (job.held_by.device, job.held_by.this_terminal) == ("TILL-1", False)
    assert ledger_job(ledger, network, job_id)["held_by"]["device"] == "TILL-1"


def test_a_manager_takes_over_and_the_former_holders_offline_step_needs_attention(
    ledger: TestClient, network: Network, till: Tills
) -> None:
    job_id = a_job(ledger, network)
    first, desk = till("TILL-1"), till("DESK", Role.MANAGER)
    gtin = gtin_of(first, "S1")
    first.picking.start(job_id)
    sync_terminal(first)
    # Offline, the holder carries on: both units scanned and the job marked picked.
    first.picking.scan(job_id, gtin)
    first.picking.scan(job_id, gtin)
    first.picking.mark_picked(job_id)

    sync_terminal(desk)
    assert refusal(lambda: desk.picking.start(job_id)).code is PickRefusal.HELD_ELSEWHERE
    taken = desk.picking.take_over(job_id)
    assert taken.job.held_by is not None
    assert taken.job.held_by.this_terminal
    assert refusal(lambda: desk.picking.take_over(job_id)).code is PickRefusal.ALREADY_HELD
    sync_terminal(desk)
    assert ledger_job(ledger, network, job_id)["held_by"]["device"] == "DESK"

    report = first.sync.sync_once()
    assert report.refused == 1, report
    [late] = first.picking.attention()
    assert (late.action, late.problem_type) == ("picked", PROBLEM_TYPE_PREFIX + "job-held")
    assert late.problem["held_by"]["device"] == "DESK"
    job = first.picking.job(job_id)
    assert job is not None
    assert job.state == "picking"
    assert job.held_by is not None
    assert not job.held_by.this_terminal

    desk.picking.scan(job_id, gtin_of(desk, "S1"))
    desk.picking.scan(job_id, gtin_of(desk, "S1"))
    desk.picking.mark_picked(job_id)
    sync_terminal(desk)
    assert ledger_job(ledger, network, job_id)["state"] == "picked"


def test_a_takeover_is_for_managers_and_for_jobs_being_picked(
    ledger: TestClient, network: Network, till: Tills
) -> None:
    job_id = a_job(ledger, network)
    first, second = till("TILL-1"), till("TILL-2")
    assert refusal(lambda: second.picking.take_over(job_id)).code is PickRefusal.WRONG_STATE
    first.picking.start(job_id)
    sync_terminal(first)
    sync_terminal(second)

    # The ledger said this till is not a manager's: refused here, nothing queued.
    remember_access(second.engine, False)
    before = waiting(second)
    assert refusal(lambda: second.picking.take_over(job_id)).code is PickRefusal.MANAGERS_ONLY
    assert waiting(second) == before

    # When nothing is known, the takeover is queued and the ledger decides.
    remember_access(second.engine, True)
    second.picking.take_over(job_id)
    report = second.sync.sync_once()
    assert report.refused == 1, report
    [refused] = second.picking.attention()
    assert (refused.action, refused.problem_type) == (
        "take_over",
        PROBLEM_TYPE_PREFIX + "forbidden",
    )
    job = second.picking.job(job_id)
    assert job is not None
    assert job.held_by is not None
    assert job.held_by.device == "TILL-1"
