"""Customer returns at the store against the real ledger in process: a return is one outbox entry
with its local effect (back on sale, or set aside as damaged), checked before it is queued
(reason, disposition, a large quantity), never refused for what only the ledger knows, and
applied exactly once: also when the ledger's reply is lost and the store sends it again."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import DEFAULT_RETURN_REASONS, Disposition, Role, uuid7
from storeapp.cache import outbox
from storeapp.cache.counter import write_reasons
from storeapp.cache.positions import local_dispositions, local_position
from storeapp.context import StoreContext
from storeapp.services.returns import CounterReturns
from storeapp.services.sales import NeedsConfirmation
from storeapp.services.set_aside import StockSetAside
from storeapp.services.voids import SaleVoids
from tests.support.ledger_harness import Network
from tests.support.store import Cable, ledger_position, open_terminal, receive, sync_terminal

RETURN_ID = uuid.UUID("0190a0a0-0000-7000-8000-0000000000a1")


class LosesReplies(Cable):
    """The ledger's transport; while ``lose_push_replies`` is set, a push reaches the ledger and
    commits there, and its reply is lost on the way back."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        super().__init__(inner)
        self.lose_push_replies = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.lose_push_replies and request.url.path.endswith("/ops"):
            raise httpx.ReadError("the reply was lost", request=request)
        return response


@pytest.fixture
def cable(ledger: TestClient) -> LosesReplies:
    return LosesReplies(ledger._transport)


@pytest.fixture
def till(
    ledger: TestClient, network: Network, tmp_path: Path, clock: ManualClock, cable: LosesReplies
) -> Iterator[StoreContext]:
    """A manager's terminal of store A (which holds 5 of S1), synced, through ``cable``."""
    receive(ledger, network, "S1", "A", 5)
    context = open_terminal(ledger, network, tmp_path / "a", clock, role=Role.MANAGER, cable=cable)
    sync_terminal(context)
    yield context
    context.close()


def returns_of(till: StoreContext, new_id: Callable[[], uuid.UUID] = uuid7) -> CounterReturns:
    return CounterReturns(till.engine, till.location, till.now, new_id, person=lambda: None)


def here(till: StoreContext, sku: str = "S1") -> tuple[int, int]:
    """(on hand, unavailable) here, with what the terminal has not sent yet."""
    with till.engine.connect() as connection:
        position = local_position(connection, sku, till.location)
    return position.on_hand, position.unavailable


def test_a_return_is_one_outbox_entry_whose_op_id_is_the_return_id(till: StoreContext) -> None:
    queued = returns_of(till, lambda: RETURN_ID).record("S1", 2, reason="wrong_size")

    [entry] = outbox.pending(till.engine, limit=10)
    assert (entry.id, entry.op_id, queued.op_id) == (queued.outbox_id, str(RETURN_ID), RETURN_ID)
    assert entry.payload == {
        "op": "customer_return",
        "op_id": str(RETURN_ID),
        "person": None,
        "location": "A",
        "lines": [
            {
                "sku": "S1",
                "qty": 2,
                "reason": "wrong_size",
                "disposition": "sellable",
                "order_line_no": None,
            }
        ],
        "order_id": None,
        "sale_op_id": None,
        "occurred_at": till.now().isoformat().replace("+00:00", "Z"),
    }
    assert here(till) == (7, 0)  # back on sale at once


def test_a_damaged_return_is_set_aside_here_and_at_the_ledger(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    returns_of(till).record("S1", reason="faulty", disposition=Disposition.DAMAGED)
    assert here(till) == (6, 1)
    with till.engine.connect() as connection:
        assert local_dispositions(connection, "S1", "A") == {Disposition.DAMAGED: 1}

    sync_terminal(till)

    position = ledger_position(ledger, network, "A", "S1")
    assert (position["on_hand"], position["unavailable"]) == (6, 1)
    assert position["dispositions"] == {"damaged": 1}
    assert outbox.pending(till.engine, limit=10) == []
    assert here(till) == (6, 1)  # the ledger's own figures, from its reply
    with till.engine.connect() as connection:
        assert local_dispositions(connection, "S1", "A") == {Disposition.DAMAGED: 1}


def test_what_the_store_can_check_is_refused_before_anything_is_queued(
    till: StoreContext,
) -> None:
    returns = returns_of(till)
    with pytest.raises(ValueError, match="is not a reason for a return: choose one of wrong_size"):
        returns.record("S1", reason="bored")
    with pytest.raises(ValueError, match="back on sale or is set aside as damaged, not on display"):
        returns.record("S1", reason="faulty", disposition=Disposition.DISPLAY)
    with pytest.raises(ValueError, match="names an order or a sale's receipt, not both"):
        returns.record("S1", reason="faulty", order_id=uuid7(), sale_op_id=uuid7())
    with pytest.raises(ValueError, match="give the order too"):
        returns.record("S1", reason="faulty", order_line_no=1)
    with pytest.raises(ValueError, match="at least one unit"):
        returns.record("S1", 0, reason="faulty")
    assert outbox.pending(till.engine, limit=10) == []


def test_a_return_above_the_limit_waits_for_a_confirmation(till: StoreContext) -> None:
    returns = CounterReturns(till.engine, "A", till.now, confirm_above=3)
    with pytest.raises(NeedsConfirmation) as asked:
        returns.record("S1", 4, reason="other")
    assert (asked.value.qty, asked.value.limit) == (4, 3)
    assert str(asked.value) == "4 units on one line is more than 3: confirm the quantity"
    assert outbox.pending(till.engine, limit=10) == []

    returns.record("S1", 3, reason="other")
    returns.record("S1", 4, reason="other", confirmed=True)
    assert here(till) == (12, 0)


def test_the_reasons_are_the_ledgers_list_as_last_fetched(
    till: StoreContext, cable: LosesReplies
) -> None:
    returns = returns_of(till)
    assert returns.reasons() == list(DEFAULT_RETURN_REASONS)  # never fetched
    with till.engine.begin() as connection:
        write_reasons(connection, ["worn_once"], till.now())
    assert returns.reasons() == ["worn_once"]
    with pytest.raises(ValueError, match="choose one of worn_once"):
        returns.record("S1", reason="wrong_size")

    cable.online = False
    assert returns.refresh_reasons(till.client) is False
    assert returns.reasons() == ["worn_once"]  # offline: the list kept

    cable.online = True
    assert returns.refresh_reasons(till.client) is True
    assert returns.reasons() == list(DEFAULT_RETURN_REASONS)  # the ledger's policy
    assert cable.paths("GET")[-1] == "/v1/returns/reasons"


def test_a_return_naming_an_order_the_network_does_not_know_is_recorded_not_refused(
    ledger: TestClient, network: Network, till: StoreContext
) -> None:
    queued = returns_of(till).record("S1", reason="wrong_size", order_id=uuid7())
    report = till.sync.sync_once()
    assert (report.accepted, report.refused) == (1, 0), report
    assert ledger_position(ledger, network, "A", "S1")["on_hand"] == 6

    reply = ledger.get(f"/v1/returns/{queued.op_id}", headers=network.headers("A", Role.MANAGER))
    assert reply.status_code == 200, reply.text
    assert reply.json()["flags"] == ["unknown_order"]


def test_offline_a_return_waits_in_the_outbox_and_is_sent_once_back_online(
    ledger: TestClient, network: Network, till: StoreContext, cable: LosesReplies
) -> None:
    cable.online = False
    returns_of(till).record("S1", 2, reason="changed_mind")
    assert not till.sync.sync_once().online
    assert len(outbox.pending(till.engine, limit=10)) == 1
    assert here(till) == (7, 0)
    assert ledger_position(ledger, network, "A", "S1")["on_hand"] == 5

    cable.online = True
    sync_terminal(till)
    sync_terminal(till)
    assert ledger_position(ledger, network, "A", "S1")["on_hand"] == 7
    assert outbox.pending(till.engine, limit=10) == []


# --- Exactly once, for every operation of the counter ---------------------------------------


def _return(till: StoreContext) -> Any:
    return returns_of(till).record("S1", 2, reason="faulty", disposition=Disposition.DAMAGED)


def _void(till: StoreContext) -> Any:
    sale = till.sales.record("S1", 2)
    sync_terminal(till)
    voids = SaleVoids(till.engine, "A", till.now, is_manager=lambda: False)
    return voids.void(sale.op_id)


def _set_aside(till: StoreContext) -> Any:
    desk = StockSetAside(till.engine, "A", till.now, is_manager=lambda: False)
    return desk.move("S1", 2, to=Disposition.QUARANTINE)


def _write_off(till: StoreContext) -> Any:
    desk = StockSetAside(till.engine, "A", till.now, is_manager=lambda: True)
    desk.move("S1", 2, to=Disposition.DAMAGED)
    sync_terminal(till)
    return desk.write_off("S1", 2, reason="torn")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_return, (7, 2, {"damaged": 2})),
        (_void, (5, 0, {})),
        (_set_aside, (5, 2, {"quarantine": 2})),
        (_write_off, (3, 0, {})),
    ],
    ids=["return", "void", "set-aside", "write-off"],
)
def test_an_operation_whose_reply_was_lost_is_applied_exactly_once(
    ledger: TestClient,
    network: Network,
    till: StoreContext,
    cable: LosesReplies,
    make: Callable[[StoreContext], Any],
    expected: tuple[int, int, dict[str, int]],
) -> None:
    queued = make(till)
    cable.lose_push_replies = True
    lost = till.sync.sync_once()
    assert lost.accepted == 0
    [waiting] = outbox.pending(till.engine, limit=10)
    assert waiting.op_id == str(queued.op_id)  # no answer: it stays, to be sent again

    cable.lose_push_replies = False
    sync_terminal(till)
    sync_terminal(till)

    position = ledger_position(ledger, network, "A", "S1")
    assert (position["on_hand"], position["unavailable"], position["dispositions"]) == expected
    assert outbox.pending(till.engine, limit=10) == []
    assert outbox.needing_attention(till.engine) == []
    assert here(till) == expected[:2]
