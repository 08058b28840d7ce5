"""Pick & pack against the real ledger in process: web orders reach the store's cache through the
feed, units are confirmed by scanning, transitions and short picks travel through the outbox, and
two devices of one store racing on the same job never do anything twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import RejectReason, with_check_digit
from storeapp.cache import outbox
from storeapp.cache.feed_apply import reset_view
from storeapp.context import StoreContext
from storeapp.services.picking import PickingRefused, PickRefusal
from storeapp.sync.engine import SyncReport
from tests.support.ledger_harness import Network
from tests.support.store import (
    gtin_of,
    ledger_job,
    ledger_position,
    open_terminal,
    receive,
    sync_terminal,
    web_order,
)

# --- helpers ---------------------------------------------------------------------------------


def cached_position(store: StoreContext, sku: str) -> tuple[int, int]:
    with store.engine.connect() as connection:
        row = connection.execute(
            text("SELECT on_hand, reserved FROM positions WHERE sku = :sku AND location = :loc"),
            {"sku": sku, "loc": store.location},
        ).one()
    return int(row[0]), int(row[1])


def job_transitions_on_ledger(network: Network) -> list[str]:
    """Every job transition the ledger recorded (its audit log), in order."""
    with network.engine.connect() as connection:
        return [
            str(op)
            for (op,) in connection.execute(
                text("SELECT operation FROM audit_log WHERE operation LIKE 'job.%' ORDER BY id")
            )
        ]


@pytest.fixture
def second_device(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreContext]:
    """Another terminal of store A, on its own cache."""
    context = open_terminal(ledger, network, tmp_path / "store-a-till-2", clock)
    yield context
    context.close()


def refusal(action: Any) -> PickRefusal:
    with pytest.raises(PickingRefused) as caught:
        action()
    return caught.value.code


# --- the queue -------------------------------------------------------------------------------


def test_a_web_order_routed_to_the_store_reaches_its_queue_through_the_feed(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 3)
    sync_terminal(store)
    assert store.picking.queue().jobs == []

    order = web_order(ledger, network, [("S1", 2)])
    [placed] = order["jobs"]
    assert placed["location"] == "A"
    assert store.picking.queue().jobs == []  # nobody refreshes by hand: the next sync brings it

    sync_terminal(store)
    queue = store.picking.queue()
    [job] = queue.jobs
    assert job.id == placed["id"]
    assert (job.state, job.kind, job.customer_name) == ("assigned", "ship", "Camille Martin")
    assert [(line.sku, line.qty, line.scanned, line.name) for line in job.lines] == [
        ("S1", 2, 0, "Item S1")
    ]
    assert queue.counts == {"assigned": 1}
    assert not job.late
    assert cached_position(store, "S1") == (3, 2)
    assert store.picking.resolve(job.id[:8]) == job.id
    # The live reads give the same job the feed brought.
    [live] = store.client.jobs()
    assert (str(live.id), live.state.value, live.due_at) == (job.id, "assigned", job.due_at)
    assert store.client.get_job(job.id).lines[0].sku == "S1"


def test_the_queue_lists_oldest_due_first_and_flags_late_jobs_offline(
    ledger: TestClient, network: Network, store: StoreContext, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 5)
    first = web_order(ledger, network, [("S1", 1)])["jobs"][0]["id"]
    clock.advance(timedelta(minutes=30))
    second = web_order(ledger, network, [("S1", 1)])["jobs"][0]["id"]
    sync_terminal(store)
    queue = store.picking.queue()
    assert [job.id for job in queue.jobs] == [first, second]
    assert queue.late == 0

    # No sync any more: the store's own clock says the first job missed its service level.
    clock.advance(timedelta(minutes=100))
    queue = store.picking.queue()
    assert [job.late for job in queue.jobs] == [True, False]
    assert queue.late == 1
    store.picking.start(first)
    assert [job.late for job in store.picking.queue().jobs] == [False, False]
    assert store.picking.queue().counts == {"picking": 1, "assigned": 1}


# --- picking by scans, packing, shipping ------------------------------------------------------


def test_pick_by_scans_pack_and_ship_with_the_ledger_right_at_each_step(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S2", "A", 2)
    receive(ledger, network, "S3", "A", 1)
    [placed] = web_order(ledger, network, [("S1", 2), ("S2", 1)])["jobs"]
    sync_terminal(store)
    job_id = placed["id"]
    s1, s2, s3 = gtin_of(store, "S1"), gtin_of(store, "S2"), gtin_of(store, "S3")
    picking = store.picking

    # A wrong item does not start the job (a right one would: test_pick_scan_starts).
    assert refusal(lambda: picking.scan(job_id, s3)) is PickRefusal.NOT_ON_PICK_LIST
    assert picking.job(job_id).state == "assigned"  # type: ignore[union-attr]
    assert refusal(lambda: picking.pack(job_id, 1, 500)) is PickRefusal.WRONG_STATE
    started = picking.start(job_id)
    assert (started.job.state, started.job.ledger_state) == ("picking", "assigned")
    sync_terminal(store)
    assert ledger_job(ledger, network, job_id)["state"] == "picking"
    assert store.picking.job(job_id).unconfirmed == 0  # type: ignore[union-attr]

    assert refusal(lambda: picking.scan(job_id, "3760000000001")) is PickRefusal.INVALID_BARCODE
    assert refusal(lambda: picking.scan(job_id, "12345")) is PickRefusal.INVALID_BARCODE
    unknown = with_check_digit("999999999999")
    assert refusal(lambda: picking.scan(job_id, unknown)) is PickRefusal.UNKNOWN_BARCODE
    assert refusal(lambda: picking.scan(job_id, s3)) is PickRefusal.NOT_ON_PICK_LIST
    assert refusal(lambda: picking.mark_picked(job_id)) is PickRefusal.NOT_ALL_SCANNED

    first = picking.scan(job_id, s1)
    assert (first.line.sku, first.line.scanned, first.complete) == ("S1", 1, False)
    assert picking.scan(job_id, s1).line.scanned == 2
    assert refusal(lambda: picking.scan(job_id, s1)) is PickRefusal.TOO_MANY
    last = picking.scan(job_id, s2)
    assert last.complete
    assert last.job.scanned_units == last.job.units == 3

    picking.mark_picked(job_id)
    sync_terminal(store)
    assert ledger_job(ledger, network, job_id)["state"] == "picked"
    assert ledger_position(ledger, network, "A", "S1")["reserved"] == 2
    assert cached_position(store, "S1") == (3, 2)

    assert refusal(lambda: picking.pack(job_id, 0, 500)) is PickRefusal.BAD_PARCELS
    assert refusal(lambda: picking.ship(job_id, "COLIS-1")) is PickRefusal.WRONG_STATE
    packed = picking.pack(job_id, 1, 640)
    assert (packed.job.parcels, packed.job.weight_grams) == (1, 640)
    sync_terminal(store)
    on_ledger = ledger_job(ledger, network, job_id)
    assert (on_ledger["state"], on_ledger["parcels"], on_ledger["weight_grams"]) == (
        "packed",
        1,
        640,
    )

    shipped = picking.ship(job_id, "COLIS-123")
    assert shipped.job.state == "shipped"
    assert [line.state for line in shipped.job.lines] == ["shipped", "shipped"]
    assert picking.queue().jobs == []  # done on this device at once
    sync_terminal(store)
    on_ledger = ledger_job(ledger, network, job_id)
    assert (on_ledger["state"], on_ledger["tracking"]) == ("shipped", "COLIS-123")
    for sku, left in (("S1", 1), ("S2", 1)):
        position = ledger_position(ledger, network, "A", sku)
        assert (position["on_hand"], position["reserved"]) == (left, 0)
        assert cached_position(store, sku) == (left, 0)
    [done] = picking.queue(include_done=True).jobs
    assert (done.state, done.ledger_state, done.unconfirmed) == ("shipped", "shipped", 0)
    assert picking.attention() == []


def test_the_whole_job_can_be_done_offline_and_is_sent_in_order_once(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 2)
    [placed] = web_order(ledger, network, [("S1", 1)])["jobs"]
    sync_terminal(store)
    job_id = placed["id"]
    picking = store.picking
    picking.start(job_id)
    picking.scan(job_id, gtin_of(store, "S1"))
    picking.mark_picked(job_id)
    picking.pack(job_id, 1, 300)
    picking.ship(job_id, "COLIS-9")
    with store.engine.connect() as connection:
        assert outbox.counts(connection) == (4, 0)

    sync_terminal(store)
    sync_terminal(store)
    assert ledger_job(ledger, network, job_id)["state"] == "shipped"
    assert job_transitions_on_ledger(network) == [
        "job.picking",
        "job.picked",
        "job.packed",
        "job.shipped",
    ]
    assert ledger_position(ledger, network, "A", "S1")["on_hand"] == 1


def test_scanned_units_survive_a_restart_and_can_be_taken_back(
    ledger: TestClient, network: Network, store: StoreContext, tmp_path: Path, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 3)
    [placed] = web_order(ledger, network, [("S1", 2)])["jobs"]
    sync_terminal(store)
    job_id = placed["id"]
    store.picking.start(job_id)
    store.picking.scan(job_id, gtin_of(store, "S1"))
    store.picking.scan(job_id, gtin_of(store, "S1"))

    again = open_terminal(ledger, network, tmp_path / "store-a", clock)
    try:
        job = again.picking.job(job_id)
        assert job is not None
        assert (job.state, job.lines[0].scanned) == ("picking", 2)
        assert again.picking.unscan(job_id, 1).scanned == 1
        assert refusal(lambda: again.picking.mark_picked(job_id)) is PickRefusal.NOT_ALL_SCANNED
    finally:
        again.close()


# --- short picks ------------------------------------------------------------------------------


def test_a_short_pick_reroutes_on_the_ledger_and_the_job_leaves_the_queue(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 3)
    [placed] = web_order(ledger, network, [("S1", 1)])["jobs"]
    sync_terminal(store)
    job_id = placed["id"]
    store.picking.start(job_id)
    store.picking.scan(job_id, gtin_of(store, "S1"))

    recorded = store.picking.short_pick(job_id, 1, RejectReason.NOT_FOUND, "not on the shelf")
    assert recorded.job.state == "rejected"
    assert recorded.job.lines[0].unconfirmed
    assert recorded.job.lines[0].scanned == 0
    assert store.picking.queue().jobs == []
    assert ledger_position(ledger, network, "B", "S1")["reserved"] == 0

    sync_terminal(store)
    assert ledger_job(ledger, network, job_id)["state"] == "rejected"
    shelf = ledger_position(ledger, network, "A", "S1")
    assert (shelf["reserved"], shelf["suspect"]) == (0, True)
    assert ledger_position(ledger, network, "B", "S1")["reserved"] == 1
    assert cached_position(store, "S1") == (3, 0)
    assert store.picking.queue().jobs == []
    [done] = store.picking.queue(include_done=True).jobs
    assert (done.ledger_state, done.lines[0].reject_reason, done.unconfirmed) == (
        "rejected",
        "not_found",
        0,
    )


def test_a_line_cannot_be_short_picked_once_the_job_is_picked(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    [placed] = web_order(ledger, network, [("S1", 1)])["jobs"]
    sync_terminal(store)
    job_id = placed["id"]
    store.picking.start(job_id)
    store.picking.scan(job_id, gtin_of(store, "S1"))
    store.picking.mark_picked(job_id)
    assert (
        refusal(lambda: store.picking.short_pick(job_id, 1, RejectReason.DAMAGED))
        is PickRefusal.WRONG_STATE
    )
    assert refusal(lambda: store.picking.short_pick(job_id, 7, RejectReason.DAMAGED)) is (
        PickRefusal.UNKNOWN_LINE
    )
    cancelled = store.picking.cancel(job_id)
    assert cancelled.job.state == "cancelled"
    sync_terminal(store)
    assert ledger_job(ledger, network, job_id)["state"] == "cancelled"
    assert ledger_position(ledger, network, "A", "S1")["reserved"] == 0


# --- two devices of one store -----------------------------------------------------------------


def test_two_devices_racing_on_one_job_never_do_anything_twice(
    ledger: TestClient,
    network: Network,
    store: StoreContext,
    second_device: StoreContext,
) -> None:
    receive(ledger, network, "S1", "A", 3)
    [placed] = web_order(ledger, network, [("S1", 1)])["jobs"]
    job_id = placed["id"]
    sync_terminal(store)
    sync_terminal(second_device)

    # Both start the same job on their own view; the first to reach the ledger wins.
    store.picking.start(job_id)
    second_device.picking.start(job_id)
    sync_terminal(store)
    sync_terminal(second_device)
    [lost] = second_device.picking.attention()
    assert (lost.job_id, lost.action, lost.current_state) == (job_id, "picking", "picking")
    assert lost.problem_type.endswith("invalid-state")
    seen = second_device.picking.job(job_id)
    assert seen is not None
    assert (seen.state, seen.ledger_state, seen.unconfirmed) == ("picking", "picking", 0)
    assert store.picking.attention() == []

    # The first device picks and packs; both then ship it with their own parcel label.
    store.picking.scan(job_id, gtin_of(store, "S1"))
    store.picking.mark_picked(job_id)
    store.picking.pack(job_id, 1, 200)
    sync_terminal(store)
    sync_terminal(second_device)
    assert second_device.picking.job(job_id).state == "packed"  # type: ignore[union-attr]
    store.picking.ship(job_id, "COLIS-A")
    second_device.picking.ship(job_id, "COLIS-B")
    sync_terminal(store)
    sync_terminal(second_device)

    on_ledger = ledger_job(ledger, network, job_id)
    assert (on_ledger["state"], on_ledger["tracking"]) == ("shipped", "COLIS-A")
    position = ledger_position(ledger, network, "A", "S1")
    assert (position["on_hand"], position["reserved"]) == (2, 0)
    assert job_transitions_on_ledger(network) == [
        "job.picking",
        "job.picked",
        "job.packed",
        "job.shipped",
    ]
    refused = second_device.picking.attention()
    assert [(a.action, a.current_state) for a in refused] == [
        ("picking", "picking"),
        ("shipped", "shipped"),
    ]
    shown = second_device.picking.job(job_id)
    assert shown is not None
    assert (shown.state, shown.tracking) == ("shipped", "COLIS-A")
    assert cached_position(second_device, "S1") == (2, 0)


# --- the local view against the ledger's ------------------------------------------------------


def test_an_accepted_action_stands_until_the_feed_brings_the_job_back(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 2)
    [placed] = web_order(ledger, network, [("S1", 1)])["jobs"]
    sync_terminal(store)
    job_id = placed["id"]
    store.picking.start(job_id)

    # The ledger accepts the transition, but the connection drops before the feed is pulled.
    store.sync.push(SyncReport())
    assert ledger_job(ledger, network, job_id)["state"] == "picking"
    job = store.picking.job(job_id)
    assert job is not None
    assert (job.state, job.ledger_state, job.unconfirmed) == ("picking", "assigned", 1)

    sync_terminal(store)
    job = store.picking.job(job_id)
    assert job is not None
    assert (job.state, job.ledger_state, job.unconfirmed) == ("picking", "picking", 0)


def test_a_new_bootstrap_keeps_the_scans_and_unsent_actions(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "A", 3)
    [placed] = web_order(ledger, network, [("S1", 2)])["jobs"]
    sync_terminal(store)
    job_id = placed["id"]
    store.picking.start(job_id)
    sync_terminal(store)
    store.picking.scan(job_id, gtin_of(store, "S1"))
    store.picking.short_pick(job_id, 1, RejectReason.DAMAGED)

    reset_view(store.engine)
    assert store.picking.job(job_id) is None
    sync_terminal(store)
    job = store.picking.job(job_id)
    assert job is not None
    assert (job.state, job.ledger_state, job.lines[0].reject_reason) == (
        "rejected",
        "rejected",
        "damaged",
    )
    assert ledger_job(ledger, network, job_id)["lines"][0]["reject_reason"] == "damaged"


def test_another_stores_jobs_never_reach_this_cache(
    ledger: TestClient, network: Network, store: StoreContext
) -> None:
    receive(ledger, network, "S1", "B", 2)
    [placed] = web_order(ledger, network, [("S1", 1)])["jobs"]
    assert placed["location"] == "B"
    sync_terminal(store)
    assert store.picking.queue(include_done=True).jobs == []
    assert refusal(lambda: store.picking.start(placed["id"])) is PickRefusal.UNKNOWN_JOB
    assert refusal(lambda: store.picking.resolve(placed["id"][:8])) is PickRefusal.UNKNOWN_JOB
