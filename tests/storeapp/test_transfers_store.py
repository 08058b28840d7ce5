"""Transfers at the store against the real ledger in process: store A's manager asks store B for
units; B's terminal picks them by scan and sends them (never refused for the stock its cache
shows, only warned); A receives them. Each step is one outbox entry with its local effect, and
after the syncs both shelves and the transfer are what the ledger says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Role, TransferOrigin
from storeapp import cli
from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.services.motion_sheets import Mark, MotionRefusal, MotionRefused
from storeapp.services.transfers import ShelfShort
from tests.support.cli import Shell, set_up
from tests.support.ledger_harness import Network
from tests.support.store import gtin_of, on_hand, open_terminal, receive, sync_terminal
from tests.support.store_motion import ledger_transfer, receiving_desk, transfer_desk


@pytest.fixture
def manager_a(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreContext]:
    context = open_terminal(ledger, network, tmp_path / "a", clock, role=Role.MANAGER)
    sync_terminal(context)
    yield context
    context.close()


@pytest.fixture
def till_b(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> Iterator[StoreContext]:
    """Store B holds 5 of S1 and 1 of S2."""
    receive(ledger, network, "S1", "B", 5)
    receive(ledger, network, "S2", "B", 1)
    context = open_terminal(ledger, network, tmp_path / "b", clock, location="B")
    sync_terminal(context)
    yield context
    context.close()


def shown_on_hand(store: StoreContext, sku: str) -> int:
    view = store.lookup.item_view(sku, live=False)
    assert view is not None
    return view.own.on_hand


def refused(action: object) -> MotionRefused:
    assert callable(action)
    with pytest.raises(MotionRefused) as caught:
        action()
    return caught.value


def test_a_request_is_one_outbox_entry_whose_op_id_is_the_transfer_id(
    manager_a: StoreContext,
) -> None:
    desk = transfer_desk(manager_a, person=lambda: "MARC")
    queued = desk.request("B", "A", [("S1", 2), (gtin_of(manager_a, "S2"), 1)], note="window")

    [entry] = outbox.pending(manager_a.engine, limit=10)
    assert entry.id == queued.outbox_id
    assert entry.op_id == str(queued.transfer_id)
    assert entry.payload == {
        "op": "request_transfer",
        "op_id": str(queued.transfer_id),
        "person": "MARC",
        "from_location": "B",
        "to_location": "A",
        "lines": [{"sku": "S1", "qty": 2}, {"sku": "S2", "qty": 1}],
        "origin": "manual",
        "note": "window",
        "disposition": "sellable",
    }
    [coming] = desk.requested_here()
    assert (coming.id, coming.state, coming.unconfirmed) == (
        str(queued.transfer_id),
        "requested",
        1,
    )
    assert [(line.sku, line.expected) for line in coming.lines] == [("S1", 2), ("S2", 1)]
    assert desk.to_send() == []


def test_a_request_is_refused_here_when_it_makes_no_sense(manager_a: StoreContext) -> None:
    desk = transfer_desk(manager_a)
    assert refused(lambda: desk.request("A", "A", [("S1", 1)])).code is MotionRefusal.BAD_REQUEST
    assert refused(lambda: desk.request("B", "A", [("S1", 0)])).code is MotionRefusal.BAD_QUANTITY
    assert refused(lambda: desk.request("B", "A", [("NOPE", 1)])).code is MotionRefusal.UNKNOWN_ITEM
    assert outbox.pending(manager_a.engine, limit=10) == []


def test_request_send_and_receive_move_the_units_from_b_to_a(
    ledger: TestClient, network: Network, manager_a: StoreContext, till_b: StoreContext
) -> None:
    queued = transfer_desk(manager_a).request(
        "B", "A", [("S1", 3), ("S2", 2)], origin=TransferOrigin.REBALANCING
    )
    sync_terminal(manager_a)
    sync_terminal(till_b)

    sender = transfer_desk(till_b, prefix=3)
    [to_send] = sender.to_send()
    assert to_send.id == str(queued.transfer_id)
    sheet = sender.open(to_send.id[-8:])
    for _ in range(3):
        sender.scan(sheet.draft_id, gtin_of(till_b, "S1"))
    sender.scan(sheet.draft_id, "S2", units=2)
    assert sender.shelf_short(sheet.draft_id) == [ShelfShort("S2", on_hand=1, sending=2)]
    sent = sender.send(sheet.draft_id)

    assert (sent.units, sent.short) == (5, [ShelfShort("S2", on_hand=1, sending=2)])
    [entry] = outbox.pending(till_b.engine, limit=10)
    assert entry.kind == "send_transfer"
    assert entry.payload["transfer_id"] == str(queued.transfer_id)
    assert entry.payload["lines"] == [
        {"sku": "S1", "qty": 3, "reason": None},
        {"sku": "S2", "qty": 2, "reason": None},
    ]
    assert shown_on_hand(till_b, "S1") == 2
    assert sender.to_send() == []
    assert refused(lambda: sender.open(to_send.id)).code is MotionRefusal.ALREADY_SENT

    report = till_b.sync.sync_once()
    assert (report.accepted, report.refused) == (1, 0), outbox.needing_attention(till_b.engine)
    assert on_hand(ledger, network, "S1", "B") == 2
    sync_terminal(manager_a)

    receiver = receiving_desk(manager_a)
    [coming] = receiver.expected()
    assert (coming.kind, coming.id, coming.state) == ("transfer", to_send.id, "sent")
    receipt = receiver.open(coming.id)
    assert [(x.sku, x.expected) for x in receipt.lines] == [("S1", 3), ("S2", 2)]
    receiver.scan(receipt.draft_id, "S1", units=3)
    receiver.scan(receipt.draft_id, "S2")
    closed = receiver.close(receipt.draft_id)
    assert [(x.sku, x.mark) for x in closed.discrepancies] == [("S2", Mark.UNDER)]
    [arrival] = outbox.pending(manager_a.engine, limit=10)
    assert arrival.kind == "receive_transfer"
    assert arrival.payload["lines"] == [
        {"sku": "S1", "qty": 3, "reason": None},
        {"sku": "S2", "qty": 1, "reason": "missing"},
    ]

    sync_terminal(manager_a)
    assert on_hand(ledger, network, "S1", "A") == 3
    assert on_hand(ledger, network, "S2", "A") == 1
    transfer = ledger_transfer(ledger, network, to_send.id)
    assert transfer["state"] == "received"
    kinds = sorted((d["sku"], d["kind"]) for d in transfer["discrepancies"])
    assert ("S2", "under_received") in kinds
    assert receiving_desk(manager_a).expected() == []


def test_a_manager_cancels_a_requested_transfer(
    ledger: TestClient, network: Network, manager_a: StoreContext
) -> None:
    desk = transfer_desk(manager_a)
    queued = desk.request("B", "A", [("S1", 1)])
    sync_terminal(manager_a)
    cancelled = desk.cancel(str(queued.transfer_id)[-8:], "found them in the stockroom")
    [entry] = outbox.pending(manager_a.engine, limit=10)
    assert entry.payload["op"] == "cancel_transfer"
    assert entry.payload["transfer_id"] == cancelled.transfer_id
    assert entry.payload["reason"] == "found them in the stockroom"
    assert desk.requested_here() == []
    again = refused(lambda: desk.cancel(cancelled.transfer_id, "twice"))
    assert again.code is MotionRefusal.NOT_REQUESTED

    sync_terminal(manager_a)
    assert ledger_transfer(ledger, network, cancelled.transfer_id)["state"] == "cancelled"


def test_a_request_the_ledger_refuses_disappears_and_waits_in_needs_attention(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock
) -> None:
    associate = open_terminal(ledger, network, tmp_path / "assoc", clock)
    try:
        sync_terminal(associate)
        desk = transfer_desk(associate)
        desk.request("B", "A", [("S1", 1)])
        assert len(desk.requested_here()) == 1
        report = associate.sync.sync_once()
        assert report.refused == 1  # asking for a transfer is a manager's
        assert desk.requested_here() == []
        [attention] = outbox.needing_attention(associate.engine)
        assert attention.kind == "request_transfer"
    finally:
        associate.close()


# --- the command line ------------------------------------------------------------------------


def test_transfer_commands_request_list_send_receive_and_cancel(
    sh: Shell, home: Path, ledger: TestClient, network: Network, till_b: StoreContext
) -> None:
    set_up(sh, network, role=Role.MANAGER)
    usage = sh("transfer", "request", "--from", "B")
    assert usage.code == cli.EXIT_USAGE
    assert "--line SKU=QTY" in usage.err
    same = sh("transfer", "request", "--from", "A", "--line", "S1=1")
    assert same.code == cli.EXIT_USAGE
    assert "Not a valid transfer" in same.err

    asked = sh("transfer", "request", "--from", "b", "--line", "S1=2", "--note", "window")
    assert asked.code == cli.EXIT_OK, asked
    transfer_id = asked.out.split("Transfer id: ")[1].split()[0]
    listed = sh("transfer", "list")
    assert "Coming here (1)" in listed.out
    assert transfer_id[-8:].replace("-", "") in listed.out.replace("-", "")
    not_ours = sh("transfer", "send", transfer_id[-8:], "--line", "S1=2")
    assert not_ours.code == cli.EXIT_FAILED
    assert "not for this store" in not_ours.err
    assert sh("sync", "--once").code == cli.EXIT_OK

    sync_terminal(till_b)
    sent = transfer_desk(till_b, prefix=3).send_now(transfer_id, [("S1", 2)])
    assert sent.short == []
    sync_terminal(till_b)
    assert sh("sync", "--once").code == cli.EXIT_OK
    received = sh("transfer", "receive", transfer_id[:36], "--line", "S1=2")
    assert received.code == cli.EXIT_OK, received
    assert "Receipt closed: 2 unit(s), 0 difference(s)." in received.out
    assert sh("sync", "--once").code == cli.EXIT_OK
    assert on_hand(ledger, network, "S1", "A") == 2
    assert ledger_transfer(ledger, network, transfer_id)["state"] == "received"

    second = sh("transfer", "request", "--from", "B", "--line", "S2=1")
    second_id = second.out.split("Transfer id: ")[1].split()[0]
    cancelled = sh("transfer", "cancel", second_id, "--reason", "not needed")
    assert cancelled.code == cli.EXIT_OK, cancelled
    assert "cancelled" in cancelled.out
    again = sh("transfer", "cancel", second_id, "--reason", "twice")
    assert again.code == cli.EXIT_FAILED
    assert "Only a transfer still requested can be cancelled." in again.err
    unknown = sh("transfer", "cancel", "ffff", "--reason", "x")
    assert unknown.code == cli.EXIT_FAILED
    assert "No delivery or transfer ffff here" in unknown.err
