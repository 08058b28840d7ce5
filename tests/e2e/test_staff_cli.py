"""``ordersync staff`` as an operator runs it, and a PIN that is nowhere to be found afterwards:
not in the server's log, not in any reply, not in any table, after wrong and right sign-ins on a
real ``ordersync serve``, on both backends.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from ordersync.cli.common import EXIT_REFUSED
from ordersync.contract import Role
from tests.support.ledger_harness import Network
from tests.support.ledger_server import (
    CommandResult,
    assert_readable_failure,
    run_ordersync,
    start_server,
)
from tests.support.staff_ledger import PIN, WRONG_PIN, database_text, run_ordersync_with_input

pytestmark = pytest.mark.e2e

SECOND_PIN = "730591"


def _staff(network: Network, tmp_path: Path, *args: str, stdin: str = "") -> CommandResult:
    return run_ordersync_with_input(
        "--database-url", network.url, "staff", *args, cwd=tmp_path, stdin=stdin
    )


def _listed(network: Network, tmp_path: Path, *args: str) -> list[dict[str, object]]:
    result = _staff(network, tmp_path, "list", "--format", "json", *args)
    assert result.returncode == 0, result.describe()
    listed: list[dict[str, object]] = json.loads(result.stdout)
    return listed


def test_add_list_set_pin_and_disable(seeded_network: Network, tmp_path: Path) -> None:
    added = _staff(
        seeded_network,
        tmp_path,
        "add",
        "marie.d",
        "--name",
        "Marie Dupont",
        "--role",
        "associate",
        "--location",
        "A",
        "--pin-stdin",
        stdin=f"{PIN}\n",
    )
    assert added.returncode == 0, added.describe()
    assert "marie.d (Marie Dupont) added: associate at A" in added.stdout
    boss = _staff(
        seeded_network,
        tmp_path,
        *("add", "paul", "--name", "Paul", "--role", "manager", "--location", "B"),
        "--pin-stdin",
        stdin=f"{PIN}\n",
    )
    assert boss.returncode == 0, boss.describe()
    assert [p["code"] for p in _listed(seeded_network, tmp_path)] == ["marie.d", "paul"]
    assert [p["code"] for p in _listed(seeded_network, tmp_path, "--location", "B")] == ["paul"]
    table = _staff(seeded_network, tmp_path, "list")
    assert table.returncode == 0, table.describe()
    assert "Marie Dupont" in table.stdout
    assert "2 people" in table.stdout
    as_csv = _staff(seeded_network, tmp_path, "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [row["code"] for row in rows] == ["marie.d", "paul"]
    assert set(rows[0]) == {
        "code",
        "name",
        "role",
        "location",
        "active",
        "created_at",
        "updated_at",
    }
    new_pin = _staff(
        seeded_network, tmp_path, "set-pin", "marie.d", "--pin-stdin", stdin=SECOND_PIN
    )
    assert new_pin.returncode == 0, new_pin.describe()
    disabled = _staff(seeded_network, tmp_path, "disable", "marie.d")
    assert disabled.returncode == 0, disabled.describe()
    [marie] = [p for p in _listed(seeded_network, tmp_path) if p["code"] == "marie.d"]
    assert marie["active"] is False
    for result in (added, boss, table, as_csv, new_pin, disabled):
        assert PIN not in result.stdout + result.stderr
        assert SECOND_PIN not in result.stdout + result.stderr


def test_bad_input_gets_one_readable_line(seeded_network: Network, tmp_path: Path) -> None:
    person = ("--name", "Léa", "--role", "associate", "--location", "A")
    weak = _staff(seeded_network, tmp_path, "add", "lea", *person, "--pin-stdin", stdin="1111\n")
    assert_readable_failure(weak)
    assert weak.returncode == EXIT_REFUSED
    assert "repeated digit" in weak.stderr
    no_terminal = _staff(seeded_network, tmp_path, "add", "lea", *person)
    assert_readable_failure(no_terminal)
    assert "--pin-stdin" in no_terminal.stderr
    first = _staff(seeded_network, tmp_path, "add", "lea", *person, "--pin-stdin", stdin=PIN)
    assert first.returncode == 0, first.describe()
    again = _staff(seeded_network, tmp_path, "add", "lea", *person, "--pin-stdin", stdin=PIN)
    assert_readable_failure(again)
    assert "already exists" in again.stderr
    for args in (("set-pin", "nobody", "--pin-stdin"), ("disable", "nobody")):
        unknown = _staff(seeded_network, tmp_path, *args, stdin=PIN)
        assert_readable_failure(unknown)
        assert "no person with code nobody" in unknown.stderr
    elsewhere = _staff(seeded_network, tmp_path, "add", "zoe", *person[:4], "--location", "ZZ")
    assert_readable_failure(elsewhere)
    bad_code = run_ordersync(
        "--database-url", seeded_network.url, "staff", "disable", "two words", cwd=tmp_path
    )
    assert bad_code.returncode == 2, bad_code.describe()
    assert "not a valid staff code" in bad_code.stderr
    help_text = run_ordersync("staff", "add", "--help", cwd=tmp_path).stdout
    assert "--pin-stdin" in help_text
    assert "--pin " not in help_text  # no option takes a PIN: it would stay in shell history


def test_a_pin_is_never_in_the_log_a_reply_or_the_database(
    seeded_network: Network, tmp_path: Path
) -> None:
    added = _staff(
        seeded_network,
        tmp_path,
        *("add", "nina", "--name", "Nina", "--role", "associate", "--location", "A"),
        "--pin-stdin",
        stdin=PIN,
    )
    assert added.returncode == 0, added.describe()
    verbose = ("--log-level", "debug", "--access-log")
    server = start_server(seeded_network.url, seeded_network, 1, tmp_path / "server", verbose)
    replies: list[httpx.Response] = []
    try:
        replies.extend(_sign_ins_and_a_change(server.base_url, server.headers))
    finally:
        server.stop()
    statuses = [reply.status_code for reply in replies]
    assert statuses == [401, 401, 200, 422, 422, 403, 403, 200], [r.text for r in replies]
    for reply in replies:
        assert PIN not in reply.text
        assert WRONG_PIN not in reply.text
    log = server.output()
    assert log.count("/v1/staff/sign-in") >= 7, log  # every request reached the log
    assert PIN not in log
    assert WRONG_PIN not in log
    stored = database_text(seeded_network.engine)
    assert "$argon2id$" in stored  # the verifiers are there...
    assert PIN not in stored  # ...and nothing else of the PIN
    assert WRONG_PIN not in stored
    url = make_url(seeded_network.url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        for suffix in ("", "-wal"):
            file = Path(url.database + suffix)
            if file.exists():
                assert PIN.encode() not in file.read_bytes()


def _sign_ins_and_a_change(
    base_url: str, headers: Callable[..., dict[str, str]]
) -> list[httpx.Response]:
    """Wrong and right PINs, PINs where they do not belong, and a PIN set through the API."""
    replies: list[httpx.Response] = []
    with httpx.Client(base_url=base_url, headers=headers("A")) as client:
        for body in (
            {"code": "nina", "pin": WRONG_PIN},
            {"code": "nina", "pin": WRONG_PIN},
            {"code": "nina", "pin": PIN},
            {"code": "nina", "pin": int(PIN)},  # not a string: refused as invalid
            {"code": "nina", "pin": PIN, "remember": PIN},  # an unknown member
            {"code": PIN, "pin": PIN},  # a PIN typed where the code goes
        ):
            replies.append(client.post("/v1/staff/sign-in", json=body))
        elsewhere = client.post(
            "/v1/staff/sign-in",
            json={"code": "nina", "pin": PIN},
            headers={"Authorization": headers("B")["Authorization"]},
        )
        replies.append(elsewhere)
        replies.append(
            client.put(
                "/v1/staff/nora",
                json={"name": "Nora", "role": "associate", "location": "A", "pin": PIN},
                headers={"Authorization": headers("WH", Role.ADMIN)["Authorization"]},
            )
        )
    return replies
