"""Units set aside at the store against the real ledger in process: a move between dispositions
and a manager's write-off are each one outbox entry whose effect shows here at once (on hand,
unavailable, per disposition), refused before anything is queued when the shelf holds fewer
units there (counting what this terminal has not sent yet), and after the sync the cache holds
the ledger's own figures, from its reply and from the feed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Disposition, DispositionLine, DispositionMove, Role, uuid7
from storeapp.cache import outbox
from storeapp.cache.positions import LocalPosition, local_dispositions, local_position
from storeapp.context import StoreContext
from storeapp.services.set_aside import SetAsideRefusal, SetAsideRefused, StockSetAside
from storeapp.services.staff import StaffPerson
from tests.support.ledger_harness import Network
from tests.support.store import (
    Cable,
    ledger_position,
    open_terminal,
    order,
    receive,
    sync_terminal,
)

MOVE_ID = uuid.UUID("0190a0a0-0000-7000-8000-0000000000c1")
MARC = StaffPerson("marc", "Marc Manager", Role.MANAGER.value)

DAMAGED = Disposition.DAMAGED
SELLABLE = Disposition.SELLABLE


@pytest.fixture
def cable(ledger: TestClient) -> Cable:
    return Cable(ledger._transport)


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: Cable
) -> Iterator[StoreContext]:
    """A manager's terminal of store A (which holds 5 of S1), synced, through ``cable``."""
    receive(ledger, network, "S1", "A", 5)
    context = open_terminal(ledger, network, tmp_path / "a", clock, role=Role.MANAGER, cable=cable)
    sync_terminal(context)
    yield context
    context.close()


def desk_of(
    till: StoreContext, manager: bool = False, new_id: Callable[[], uuid.UUID] = uuid7
) -> StockSetAside:
    return StockSetAside(till.engine, "A", till.now, new_id, is_manager=lambda: manager)


def here(till: StoreContext) -> LocalPosition:
    with till.engine.connect() as connection:
        return local_position(connection, "S1", "A")


def refusal(action: Callable[[], object]) -> SetAsideRefused:
    with pytest.raises(SetAsideRefused) as caught:
        action()
    return caught.value


def test_setting_units_aside_is_one_outbox_entry_that_shows_here_at_once(
    till: StoreContext,
) -> None:
    queued = desk_of(till, new_id=lambda: MOVE_ID).move("S1", 2, to=DAMAGED, reason="dropped")

    [entry] = outbox.pending(till.engine, limit=10)
    assert (entry.id, entry.op_id, queued.op_id) == (queued.outbox_id, str(MOVE_ID), MOVE_ID)
    assert entry.payload["op"] == "move_disposition"
    assert entry.payload["lines"] == [
        {"sku": "S1", "qty": 2, "from_disposition": "sellable", "to_disposition": "damaged"}
    ]
    assert entry.payload["reason"] == "dropped"
    position = here(till)
    assert (position.on_hand, position.unavailable, position.sellable) == (5, 2, 3)
    assert position.dispositions == {DAMAGED: 2}
    view = till.lookup.item_view("S1", live=False)
    assert view is not None
    assert view.own.on_hand == 5


def test_after_the_sync_the_cache_holds_the_ledgers_dispositions(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    desk = desk_of(till)
    desk.move("S1", 2, to=DAMAGED)
    desk.move("S1", 1, to=Disposition.DISPLAY, from_=DAMAGED)
    assert here(till).dispositions == {DAMAGED: 1, Disposition.DISPLAY: 1}

    report = till.sync.sync_once()

    assert (report.accepted, report.refused) == (2, 0), report
    position = ledger_position(ledger, network, "A", "S1")
    assert (position["on_hand"], position["unavailable"]) == (5, 2)
    assert position["dispositions"] == {"damaged": 1, "display": 1}
    cached = here(till)
    assert (cached.on_hand, cached.unavailable) == (5, 2)
    assert cached.dispositions == {DAMAGED: 1, Disposition.DISPLAY: 1}

    desk.move("S1", 1, to=SELLABLE, from_=Disposition.DISPLAY)
    sync_terminal(till)
    assert ledger_position(ledger, network, "A", "S1")["dispositions"] == {"damaged": 1}
    assert here(till).unavailable == 1


def test_the_feed_brings_what_another_terminal_set_aside(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    move = DispositionMove(
        op_id=uuid7(),
        location="A",
        lines=[DispositionLine(sku="S1", qty=3, to_disposition=Disposition.QUARANTINE)],
    )
    reply = ledger.post(
        "/v1/dispositions",
        json=move.model_dump(mode="json"),
        headers=network.headers("A", Role.ASSOCIATE),
    )
    assert reply.status_code == 201, reply.text

    sync_terminal(till)

    with till.engine.connect() as connection:
        assert local_dispositions(connection, "S1", "A") == {Disposition.QUARANTINE: 3}
    assert here(till).unavailable == 3


def test_more_units_than_the_shelf_holds_there_is_refused_before_anything_is_queued(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    till.sales.record("S1", 1)  # not sent yet: 4 on sale here
    desk = desk_of(till)
    refused = refusal(lambda: desk.move("S1", 5, to=DAMAGED))
    assert (refused.refusal, refused.held, refused.disposition) == (
        SetAsideRefusal.NOT_ENOUGH,
        4,
        SELLABLE,
    )
    assert (
        str(refused)
        == "S1: only 4 unit(s) on sale and not held for an order here, fewer than the 5 asked"
    )
    refused = refusal(lambda: desk.move("S1", 1, to=SELLABLE, from_=DAMAGED))
    assert (refused.refusal, refused.held) == (SetAsideRefusal.NOT_ENOUGH, 0)
    assert "only 0 unit(s) damaged here" in str(refused)
    assert refusal(lambda: desk.move("S1", 1, to=DAMAGED, from_=DAMAGED)).refusal is (
        SetAsideRefusal.SAME_DISPOSITION
    )
    assert len(outbox.pending(till.engine, limit=10)) == 1  # the sale only


def test_units_an_order_holds_do_not_leave_the_shelf(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    placed = order(ledger, network, 1, [("S1", 2)])
    assert any(job["location"] == "A" for job in placed["jobs"])
    sync_terminal(till)
    assert here(till).reserved == 2

    refused = refusal(lambda: desk_of(till).move("S1", 4, to=DAMAGED))
    assert refused.held == 3
    desk_of(till).move("S1", 3, to=DAMAGED)


def test_a_write_off_is_a_managers_and_takes_units_set_aside_out_of_the_stock(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    desk_of(till).move("S1", 3, to=DAMAGED)
    associate = desk_of(till, manager=False)
    refused = refusal(lambda: associate.write_off("S1", 1, reason="torn"))
    assert (refused.refusal, str(refused)) == (
        SetAsideRefusal.MANAGERS_ONLY,
        "only a manager writes units off",
    )
    assert refusal(
        lambda: associate.write_off("S1", 1, disposition=SELLABLE, reason="torn", approver=MARC)
    ).refusal is (SetAsideRefusal.UNITS_ON_SALE)
    assert refusal(lambda: associate.write_off("S1", 4, reason="torn", approver=MARC)).held == 3
    with pytest.raises(ValueError, match="a write-off needs a reason"):
        associate.write_off("S1", 1, reason="  ", approver=MARC)
    assert len(outbox.pending(till.engine, limit=10)) == 1

    queued = desk_of(till, manager=True).write_off("S1", 2, reason="torn beyond repair")
    entry = outbox.pending(till.engine, limit=10)[-1]
    assert entry.op_id == str(queued.op_id)
    assert entry.payload["lines"] == [{"sku": "S1", "qty": 2, "disposition": "damaged"}]
    assert entry.payload["reason"] == "torn beyond repair"
    position = here(till)
    assert (position.on_hand, position.unavailable, position.dispositions) == (3, 1, {DAMAGED: 1})

    sync_terminal(till)
    ledger_view = ledger_position(ledger, network, "A", "S1")
    assert (ledger_view["on_hand"], ledger_view["unavailable"]) == (3, 1)
    assert outbox.pending(till.engine, limit=10) == []


def test_offline_a_move_waits_in_the_outbox_and_is_sent_once_back_online(
    ledger: TestClient, network: Network, till: StoreContext, cable: Cable
) -> None:
    cable.online = False
    desk_of(till).move("S1", 2, to=Disposition.QUARANTINE)
    assert not till.sync.sync_once().online
    assert here(till).dispositions == {Disposition.QUARANTINE: 2}
    assert ledger_position(ledger, network, "A", "S1")["unavailable"] == 0

    cable.online = True
    sync_terminal(till)
    sync_terminal(till)
    assert ledger_position(ledger, network, "A", "S1")["dispositions"] == {"quarantine": 2}
    assert here(till).dispositions == {Disposition.QUARANTINE: 2}
