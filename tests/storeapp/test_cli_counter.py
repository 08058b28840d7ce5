"""``storeapp sell --yes``, ``return``, ``void``, ``set-aside`` and ``writeoff`` in process against
the real ledger: a quantity above the store's limit is queued only with ``--yes``; each command
queues one operation, which the next sync applies exactly once; offline they wait in the outbox;
a refusal is one sentence and its exit code (5 where only a manager may)."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp import cli
from storeapp.cache.engine import open_cache_engine
from tests.support.cli import Shell, barcode_of, set_up
from tests.support.ledger_harness import Network
from tests.support.staff import ANNE, MARC, give_staff
from tests.support.store import ledger_position, on_hand, receive

RECEIPT = re.compile(r"Receipt reference: ([0-9a-f-]{36})")


def offline() -> httpx.MockTransport:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    return httpx.MockTransport(refuse)


def queued(home: Path) -> list[dict[str, Any]]:
    """The payloads waiting in the terminal's outbox, oldest first."""
    with sqlite3.connect(home / "store" / "cache.db") as connection:
        rows = connection.execute(
            "SELECT payload FROM outbox WHERE state = 'pending' ORDER BY id"
        ).fetchall()
    return [json.loads(payload) for (payload,) in rows]


@pytest.fixture
def store_a(sh: Shell, ledger: TestClient, network: Network) -> None:
    """A terminal of store A (which holds 5 of S1) set up with an associate's token."""
    receive(ledger, network, "S1", "A", 5)
    set_up(sh, network)


def synced(sh: Shell) -> None:
    result = sh("sync", "--once")
    assert result.code == cli.EXIT_OK, result


# --- storeapp sell ---------------------------------------------------------------------------


@pytest.mark.usefixtures("store_a")
def test_a_fat_fingered_sale_is_not_queued_without_yes(sh: Shell, home: Path) -> None:
    result = sh("sell", "S1", "--qty", "100000")
    assert result.code == cli.EXIT_FAILED, result
    assert (
        "100,000 units on one line is more than 10: nothing was recorded; run the command again "
        "with --yes if the quantity is right"
    ) in result.err
    assert queued(home) == []

    confirmed = sh("sell", "S1", "--qty", "100000", "--yes")
    assert confirmed.code == cli.EXIT_OK, confirmed
    [sale] = queued(home)
    assert sale["lines"] == [{"kind": "sale", "sku": "S1", "location": "A", "qty": 100000}]
    assert RECEIPT.search(confirmed.out) is not None


@pytest.mark.usefixtures("store_a")
def test_the_limit_is_a_setting(sh: Shell, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREAPP_CONFIRM_UNITS_ABOVE", "2")
    assert sh("sell", "S1", "--qty", "3").code == cli.EXIT_FAILED
    assert sh("return", "S1", "--qty", "3", "--reason", "faulty").code == cli.EXIT_FAILED
    assert sh("sell", "S1", "--qty", "2").code == cli.EXIT_OK
    assert len(queued(home)) == 1


# --- storeapp return -------------------------------------------------------------------------


@pytest.mark.usefixtures("store_a")
def test_a_return_is_queued_and_applied_once(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    result = sh("return", barcode_of(home, "S1"), "--qty", "2", "--reason", "wrong_size")
    assert result.code == cli.EXIT_OK, result
    assert "Return recorded: 2 x S1, back on sale." in result.out
    assert "Here now: 7 on hand, 7 on sale." in result.out
    [payload] = queued(home)
    assert payload["op"] == "customer_return"
    assert payload["lines"][0]["reason"] == "wrong_size"

    synced(sh)
    synced(sh)
    assert on_hand(ledger, network, "S1") == 7
    assert queued(home) == []


@pytest.mark.usefixtures("store_a")
def test_a_damaged_return_linked_to_a_sale_by_its_receipt(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    sold = sh("sell", "S1")
    match = RECEIPT.search(sold.out)
    assert match is not None, sold.out
    result = sh("return", "S1", "--reason", "faulty", "--damaged", "--receipt", match.group(1))
    assert result.code == cli.EXIT_OK, result
    assert "Return recorded: 1 x S1, set aside as damaged." in result.out
    assert "Set aside: 1 damaged" in result.out
    assert queued(home)[-1]["sale_op_id"] == match.group(1)

    synced(sh)
    position = ledger_position(ledger, network, "A", "S1")
    assert (position["on_hand"], position["dispositions"]) == (5, {"damaged": 1})


@pytest.mark.usefixtures("store_a")
def test_a_return_names_an_order_and_its_line(sh: Shell, home: Path) -> None:
    order_id = str(uuid.uuid4())
    result = sh("return", "S1", "--reason", "other", "--order", order_id, "--line", "2")
    assert result.code == cli.EXIT_OK, result
    [payload] = queued(home)
    assert (payload["order_id"], payload["lines"][0]["order_line_no"]) == (order_id, 2)


@pytest.mark.usefixtures("store_a")
def test_what_a_return_cannot_be_is_one_sentence(sh: Shell, home: Path) -> None:
    bad_reason = sh("return", "S1", "--reason", "bored")
    assert bad_reason.code == cli.EXIT_FAILED, bad_reason
    assert "bored is not a reason for a return: choose one of wrong_size, changed_mind" in (
        bad_reason.err
    )
    no_reason = sh("return", "S1")
    assert no_reason.code == cli.EXIT_USAGE
    assert "say why with --reason" in no_reason.err
    line_alone = sh("return", "S1", "--reason", "other", "--line", "1")
    assert line_alone.code == cli.EXIT_USAGE
    bad_order = sh("return", "S1", "--reason", "other", "--order", "42")
    assert bad_order.code == cli.EXIT_USAGE
    assert "42 is not an order number" in bad_order.err
    both = sh("return", "S1", "--reason", "other", "--order", str(uuid.uuid4()), "--receipt", "x")
    assert both.code == cli.EXIT_USAGE
    bad_receipt = sh("return", "S1", "--reason", "other", "--receipt", "12-34")
    assert bad_receipt.code == cli.EXIT_FAILED
    assert "12-34 is not a receipt reference" in bad_receipt.err
    assert queued(home) == []


@pytest.mark.usefixtures("store_a")
def test_the_reasons_come_from_the_ledger_or_the_list_last_known(sh: Shell) -> None:
    listed = sh("return", "--reasons")
    assert listed.code == cli.EXIT_OK, listed
    assert re.search(r"wrong_size\s+.*wrong size", listed.out)
    assert re.search(r"changed_mind\s+.*changed their mind", listed.out)
    assert listed.err == ""
    cached = sh("return", "--reasons", transport=offline())
    assert cached.code == cli.EXIT_OK
    assert "these are the reasons this terminal knew" in cached.err
    assert "wrong_size" in cached.out


# --- storeapp void ---------------------------------------------------------------------------


@pytest.mark.usefixtures("store_a")
def test_a_sale_is_voided_by_its_receipt_reference_once(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    sold = sh("sell", "S1", "--qty", "2")
    match = RECEIPT.search(sold.out)
    assert match is not None
    synced(sh)
    assert on_hand(ledger, network, "S1") == 3

    voided = sh("void", match.group(1), "--reason", "wrong item scanned")
    assert voided.code == cli.EXIT_OK, voided
    assert f"Sale {match.group(1)} voided: 2 x S1 back in stock." in voided.out
    again = sh("void", match.group(1))
    assert again.code == cli.EXIT_FAILED
    assert f"sale {match.group(1)} is already voided" in again.err
    recent = sh("void", "--recent")
    assert recent.code == cli.EXIT_OK, recent
    assert match.group(1) in recent.out
    assert "voided" in recent.out

    synced(sh)
    synced(sh)
    assert on_hand(ledger, network, "S1") == 5
    assert queued(home) == []


@pytest.mark.usefixtures("store_a")
def test_another_terminals_sale_is_a_managers_to_void(sh: Shell, home: Path) -> None:
    result = sh("void", str(uuid.uuid4()))
    assert result.code == cli.EXIT_REFUSED, result
    assert "was not made on this terminal: only a manager voids it" in result.err
    assert queued(home) == []
    assert sh("void").code == cli.EXIT_USAGE


# --- storeapp set-aside and writeoff ---------------------------------------------------------


@pytest.mark.usefixtures("store_a")
def test_units_set_aside_and_put_back(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    moved = sh("set-aside", "S1", "--qty", "2", "--to", "display", "--reason", "window")
    assert moved.code == cli.EXIT_OK, moved
    assert "2 x S1 moved from on sale to on display." in moved.out
    assert "Here now: 5 on hand, 3 on sale." in moved.out
    back = sh("set-aside", "S1", "--to", "sellable", "--from", "display")
    assert back.code == cli.EXIT_OK, back
    too_many = sh("set-aside", "S1", "--qty", "9", "--to", "damaged")
    assert too_many.code == cli.EXIT_FAILED
    assert "S1: only 4 unit(s) on sale and not held for an order here, fewer than the 9" in (
        too_many.err
    )
    assert sh("set-aside", "S1", "--to", "lost").code == cli.EXIT_USAGE

    synced(sh)
    assert ledger_position(ledger, network, "A", "S1")["dispositions"] == {"display": 1}
    assert len(queued(home)) == 0


def test_a_write_off_is_refused_to_an_associate_and_done_by_a_manager(
    sh: Shell, home: Path, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 5)
    set_up(sh, network, role=Role.ASSOCIATE)
    assert sh("set-aside", "S1", "--qty", "2", "--to", "damaged").code == cli.EXIT_OK
    refused = sh("writeoff", "S1", "--reason", "torn")
    assert refused.code == cli.EXIT_REFUSED, refused
    assert "only a manager writes units off" in refused.err
    synced(sh)

    set_up(sh, network, role=Role.MANAGER)
    done = sh("writeoff", "S1", "--qty", "2", "--reason", "torn")
    assert done.code == cli.EXIT_OK, done
    assert "2 x S1 written off (damaged)." in done.out
    assert "Here now: 3 on hand, 3 on sale." in done.out
    synced(sh)
    position = ledger_position(ledger, network, "A", "S1")
    assert (position["on_hand"], position["unavailable"]) == (3, 0)
    assert sh("writeoff", "S1").code == cli.EXIT_USAGE  # --reason is required


def test_in_a_store_with_staff_the_person_signed_in_decides(
    sh: Shell,
    home: Path,
    ledger: TestClient,
    network: Network,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receive(ledger, network, "S1", "A", 5)
    set_up(sh, network, role=Role.MANAGER)
    engine = open_cache_engine(home / "store" / "cache.db")
    give_staff(engine, clock.now(), ANNE, MARC)
    engine.dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO(ANNE.pin + "\n"))
    assert sh("set-aside", "S1", "--to", "damaged", "--as", "anne", "--pin-stdin").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(ANNE.pin + "\n"))
    refused = sh("writeoff", "S1", "--reason", "torn", "--as", "anne", "--pin-stdin")
    assert refused.code == cli.EXIT_REFUSED, refused
    assert "only a manager writes units off (a manager runs it with --as CODE)" in refused.err
    monkeypatch.setattr("sys.stdin", io.StringIO(MARC.pin + "\n"))
    done = sh("writeoff", "S1", "--reason", "torn", "--as", "marc", "--pin-stdin")
    assert done.code == cli.EXIT_OK, done
    assert [p.get("person") for p in queued(home)] == ["anne", "marc"]
    assert sh("void", "--recent").code == cli.EXIT_OK  # reading needs nobody
    assert sh("return", "--reasons").code == cli.EXIT_OK


# --- Offline ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("store_a")
def test_offline_every_counter_command_waits_in_the_outbox(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    down = offline()
    sold = sh("sell", "S1", "--qty", "2", transport=down)
    match = RECEIPT.search(sold.out)
    assert match is not None
    assert sh("void", match.group(1), transport=down).code == cli.EXIT_OK
    assert sh("return", "S1", "--reason", "faulty", "--damaged", transport=down).code == 0
    assert sh("set-aside", "S1", "--to", "quarantine", transport=down).code == cli.EXIT_OK
    assert [p["op"] for p in queued(home)] == [
        "movements",
        "void_sale",
        "customer_return",
        "move_disposition",
    ]
    assert on_hand(ledger, network, "S1") == 5

    synced(sh)
    synced(sh)
    position = ledger_position(ledger, network, "A", "S1")
    assert (position["on_hand"], position["dispositions"]) == (6, {"damaged": 1, "quarantine": 1})
    assert queued(home) == []
