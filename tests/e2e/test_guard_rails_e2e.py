"""The fat finger on real processes, on both backends: a real ``ordersync serve`` and store A's
terminal driven by the real ``storeapp`` command in child processes.

``storeapp sell S1 --qty 100000`` is not queued without ``--yes``: the command says how to
confirm and exits non-zero. Confirmed, it is queued (the unit is in hand as far as the terminal
knows), and the ledger refuses it with a 422 problem that names its hard limit per line: the
sale lands in the terminal's "needs attention" list with that sentence, and the ledger's stock
and day history never saw it. Straight to the API, the same line gets the same problem document.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ordersync.contract import Role
from ordersync.domain.counter_policy import DEFAULT_MAX_LINE_UNITS
from tests.support.counter_scenes import StoreShell, day_history, position, receive
from tests.support.e2e_terminals import HeadOffice
from tests.support.ledger_harness import Network
from tests.support.ledger_server import LedgerServer, ServerFactory

pytestmark = pytest.mark.e2e

FAT_FINGER = "100000"
LIMIT = str(DEFAULT_MAX_LINE_UNITS)
"""The routing policy file the server reads keeps the default limit per line."""


@pytest.fixture
def server(seeded_network: Network, ledger_server_factory: ServerFactory) -> LedgerServer:
    return ledger_server_factory(seeded_network, workers=1)


@pytest.fixture
def office(server: LedgerServer) -> Iterator[HeadOffice]:
    ledger = HeadOffice(server)
    receive(ledger, "A", [("S1", 20)])
    yield ledger
    ledger.close()


@pytest.fixture
def till_a(server: LedgerServer, office: HeadOffice, tmp_path: Path) -> StoreShell:
    shell = StoreShell(server, tmp_path / "store-a", "A")
    shell.set_up()
    return shell


def assert_limit_problem(problem: dict[str, object]) -> None:
    assert problem["status"] == 422, problem
    assert str(problem["type"]).endswith("quantity-above-limit"), problem
    assert problem["limit"] == DEFAULT_MAX_LINE_UNITS, problem
    assert LIMIT in str(problem["detail"]), problem


def test_a_fat_finger_sale_needs_yes_and_the_ledger_refuses_it_naming_its_limit(
    server: LedgerServer, office: HeadOffice, till_a: StoreShell
) -> None:
    before = position(office, "A", "S1")
    history = day_history(server, "A")

    unconfirmed = till_a("sell", "S1", "--qty", FAT_FINGER)
    assert unconfirmed.code != 0, unconfirmed
    assert "--yes" in unconfirmed.err, unconfirmed
    assert unconfirmed.err.strip().startswith("error:"), unconfirmed
    assert till_a.outbox() == []

    confirmed = till_a("sell", "S1", "--qty", FAT_FINGER, "--yes")
    assert confirmed.code == 0, confirmed
    [queued] = till_a.outbox()
    assert queued["state"] == "pending"

    sync = till_a.sync()
    assert "refused: 1" in sync.out, sync
    assert LIMIT in sync.err, sync
    [refused] = till_a.outbox()
    assert refused["state"] == "attention"
    assert_limit_problem(refused["problem"])
    status = till_a("status")
    assert status.code == 0, status
    [attention] = [line for line in status.out.splitlines() if line.strip().startswith("•")]
    assert FAT_FINGER in attention, status
    assert LIMIT in attention, status

    # the ledger never saw the sale: its stock and day history are as they were
    assert position(office, "A", "S1") == before
    assert day_history(server, "A") == history
    seen = till_a.cached_position("S1")
    assert seen["on_hand"] == before["on_hand"]


def test_the_api_refuses_a_line_above_the_limit_with_a_problem_document(
    server: LedgerServer, office: HeadOffice
) -> None:
    before = position(office, "A", "S1")
    for kind in ("sale", "return"):
        reply = httpx.post(
            f"{server.base_url}/v1/movements",
            json={
                "op_id": str(uuid.uuid4()),
                "lines": [{"kind": kind, "sku": "S1", "location": "A", "qty": int(FAT_FINGER)}],
            },
            headers=server.headers("A", Role.ASSOCIATE),
            timeout=10,
        )
        assert reply.status_code == 422, reply.text
        assert reply.headers["content-type"] == "application/problem+json"
        assert_limit_problem(reply.json())
    assert position(office, "A", "S1") == before
