"""``storeapp ... --as CODE``: in a store with staff, a command that makes an operation signs its
person in (PIN asked without echo, or read with ``--pin-stdin``) and the operation carries their
code; an unknown person, a wrong PIN or a lockout is one sentence and exit code 7."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from storeapp import cli
from storeapp.cache.engine import open_cache_engine
from tests.support.cli import Shell, set_up
from tests.support.ledger_harness import Network
from tests.support.staff import ANNE, MARC, give_staff
from tests.support.store import receive


@pytest.fixture
def staffed(
    sh: Shell, home: Path, ledger: TestClient, network: Network, clock: ManualClock
) -> Path:
    """A terminal of store A set up under ``home``, with Anne and Marc in its cache."""
    receive(ledger, network, "S1", "A", 5)
    set_up(sh, network)
    engine = open_cache_engine(home / "store" / "cache.db")
    give_staff(engine, clock.now(), ANNE, MARC)
    engine.dispose()
    return home


def pin_on_stdin(monkeypatch: pytest.MonkeyPatch, pin: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(pin + "\n"))


def outbox_people(home: Path) -> list[str | None]:
    with sqlite3.connect(home / "store" / "cache.db") as connection:
        rows = connection.execute("SELECT payload FROM outbox ORDER BY id").fetchall()
    return [json.loads(payload).get("person") for (payload,) in rows]


def test_an_operation_without_a_person_is_refused_in_a_store_with_staff(
    sh: Shell, staffed: Path
) -> None:
    result = sh("sell", "S1")
    assert result.code == cli.EXIT_USAGE
    assert "name yourself with --as CODE" in result.err
    assert outbox_people(staffed) == []
    assert sh("lookup", "S1").code == cli.EXIT_OK  # reading needs nobody


def test_a_sale_carries_the_person_who_signed_in(
    sh: Shell, staffed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_on_stdin(monkeypatch, ANNE.pin)
    sold = sh("sell", "S1", "--as", "anne", "--pin-stdin")
    assert sold.code == cli.EXIT_OK, sold
    assert "Sale recorded: 1 x S1" in sold.out
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or MARC.pin)
    counted = sh("count", "submit", "S2", "3", "--as", "marc")
    assert asked == ["PIN for marc: "]
    assert counted.code == cli.EXIT_OK, counted
    assert outbox_people(staffed) == ["anne", "marc"]
    for result in (sold, counted):
        assert ANNE.pin not in result.out + result.err
        assert MARC.pin not in result.out + result.err


def test_unknown_wrong_or_missing_pins_are_one_sentence_and_exit_7(
    sh: Shell, staffed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin_on_stdin(monkeypatch, "1234")
    unknown = sh("sell", "S1", "--as", "zoe", "--pin-stdin")
    assert unknown.code == cli.EXIT_NOT_SIGNED_IN
    assert "No person of this store has the code zoe." in unknown.err
    pin_on_stdin(monkeypatch, "0000")
    wrong = sh("sell", "S1", "--as", "anne", "--pin-stdin")
    assert wrong.code == cli.EXIT_NOT_SIGNED_IN
    assert "Wrong PIN for anne: 4 attempt(s) left before a lockout." in wrong.err
    pin_on_stdin(monkeypatch, "")
    empty = sh("sell", "S1", "--as", "anne", "--pin-stdin")
    assert empty.code == cli.EXIT_NOT_SIGNED_IN
    assert "no PIN was given" in empty.err
    assert outbox_people(staffed) == []


def test_five_wrong_pins_lock_the_person_out_of_this_terminal_for_a_while(
    sh: Shell, staffed: Path, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    for _ in range(5):
        pin_on_stdin(monkeypatch, "0000")
        sh("sell", "S1", "--as", "anne", "--pin-stdin")
    pin_on_stdin(monkeypatch, ANNE.pin)
    locked = sh("sell", "S1", "--as", "anne", "--pin-stdin")
    assert locked.code == cli.EXIT_NOT_SIGNED_IN
    assert "anne is locked out of this terminal for 15 min" in locked.err
    clock.advance(timedelta(minutes=15))
    pin_on_stdin(monkeypatch, ANNE.pin)
    assert sh("sell", "S1", "--as", "anne", "--pin-stdin").code == cli.EXIT_OK
    assert outbox_people(staffed) == ["anne"]


def test_a_store_without_staff_needs_no_person(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "A", 5)
    set_up(sh, network)
    assert sh("sell", "S1").code == cli.EXIT_OK
    named = sh("sell", "S1", "--as", "anne")
    assert named.code == cli.EXIT_OK
    assert "this store has no staff yet: --as anne is ignored" in named.err
    assert outbox_people(home) == [None, None]


def test_the_commands_that_make_operations_take_as_and_pin_stdin(sh: Shell) -> None:
    for argv in (["sell"], ["order"], ["count", "submit"], ["count", "schedule"]):
        shown = sh(*argv, "--help")
        assert "--as CODE" in shown.out, argv
        assert "--pin-stdin" in shown.out, argv
    assert "--as" not in sh("lookup", "--help").out
