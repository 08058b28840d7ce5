"""Counting the shelf against the real ledger in process: a session's scans become a ``CountOp``
in the outbox, and once synced the ledger holds what the shelf held, even while the store sells
(counting during trading). The trap: a sale made before the count and sent after it would be
counted twice, so a count does not start while such a sale waits on this terminal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.contract import CountOp, Disposition, Role, uuid7
from storeapp.cache import outbox
from storeapp.cache.state import CURSOR, read_state
from storeapp.context import StoreContext
from storeapp.services.counting import CountRefusal, CountRefused, CountSession
from storeapp.services.orders import customer
from storeapp.services.reports import Refusal
from tests.support.ledger_harness import Network
from tests.support.store import (
    Cable,
    gtin_of,
    on_hand,
    open_terminal,
    receive,
    sell_elsewhere,
    sync_terminal,
)

CAMILLE = customer("Camille Martin", email="camille@example.org")


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """An associate's terminal at store A, 5 of S1 and 2 of S2 on its shelf, synced."""
    receive(ledger, network, "S1", "A", 5)
    receive(ledger, network, "S2", "A", 2)
    context = open_terminal(
        ledger, network, tmp_path / "till", clock, role=Role.ASSOCIATE, cable=cable
    )
    sync_terminal(context)
    yield context
    context.close()


def shown_on_hand(store: StoreContext, sku: str) -> int:
    view = store.lookup.item_view(sku, live=False)
    assert view is not None
    return view.own.on_hand


def cursor(store: StoreContext) -> int:
    with store.engine.connect() as connection:
        return int(read_state(connection, CURSOR) or "0")


def refusal(action: object) -> CountRefused:
    assert callable(action)
    with pytest.raises(CountRefused) as caught:
        action()
    return caught.value


# --- a count becomes the right delta --------------------------------------------------------


def test_scanned_units_become_a_count_in_the_outbox_and_the_ledger_takes_the_difference(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    session = CountSession(till.counting)
    code = gtin_of(till, "S1")
    for _ in range(3):
        session.scan(code)
    assert [(line.sku, line.counted) for line in session.lines] == [("S1", 3)]
    [line] = session.lines
    assert line.live
    assert line.expected == 5  # what the record said when the count started (never shown)

    [recorded] = session.submit()
    assert session.lines == []
    [entry] = outbox.pending(till.engine, 10)
    assert entry.kind == "count"
    assert entry.payload["sku"] == "S1"
    assert entry.payload["counted"] == 3
    assert entry.payload["as_of_seq"] == recorded.as_of_seq == line.as_of_seq
    assert recorded.difference == -2
    assert shown_on_hand(till, "S1") == 3  # the screens show the count before the ledger has it

    sync_terminal(till)
    assert on_hand(ledger, network, "S1") == 3
    assert outbox.pending(till.engine, 10) == []
    assert shown_on_hand(till, "S1") == 3


def test_sales_made_while_counting_are_not_lost(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    # The record says 5; one unit went missing, so the shelf holds 4.
    session = CountSession(till.counting)
    session.begin("S1")
    for _ in range(4):
        session.scan(gtin_of(till, "S1"))
    till.sales.record("S1", 1)  # a customer buys one of the counted units meanwhile
    sync_terminal(till)  # the sale reaches the ledger before the count
    till.sales.record("S1", 1)  # and another one, sent with the count
    session.submit()
    sync_terminal(till)
    # Found 4, then 2 sold: 2 left, not 4 (the count did not swallow the sales).
    assert on_hand(ledger, network, "S1") == 2
    assert shown_on_hand(till, "S1") == 2


def test_a_count_of_another_tills_sale_is_right_because_the_ledger_position_dates_it(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    # Another till sold one unit; this terminal has not pulled the feed since.
    sell_elsewhere(ledger, network, "S1", 1, "A")
    old_cursor = cursor(till)
    line = CountSession(till.counting).begin("S1")
    assert line.as_of_seq > old_cursor  # the position's own seq, asked live
    assert line.expected == 4
    till.counting.submit([replace(line, counted=4)])
    sync_terminal(till)
    assert on_hand(ledger, network, "S1") == 4  # not 3: that sale is not counted twice


# --- the trap: a sale made before the count, sent after it -----------------------------------


def test_the_trap_a_sale_sent_after_the_counts_position_is_taken_twice(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    """Why the service refuses: a count naming a position older than a sale the shelf already
    reflects takes that sale twice (this test writes the outbox by hand to show it)."""
    till.sales.record("S1", 1)  # sold before the count, not yet sent
    stale = CountOp(
        op="count", op_id=uuid7(), sku="S1", location="A", counted=4, as_of_seq=cursor(till)
    )
    with till.engine.begin() as connection:
        outbox.enqueue(connection, stale, "count 4 x S1", [], till.now(), person=None)
    sync_terminal(till)
    assert on_hand(ledger, network, "S1") == 3  # 4 on the shelf, but the record says 3


def test_a_count_does_not_start_while_sales_of_that_sku_wait_to_be_sent(
    ledger: TestClient, network: Network, till: StoreContext, cable: Cable
) -> None:
    cable.online = False
    till.sales.record("S1", 1)
    session = CountSession(till.counting)
    refused = refusal(lambda: session.scan(gtin_of(till, "S1")))
    assert refused.code is CountRefusal.UNSENT_OPERATIONS
    assert refused.facts["sku"] == "S1"
    assert refused.facts["count"] == 1
    assert refused.facts["summaries"] == ["sale 1 x S1"]
    assert session.lines == []
    session.scan(gtin_of(till, "S2"))  # other SKUs can be counted meanwhile
    assert [line.sku for line in session.lines] == ["S2"]

    cable.online = True
    sync_terminal(till)
    for _ in range(4):
        session.scan(gtin_of(till, "S1"))  # synced: the count starts after that sale
    session.set("S2", 2)
    session.submit()
    sync_terminal(till)
    assert on_hand(ledger, network, "S1") == 4
    assert on_hand(ledger, network, "S2") == 2


def test_a_pending_count_of_the_sku_also_blocks_a_second_one(till: StoreContext) -> None:
    session = CountSession(till.counting)
    session.set("S2", 1)
    session.submit()
    assert refusal(lambda: session.begin("S2")).code is CountRefusal.UNSENT_OPERATIONS


def test_a_job_handed_over_here_and_not_yet_sent_blocks_the_count_of_its_skus(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    placed = till.orders.place("S2", 1, till.orders.collect_here(), CAMILLE)
    sync_terminal(till)
    [job] = till.picking.queue().jobs
    assert job.order_id == str(placed.op_id)
    till.picking.start(job.id)
    till.picking.scan(job.id, gtin_of(till, "S2"))
    till.picking.mark_picked(job.id)
    till.picking.mark_ready(job.id)
    sync_terminal(till)
    till.picking.hand_over(job.id)  # the unit leaves with the customer; not sent yet
    assert refusal(lambda: till.counting.start("S2")).code is CountRefusal.UNSENT_OPERATIONS
    till.counting.start("S1")  # the job does not hold S1
    sync_terminal(till)
    line = till.counting.start("S2")
    till.counting.submit([replace(line, counted=1)])
    sync_terminal(till)
    assert on_hand(ledger, network, "S2") == 1


# --- offline ---------------------------------------------------------------------------------


def test_offline_the_count_waits_in_the_outbox_with_the_cursor_as_its_position(
    ledger: TestClient, network: Network, till: StoreContext, cable: Cable
) -> None:
    cable.online = False
    line = CountSession(till.counting).begin("S1")
    assert not line.live
    assert line.as_of_seq >= cursor(till)
    assert line.expected == 5
    [recorded] = till.counting.submit([replace(line, counted=6)])
    assert shown_on_hand(till, "S1") == 6
    assert till.sync.sync_once().online is False
    assert [e.op_id for e in outbox.pending(till.engine, 10)] == [str(recorded.op_id)]

    cable.online = True
    sync_terminal(till)
    assert on_hand(ledger, network, "S1") == 6


def test_a_terminal_that_never_synced_cannot_count(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> None:
    cable = Cable(ledger._transport)
    cable.online = False
    fresh = open_terminal(
        ledger, network, tmp_path / "new", clock, role=Role.ASSOCIATE, cable=cable
    )
    try:
        with fresh.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO items (sku, reference, name, size, colour, price_minor, "
                    "currency, search_text) VALUES ('S1', 'REF-1', 'Item S1', '85B', 'noir', "
                    "4990, 'EUR', 'item s1')"
                )
            )
        assert refusal(lambda: fresh.counting.start("S1")).code is CountRefusal.NEVER_SYNCED
    finally:
        fresh.close()


# --- what the counter scans or types ---------------------------------------------------------


def test_bad_or_unknown_codes_and_loose_words_are_refused(till: StoreContext) -> None:
    session = CountSession(till.counting)
    good = gtin_of(till, "S1")
    wrong_check = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert refusal(lambda: session.scan(wrong_check)).code is CountRefusal.INVALID_BARCODE
    assert refusal(lambda: session.scan("3760000000000")).code in (
        CountRefusal.UNKNOWN_BARCODE,
        CountRefusal.INVALID_BARCODE,
    )
    assert refusal(lambda: session.scan("NOPE")).code is CountRefusal.NOT_FOUND
    loose = refusal(lambda: session.scan("item s1"))
    assert loose.code is CountRefusal.NOT_EXACT
    assert loose.facts["sku"] == "S1"
    assert session.scan("s1").sku == "S1"  # a SKU typed in any case counts
    assert session.adjust("S1", -5).counted == 0  # never below zero
    assert refusal(lambda: session.set("S1", -1)).code is CountRefusal.BAD_QUANTITY
    assert refusal(lambda: till.counting.submit([])).code is CountRefusal.NOTHING_TO_SUBMIT


# --- tasks -----------------------------------------------------------------------------------


def test_a_sale_below_zero_opens_a_task_listed_live_kept_offline_and_closed_by_the_count(
    ledger: TestClient, network: Network, till: StoreContext, cable: Cable
) -> None:
    till.sales.record("S3", 1)  # the record says none: the sale stands, the position is suspect
    sync_terminal(till)
    tasks = till.counting.tasks()
    assert tasks.live
    assert [(t.sku, t.reason, t.submitted) for t in tasks.tasks] == [("S3", "below_zero", False)]
    assert tasks.tasks[0].name == "Item S3"

    cable.online = False
    offline = till.counting.tasks()
    assert not offline.live
    assert offline.refusal is Refusal.OFFLINE
    assert offline.fetched_at == tasks.fetched_at
    assert [t.sku for t in offline.tasks] == ["S3"]
    line = till.counting.start("S3")
    till.counting.submit([replace(line, counted=2)])
    assert [t.submitted for t in till.counting.tasks().tasks] == [True]

    cable.online = True
    sync_terminal(till)
    assert till.counting.tasks().tasks == []
    assert on_hand(ledger, network, "S3") == 2


def test_scheduling_cycle_counts_is_for_managers(
    ledger: TestClient, network: Network, till: StoreContext, tmp_path: Path, clock: ManualClock
) -> None:
    answer = till.counting.schedule(5)
    assert answer.refusal is Refusal.MANAGERS_ONLY
    manager = open_terminal(ledger, network, tmp_path / "office", clock, role=Role.MANAGER)
    try:
        sync_terminal(manager)
        scheduled = manager.counting.schedule(5)
        assert scheduled.value is not None, scheduled
        assert scheduled.value.location == "A"
        opened = {task.sku for task in scheduled.value.opened}
        assert opened
        assert opened <= {"S1", "S2", "S3"}
        assert {t.sku for t in till.counting.tasks().tasks} == opened
    finally:
        manager.close()


def test_a_return_a_void_or_units_set_aside_not_yet_sent_block_the_count_of_their_sku(
    till: StoreContext,
) -> None:
    till.returns.record("S1", 1, reason=till.returns.reasons()[0])
    assert refusal(lambda: till.counting.start("S1")).code is CountRefusal.UNSENT_OPERATIONS
    till.counting.start("S2")
    sync_terminal(till)
    till.set_aside.move("S2", 1, to=Disposition.DAMAGED)
    assert refusal(lambda: till.counting.start("S2")).code is CountRefusal.UNSENT_OPERATIONS
    sync_terminal(till)
    sale = till.sales.record("S1", 1)
    sync_terminal(till)
    till.counting.start("S1")
    till.voids.void(str(sale.op_id))
    assert refusal(lambda: till.counting.start("S1")).code is CountRefusal.UNSENT_OPERATIONS
    sync_terminal(till)
    till.counting.start("S1")
