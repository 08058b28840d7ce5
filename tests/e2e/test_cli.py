"""The ``ordersync`` command as an operator runs it: real processes, on both backends."""

from __future__ import annotations

import argparse
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ordersync.cli import build_parser
from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, uuid7
from ordersync.db.engine import create_ledger_engine
from ordersync.db.migrate import current_revision, head_revision
from ordersync.db.writer import run_in_transaction
from ordersync.services.operations import operation_work
from tests.support.ledger_harness import POSTGRES_URL, START, SYSTEM, Network, seed_network
from tests.support.ledger_server import (
    CommandResult,
    ServerFactory,
    assert_readable_failure,
    free_port,
    run_in_process,
    run_ordersync,
)

pytestmark = pytest.mark.e2e

TOKEN = re.compile(r"^osk_[A-Za-z0-9_-]{20,}$")


def run_all(commands: list[list[str]], cwd: Path) -> list[CommandResult]:
    """Run several ``ordersync`` commands side by side (each one pays the import time)."""
    with ThreadPoolExecutor(max(1, len(commands))) as pool:
        return list(pool.map(lambda args: run_ordersync(*args, cwd=cwd), commands))


def receive(network: Network, sku: str, location: str, qty: int) -> None:
    batch = MovementBatch.model_validate(
        {
            "op_id": str(uuid7()),
            "lines": [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}],
        }
    )
    outcome = run_in_transaction(
        network.engine, network.clock, operation_work("movements", SYSTEM, batch)
    )
    assert outcome.status == 201, outcome.body


# --- token create --------------------------------------------------------------------------


def test_token_create_prints_a_working_bearer_token_alone_on_its_last_line(
    seeded_network: Network,
    ledger_server_factory: ServerFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = seeded_network.url
    associate, manager = run_all(
        [
            ["--database-url", url, "token", "create", "--location", "A", "--role", "associate"],
            [
                "--database-url",
                url,
                "token",
                "create",
                "--location",
                "B",
                "--role",
                "manager",
                "--device",
                "back-office",
            ],
        ],
        tmp_path,
    )
    # a third one, to be revoked before its first use
    revoked = run_in_process(
        ["--database-url", url, "token", "create", "--location", "A", "--role", "associate"],
        capsys,
        monkeypatch,
    )
    tokens = []
    for result in (associate, manager, revoked):
        assert result.returncode == 0, result.describe()
        lines = result.stdout.rstrip("\n").split("\n")
        assert TOKEN.match(lines[-1]), result.describe()
        # the token is shown once, on its own line, and nowhere else in the output
        assert result.stdout.count(lines[-1]) == 1
        tokens.append(lines[-1])
    assert len(set(tokens)) == 3
    token_id = re.search(r"token (\d+) for", revoked.stdout)
    assert token_id is not None, revoked.describe()
    revoke = run_ordersync(
        "--database-url", url, "token", "revoke", token_id.group(1), cwd=tmp_path
    )
    assert revoke.returncode == 0, revoke.describe()

    server = ledger_server_factory(seeded_network, workers=1)
    with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {tokens[0]}"})
        assert me.status_code == 200, me.text
        assert (me.json()["location"], me.json()["role"]) == ("A", "associate")
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {tokens[1]}"})
        assert me.status_code == 200, me.text
        body = me.json()
        assert (body["location"], body["role"], body["device"]) == ("B", "manager", "back-office")
        # the associate token acts at its own store, and only there
        mine = client.get("/v1/changes", headers={"Authorization": f"Bearer {tokens[0]}"})
        assert mine.status_code == 200, mine.text
        theirs = client.get(
            "/v1/changes",
            params={"location": "B"},
            headers={"Authorization": f"Bearer {tokens[0]}"},
        )
        assert theirs.status_code == 403, theirs.text
        for bad in (tokens[2], tokens[0] + "x"):
            refused = client.get("/v1/me", headers={"Authorization": f"Bearer {bad}"})
            assert refused.status_code == 401, refused.text
            assert refused.headers["content-type"] == "application/problem+json"


def test_token_create_for_an_unknown_location_is_refused_readably(
    seeded_network: Network, tmp_path: Path
) -> None:
    result = run_ordersync(
        "--database-url",
        seeded_network.url,
        "token",
        "create",
        "--location",
        "NOWHERE",
        "--role",
        "associate",
        cwd=tmp_path,
    )
    assert_readable_failure(result)
    assert "NOWHERE" in result.stderr
    assert "osk_" not in result.stdout


# --- check ---------------------------------------------------------------------------------


def test_check_passes_on_a_consistent_ledger_and_names_a_corrupted_position(
    seeded_network: Network, tmp_path: Path
) -> None:
    receive(seeded_network, "S1", "A", 5)
    receive(seeded_network, "S2", "B", 3)
    url = seeded_network.url

    good = run_ordersync("--database-url", url, "check", cwd=tmp_path)
    assert good.returncode == 0, good.describe()
    assert "ledger is consistent: 2 positions agree with 2 movements" in good.stdout

    with seeded_network.engine.begin() as connection:
        connection.execute(
            text("UPDATE positions SET on_hand = on_hand + 1 WHERE sku = 'S1' AND location = 'A'")
        )
    bad = run_ordersync("--database-url", url, "check", cwd=tmp_path)
    assert bad.returncode != 0, bad.describe()
    assert "Traceback" not in bad.stderr, bad.describe()
    # the position changed by hand is named; the network total, still right, is not blamed
    assert "A SKU S1: on hand 6 recorded, its movements add up to 5" in bad.stderr, bad.describe()
    assert "network total" not in bad.stderr, bad.describe()
    assert "S2" not in bad.stderr


# --- help ----------------------------------------------------------------------------------


def command_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += command_paths(sub, (*prefix, name))
    return paths


def test_help_works_on_every_command_and_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = command_paths(build_parser())
    assert {
        ("serve",),
        ("db", "upgrade"),
        ("check",),
        ("token", "create"),
        ("token", "revoke"),
        ("demo-data",),
        ("demo",),
    } <= set(paths)
    for path in paths:
        result = run_in_process([*path, "--help"], capsys, monkeypatch)
        assert result.returncode == 0, result.describe()
        assert result.stdout.startswith(f"usage: ordersync {' '.join(path)}".rstrip())
        assert result.stderr == "", result.describe()
    # the installed command, for real: a subcommand's help, and no command at all
    real, bare = run_all([["token", "create", "--help"], []], tmp_path)
    assert real.returncode == 0, real.describe()
    assert real.stdout.startswith("usage: ordersync token create")
    assert "--location" in real.stdout
    assert bare.returncode == 2, bare.describe()
    assert "usage: ordersync" in bare.stderr
    assert "Traceback" not in bare.stderr


# --- bad database URLs ---------------------------------------------------------------------


BAD_URLS = {
    "garbage": "this is not a database url",
    "unknown-driver": "mysql://someone@127.0.0.1:3306/ledger",
    "refused": "postgresql+psycopg://nobody@127.0.0.1:1/ledger",
    "sqlite-cannot-create": "sqlite:////proc/ordersync-no-such-dir/ledger.db",
}
URL_COMMANDS = {
    "check": ["check"],
    "db-upgrade": ["db", "upgrade"],
    "token-create": ["token", "create", "--location", "A", "--role", "admin"],
    "token-revoke": ["token", "revoke", "1"],
    "demo-data": ["demo-data"],
}


@pytest.mark.parametrize("command", list(URL_COMMANDS.values()), ids=list(URL_COMMANDS))
@pytest.mark.parametrize("url", list(BAD_URLS.values()), ids=list(BAD_URLS))
def test_a_bad_database_url_gives_a_readable_error(
    url: str,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = run_in_process(["--database-url", url, *command], capsys, monkeypatch)
    assert_readable_failure(result)


def test_a_bad_database_url_fails_serve_and_check_readably_in_a_real_process(
    tmp_path: Path,
) -> None:
    url = BAD_URLS["refused"]
    serve, check = run_all(
        [
            ["--database-url", url, "serve", "--port", str(free_port())],
            ["--database-url", url, "check"],
        ],
        tmp_path,
    )
    for result in (serve, check):
        assert_readable_failure(result)
        assert "cannot use the database" in result.stderr, result.describe()
        assert "127.0.0.1" in result.stderr


def test_check_on_a_database_without_the_schema_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    result = run_in_process(["--database-url", f"sqlite:///{empty}", "check"], capsys, monkeypatch)
    assert_readable_failure(result)


# --- db upgrade ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that exists (PostgreSQL) or not even that (SQLite), with no schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'not-yet' / 'ledger.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("set ORDERSYNC_TEST_DATABASE_URL to run the PostgreSQL tests")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"ordersync_e_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_db_upgrade_is_idempotent_and_keeps_the_data(
    unmigrated_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = unmigrated_url
    for _ in range(2):
        result = run_ordersync("--database-url", url, "db", "upgrade", cwd=tmp_path)
        assert result.returncode == 0, result.describe()
        assert "database is at the latest schema" in result.stdout
    engine = create_ledger_engine(url, writer=False)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()

    network = seed_network(url, ManualClock(START))
    try:
        receive(network, "S1", "A", 4)
    finally:
        network.engine.dispose()
    again = run_in_process(["--database-url", url, "db", "upgrade"], capsys, monkeypatch)
    assert again.returncode == 0, again.describe()
    check = run_in_process(["--database-url", url, "check"], capsys, monkeypatch)
    assert check.returncode == 0, check.describe()
    assert "1 positions agree with 1 movements" in check.stdout
