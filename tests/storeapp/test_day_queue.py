"""The manager's day against the real ledger in process: the live queue, "managers only" for an
associate's terminal, the partial view from the cache when the ledger cannot be reached, the
store-local day, and the device heartbeat each sync round sends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp.cache.state import read_all_state
from storeapp.context import StoreContext, open_store
from storeapp.services.day_queue import DayRefused, DayView, Source, job_age, time_to_due
from storeapp.services.reports import Refusal
from storeapp.sync import heartbeat
from storeapp.sync.client import LedgerClient
from tests.support.ledger_harness import Network
from tests.support.store import BusyDay, Cable, busy_day, open_terminal, sync_terminal


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def office(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """The manager's terminal at store A."""
    context = open_terminal(
        ledger, network, tmp_path / "office", clock, role=Role.MANAGER, cable=cable
    )
    yield context
    context.close()


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreContext]:
    """An associate's terminal at store A."""
    context = open_terminal(ledger, network, tmp_path / "till", clock, role=Role.ASSOCIATE)
    yield context
    context.close()


@pytest.fixture
def day(ledger: TestClient, network: Network, clock: ManualClock, office: StoreContext) -> BusyDay:
    return busy_day(ledger, network, clock, office)


def view_of(answer: DayView | DayRefused) -> DayView:
    assert isinstance(answer, DayView), answer
    return answer


# --- live -------------------------------------------------------------------------------------


def test_the_manager_sees_the_days_queue_live(
    office: StoreContext, day: BusyDay, clock: ManualClock
) -> None:
    view = view_of(office.day.day())
    assert view.source is Source.LIVE
    assert (view.location, view.location_name, view.timezone) == ("A", "Store A", "Europe/Paris")
    assert view.day == date(2026, 3, 2)
    [late, *others] = view.open_jobs
    assert (str(late.id), late.late, late.state) == (day.late_job, True, "assigned")
    assert job_age(late) == timedelta(minutes=140)
    assert time_to_due(late) < timedelta(0)
    assert late.units == 3
    assert view.late_jobs == 1
    assert all(not job.late for job in others)
    assert [str(job.id) for job in view.collections_waiting] == [day.collection_job]
    [rejection] = view.rejections
    assert (rejection.job_id, rejection.sku, rejection.reason) == (
        day.rejected_job,
        "S2",
        "not_found",
    )
    assert rejection.name == "Item S2"
    assert rejection.rejected_at == clock.now()  # when the ledger heard of it
    assert view.store_orders is not None
    assert [str(o.order_id) for o in view.store_orders] == [day.store_order]
    assert (view.store_orders_value_minor, view.currency) == (4990, "EUR")
    assert view.jobs_by_state["ready"] == 1
    assert view.open_count_tasks is not None
    assert view.open_count_tasks >= 1  # the short pick asks for a count of S2
    assert view.devices is not None
    [device] = view.devices
    assert (device.device, device.role, device.needs_attention) == ("test-device", "manager", 1)
    assert view.this_device.attention == 1
    assert view.this_device.pending == 0


def test_the_day_asked_is_the_stores_own_calendar_day(
    office: StoreContext, cable: Cable, clock: ManualClock
) -> None:
    sync_terminal(office)
    clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # already the 3rd in Paris
    view = view_of(office.day.day())
    assert view.day == date(2026, 3, 3)
    [request] = [r for r in cable.requests if r.url.path == "/v1/locations/A/day"]
    assert request.url.params["date"] == "2026-03-03"
    cable.online = False
    assert view_of(office.day.day()).day == date(2026, 3, 3)


# --- managers only ---------------------------------------------------------------------------


def test_an_associates_terminal_is_told_managers_only_online_and_offline(
    till: StoreContext, ledger: TestClient
) -> None:
    sync_terminal(till)
    answer = till.day.day()
    assert isinstance(answer, DayRefused)
    assert answer.refusal is Refusal.MANAGERS_ONLY
    assert isinstance(till.day.day(live=False), DayRefused)  # remembered for offline
    assert till.counting.tasks().live  # associates count: that says nothing of reports
    assert isinstance(till.day.day(live=False), DayRefused)


# --- offline ---------------------------------------------------------------------------------


def test_offline_the_manager_gets_the_caches_partial_view_with_its_age(
    office: StoreContext, day: BusyDay, cable: Cable, clock: ManualClock
) -> None:
    clock.advance(timedelta(minutes=12))
    office.sales.record("S1", 1)  # waits in the outbox
    cable.online = False
    view = view_of(office.day.day())
    assert view.source is Source.CACHE
    assert view.offline_refusal is Refusal.OFFLINE
    assert view.offline_reason
    assert view.view_age == timedelta(minutes=12)
    assert str(view.open_jobs[0].id) == day.late_job
    assert view.open_jobs[0].late
    assert job_age(view.open_jobs[0]) == timedelta(minutes=152)  # by this terminal's clock
    assert view.late_jobs == 1
    assert [str(job.id) for job in view.collections_waiting] == [day.collection_job]
    assert [(r.sku, r.reason, r.rejected_at) for r in view.rejections] == [
        ("S2", "not_found", None)
    ]
    assert view.this_device.pending == 1
    assert view.this_device.attention == 1
    assert view.this_device.oldest_pending_at == clock.now()
    # What only the ledger knows is unknown, not zero.
    assert view.devices is None
    assert view.store_orders is None
    assert view.open_count_tasks is None
    assert view.suspect_positions >= 0


def test_a_ledger_without_the_days_queue_gives_the_partial_view(
    office: StoreContext, ledger: TestClient, tmp_path: Path, clock: ManualClock, network: Network
) -> None:
    sync_terminal(office)

    def old_ledger(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/day"):
            return httpx.Response(
                404,
                json={
                    "type": "urn:ordersync:problem:not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "Not Found",
                },
            )
        return ledger._transport.handle_request(request)

    old = open_terminal(
        ledger,
        network,
        tmp_path / "office",
        clock,
        role=Role.MANAGER,
        cable=Cable(httpx.MockTransport(old_ledger)),
    )
    try:
        view = view_of(old.day.day())
        assert view.source is Source.CACHE
        assert view.offline_refusal is Refusal.UNAVAILABLE
    finally:
        old.close()


# --- heartbeat -------------------------------------------------------------------------------


def test_each_sync_round_tells_the_ledger_what_waits_on_this_device(
    office: StoreContext, cable: Cable, clock: ManualClock
) -> None:
    sync_terminal(office)
    assert cable.paths("POST").count("/v1/devices/heartbeat") == 1
    office.sales.record("GONE", 1)  # the ledger will refuse it: an item for a person to check
    cable.requests.clear()
    sync_terminal(office)
    # The heartbeat follows the push, with the outbox as the push left it.
    assert cable.paths("POST") == ["/v1/ops", "/v1/devices/heartbeat"]
    view = view_of(office.day.day())
    assert view.devices is not None
    [device] = view.devices
    assert (device.pending_ops, device.needs_attention, device.minutes_since_seen) == (0, 1, 0)

    cable.requests.clear()
    clock.advance(timedelta(seconds=30))
    sync_terminal(office)  # nothing changed within the minute: no heartbeat
    assert "/v1/devices/heartbeat" not in cable.paths()
    clock.advance(timedelta(seconds=31))
    sync_terminal(office)  # a minute later: "last seen" moves on
    assert "/v1/devices/heartbeat" in cable.paths()


def test_the_heartbeat_reports_waiting_and_refused_operations(
    office: StoreContext, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    sync_terminal(office)
    office.sales.record("GONE", 1)  # refused by the ledger
    sync_terminal(office)
    office.sales.record("S1", 1)
    beat = heartbeat.read_heartbeat(office.engine)
    assert (beat.pending_ops, beat.needs_attention) == (1, 1)
    assert beat.oldest_pending_at == clock.now()
    client = LedgerClient(
        "http://testserver", network.token("A", Role.MANAGER), transport=ledger._transport
    )
    with client:
        assert heartbeat.send_heartbeat(office.engine, client, clock.now(), online=True)
    view = view_of(office.day.day())
    assert view.devices is not None
    [device] = view.devices
    assert (device.pending_ops, device.needs_attention) == (1, 1)
    assert device.oldest_pending_at == clock.now()


def test_an_old_ledger_or_a_broken_network_never_breaks_the_sync(
    office: StoreContext, ledger: TestClient, clock: ManualClock
) -> None:
    calls: list[str] = []

    def old_ledger(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/devices/heartbeat"):
            return httpx.Response(
                404, json={"type": "about:blank", "title": "Not Found", "status": 404}
            )
        return ledger._transport.handle_request(request)

    client = LedgerClient("http://testserver", "token", transport=httpx.MockTransport(old_ledger))
    with client:
        assert not heartbeat.send_heartbeat(office.engine, client, clock.now(), online=True)
        assert calls == ["/v1/devices/heartbeat"]
        assert heartbeat.PAUSED_UNTIL in read_all_state(office.engine)
        clock.advance(timedelta(minutes=30))
        assert not heartbeat.send_heartbeat(office.engine, client, clock.now(), online=True)
        assert calls == ["/v1/devices/heartbeat"]  # not asked again within the hour
        assert not heartbeat.send_heartbeat(office.engine, client, clock.now(), online=False)

    def broken(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/devices/heartbeat"):
            raise httpx.ReadTimeout("no reply", request=request)
        return ledger._transport.handle_request(request)

    clock.advance(timedelta(hours=2))
    flaky = open_terminal_with(office, httpx.MockTransport(broken))
    try:
        report = flaky.sync.sync_once()
        assert report.online, report
        assert report.error is None
    finally:
        flaky.close()


def open_terminal_with(terminal: StoreContext, transport: httpx.BaseTransport) -> StoreContext:
    """A second window on ``terminal``'s cache, reaching the ledger through ``transport``."""
    return open_store(terminal.settings, now=terminal.now, transport=transport)
