"""Voiding counter sales at the store against the real ledger in process: the terminal that made
a sale voids it the same store day, a manager later or another terminal's; a void is one outbox
entry that puts the units back here at once, and after the sync the ledger's stock is as if the
sale had never happened. A sale is voided once; one the ledger refused has nothing to void."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, Role, SaleLine, uuid7
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.services.reports import known_access
from storeapp.services.staff import StaffPerson
from storeapp.services.voids import SaleVoids, VoidRefusal, VoidRefused, manager_check
from tests.support.ledger_harness import Network
from tests.support.store import Cable, on_hand, open_terminal, receive, sync_terminal

VOID_ID = uuid.UUID("0190a0a0-0000-7000-8000-0000000000b1")
MARC = StaffPerson("marc", "Marc Manager", Role.MANAGER.value)
ANNE = StaffPerson("anne", "Anne Associate", Role.ASSOCIATE.value)


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """An associate's terminal of store A (which holds 5 of S1), synced, through ``cable``."""
    receive(ledger, network, "S1", "A", 5)
    context = open_terminal(ledger, network, tmp_path / "a", clock, cable=cable)
    sync_terminal(context)
    yield context
    context.close()


def voids_of(
    till: StoreContext,
    manager: bool = False,
    new_id: Callable[[], uuid.UUID] = uuid7,
) -> SaleVoids:
    return SaleVoids(till.engine, "A", till.now, new_id, is_manager=lambda: manager)


def shown_on_hand(till: StoreContext) -> int:
    view = till.lookup.item_view("S1", live=False)
    assert view is not None
    return view.own.on_hand


def refusal(action: Callable[[], object]) -> VoidRefused:
    with pytest.raises(VoidRefused) as caught:
        action()
    return caught.value


def test_a_void_is_one_outbox_entry_that_puts_the_units_back_here(till: StoreContext) -> None:
    sale = till.sales.record("S1", 2)
    voids = voids_of(till, new_id=lambda: VOID_ID)
    [recent] = voids.recent()
    assert (recent.op_id, recent.sku, recent.qty, recent.voided) == (sale.op_id, "S1", 2, False)

    queued = voids.void(str(sale.op_id), "typed twice")

    assert (queued.op_id, queued.sale_op_id, queued.lines) == (VOID_ID, sale.op_id, (("S1", 2),))
    [_sold, entry] = outbox.pending(till.engine, limit=10)
    assert entry.payload == {
        "op": "void_sale",
        "op_id": str(VOID_ID),
        "person": None,
        "sale_op_id": str(sale.op_id),
        "reason": "typed twice",
    }
    assert shown_on_hand(till) == 5
    assert [s.voided for s in voids.recent()] == [True]


def test_after_the_sync_the_ledger_stock_is_as_if_the_sale_never_happened(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    sale = till.sales.record("S1", 2)
    sync_terminal(till)
    assert on_hand(ledger, network, "S1") == 3
    till.sales.record("S1", 1)  # still in the outbox when the void is made: it stays sold
    voids_of(till).void(sale.op_id)

    report = till.sync.sync_once()
    assert (report.accepted, report.refused) == (2, 0), report
    assert on_hand(ledger, network, "S1") == 4
    assert shown_on_hand(till) == 4


def test_a_sale_is_voided_once(ledger: TestClient, network: Network, till: StoreContext) -> None:
    sale = till.sales.record("S1", 1)
    voids = voids_of(till)
    voids.void(sale.op_id)
    assert refusal(lambda: voids.void(sale.op_id)).refusal is VoidRefusal.ALREADY_VOIDED
    assert len(outbox.pending(till.engine, limit=10)) == 2

    sync_terminal(till)
    refused = refusal(lambda: voids.void(sale.op_id))
    assert refused.refusal is VoidRefusal.ALREADY_VOIDED
    assert str(refused) == f"sale {sale.op_id} is already voided"
    assert on_hand(ledger, network, "S1") == 5


def test_a_sale_of_an_earlier_store_day_is_a_managers_to_void(
    ledger: TestClient, network: Network, till: StoreContext, clock: ManualClock
) -> None:
    sale = till.sales.record("S1", 1)
    sync_terminal(till)
    clock.advance(timedelta(days=1))

    refused = refusal(lambda: voids_of(till).void(sale.op_id))
    assert refused.refusal is VoidRefusal.EARLIER_DAY
    assert "an earlier store day: only a manager voids it" in str(refused)
    assert outbox.pending(till.engine, limit=10) == []

    with pytest.raises(VoidRefused):
        voids_of(till).void(sale.op_id, approver=ANNE)  # an associate's PIN approves nothing
    queued = voids_of(till).void(sale.op_id, approver=MARC)
    [entry] = outbox.pending(till.engine, limit=10)
    assert entry.payload["person"] == "marc"
    assert entry.op_id == str(queued.op_id)


def test_another_terminals_sale_is_voided_by_a_manager_and_the_ledger_finds_its_units(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    elsewhere = uuid7()
    batch = MovementBatch(
        op_id=elsewhere, lines=[SaleLine(kind="sale", sku="S1", location="A", qty=2)]
    )
    reply = ledger.post(
        "/v1/movements",
        json=batch.model_dump(mode="json"),
        headers=network.headers("A", Role.MANAGER),
    )
    assert reply.status_code == 201, reply.text
    assert on_hand(ledger, network, "S1") == 3

    refused = refusal(lambda: voids_of(till).void(elsewhere))
    assert refused.refusal is VoidRefusal.NOT_THIS_TERMINAL
    assert (
        str(refused) == f"sale {elsewhere} was not made on this terminal: only a manager voids it"
    )

    queued = voids_of(till, manager=True).void(elsewhere)
    assert queued.lines == ()  # which units, only the ledger knows
    sync_terminal(till)
    assert on_hand(ledger, network, "S1") == 5


def test_a_sale_the_ledger_refused_has_nothing_to_void(till: StoreContext) -> None:
    sale = till.sales.record("GONE", 1)  # no such item at the ledger
    report = till.sync.sync_once()
    assert report.refused == 1, report
    assert [s.refused for s in voids_of(till).recent()] == [True]
    refused = refusal(lambda: voids_of(till, manager=True).void(sale.op_id))
    assert refused.refusal is VoidRefusal.SALE_REFUSED


def test_a_receipt_reference_that_is_not_one_is_a_sentence(till: StoreContext) -> None:
    with pytest.raises(ValueError, match="is not a receipt reference"):
        voids_of(till).void("12-34")
    with pytest.raises(ValueError, match="at most 200 characters"):
        voids_of(till).void(uuid7(), "x" * 201)


def test_offline_a_void_waits_in_the_outbox_and_is_sent_once_back_online(
    ledger: TestClient, network: Network, till: StoreContext, cable: Cable
) -> None:
    sale = till.sales.record("S1", 1)
    sync_terminal(till)
    cable.online = False
    voids_of(till).void(sale.op_id)
    assert not till.sync.sync_once().online
    assert len(outbox.pending(till.engine, limit=10)) == 1
    assert shown_on_hand(till) == 5

    cable.online = True
    sync_terminal(till)
    sync_terminal(till)
    assert on_hand(ledger, network, "S1") == 5


def test_who_counts_as_a_manager_at_this_terminal(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, till: StoreContext
) -> None:
    shift = till.shift
    is_manager = manager_check(till.engine, shift, till.client)
    shift.begin(MARC)
    assert is_manager()
    shift.begin(ANNE)
    assert not is_manager()
    shift.end()
    assert known_access(till.engine) is None
    assert not is_manager()  # nobody signed in: the ledger says this token is an associate's
    assert known_access(till.engine) is False

    desk = open_terminal(ledger, network, tmp_path / "desk", clock, role=Role.MANAGER)
    try:
        assert manager_check(desk.engine, desk.shift, desk.client)()
        assert manager_check(desk.engine, desk.shift)()  # remembered
    finally:
        desk.close()
