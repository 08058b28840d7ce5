"""``ordersync init`` and ``ordersync token list`` as an operator runs them, on both backends.

``init`` starts an empty ledger: the head office and the first admin token, which works against
the API at once. It runs once: a second run, or a run on a ledger that already has locations, is
refused with the command that adds an admin, and changes nothing; of concurrent runs exactly one
wins. ``token list`` shows every token but never its secret.
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ordersync.cli.common import EXIT_REFUSED
from ordersync.clock import ManualClock
from ordersync.contract import LocationKind
from ordersync.db.engine import create_ledger_engine
from ordersync.db.ledger_tx import AUDIT, CHANGES, LOCATIONS
from ordersync.db.writer import run_in_transaction
from ordersync.domain.errors import InvalidState
from ordersync.services.bootstrap import head_office, initialise_ledger
from ordersync.services.tokens import TOKENS
from tests.support.ledger_api import in_process_ledger
from tests.support.ledger_harness import START, Network, seed_network
from tests.support.ledger_server import (
    CommandResult,
    assert_readable_failure,
    run_in_process,
    run_ordersync,
)

pytestmark = pytest.mark.e2e

TOKEN = re.compile(r"^osk_[A-Za-z0-9_-]{20,}$")
ADD_AN_ADMIN = "ordersync token create --location {} --role admin"


@pytest.fixture
def ordersync(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``ordersync ARGS`` run in this process."""

    def run(*argv: str) -> CommandResult:
        return run_in_process(list(argv), capsys, monkeypatch)

    return run


def ledger_contents(url: str) -> dict[str, Any]:
    engine = create_ledger_engine(url, writer=False)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar()
                for table in (LOCATIONS, TOKENS, AUDIT, CHANGES)
            }
    finally:
        engine.dispose()


def token_of(result: CommandResult) -> str:
    assert result.returncode == 0, result.describe()
    last = result.stdout.rstrip("\n").split("\n")[-1]
    assert TOKEN.match(last), result.describe()
    assert result.stdout.count(last) == 1, result.describe()
    return last


# --- init ----------------------------------------------------------------------------------


def test_init_on_an_empty_ledger_prints_a_working_admin_token(
    e2e_database: str, tmp_path: Path
) -> None:
    result = run_ordersync("--database-url", e2e_database, "init", cwd=tmp_path)
    token = token_of(result)
    assert "head office HQ (Head office, Europe/Paris) created" in result.stdout

    headers = {"Authorization": f"Bearer {token}"}
    with in_process_ledger(e2e_database, ManualClock(START)) as client:
        me = client.get("/v1/me", headers=headers)
        assert me.status_code == 200, me.text
        assert (me.json()["location"], me.json()["role"], me.json()["device"]) == (
            "HQ",
            "admin",
            "admin",
        )
        [office] = client.get("/v1/locations", headers=headers).json()
        assert office["code"] == "HQ"
        assert office["kind"] == LocationKind.WAREHOUSE.value
        assert office["fulfils_web_orders"] is False
        # like any location, it reaches the change feed and the audit log
        feed = client.get("/v1/changes", headers=headers, params={"since": 0}).json()
        assert any(change.get("location", {}).get("code") == "HQ" for change in feed["changes"])
        audit = client.get("/v1/audit", headers=headers, params={"location": "HQ"})
        assert audit.status_code == 200, audit.text
        assert [row["operation"] for row in audit.json()] == ["token.issue"]
        # the admin token can do what admins do: issue a store's token
        made = client.post(
            "/v1/tokens", headers=headers, json={"location": "HQ", "role": "manager"}
        )
        assert made.status_code == 201, made.text
    assert ledger_contents(e2e_database)["audit_log"] == 3  # location, first token, second token


def test_init_takes_its_options(e2e_database: str, ordersync: Any) -> None:
    result = ordersync(
        "--database-url", e2e_database, "init", "--code", "SIEGE", "--name", "Siège",
        "--timezone", "Europe/Brussels", "--device", "it-laptop",
    )  # fmt: skip
    token_of(result)
    listed = ordersync("--database-url", e2e_database, "token", "list", "--format", "json")
    assert listed.returncode == 0, listed.describe()
    [entry] = json.loads(listed.stdout)
    assert (entry["location"], entry["role"], entry["device"]) == ("SIEGE", "admin", "it-laptop")


def test_a_second_init_is_refused_and_changes_nothing(e2e_database: str, ordersync: Any) -> None:
    token_of(ordersync("--database-url", e2e_database, "init"))
    before = ledger_contents(e2e_database)
    again = ordersync("--database-url", e2e_database, "init", "--code", "HQ2")
    assert_readable_failure(again)
    assert again.returncode == EXIT_REFUSED
    assert ADD_AN_ADMIN.format("HQ") in again.stderr
    assert "osk_" not in again.stdout + again.stderr
    assert ledger_contents(e2e_database) == before


def test_init_on_a_ledger_with_locations_is_refused(e2e_database: str, ordersync: Any) -> None:
    network = seed_network(e2e_database, ManualClock(START))
    network.engine.dispose()
    before = ledger_contents(e2e_database)
    refused = ordersync("--database-url", e2e_database, "init")
    assert_readable_failure(refused)
    assert refused.returncode == EXIT_REFUSED
    assert ADD_AN_ADMIN.format("A") in refused.stderr  # a location that exists
    assert ledger_contents(e2e_database) == before


def test_concurrent_inits_give_one_winner(e2e_database: str) -> None:
    runs = 6
    barrier = threading.Barrier(runs)
    office = head_office("HQ", "Head office", "Europe/Paris", 48.8566, 2.3522)

    def init(device: str) -> str:
        engine = create_ledger_engine(e2e_database, writer=True)
        try:
            barrier.wait(timeout=30)
            created = run_in_transaction(
                engine, ManualClock(START), lambda tx: initialise_ledger(tx, office, device)
            )
            return created.token
        except InvalidState as refusal:
            return f"refused: {refusal.detail}"
        finally:
            engine.dispose()

    with ThreadPoolExecutor(runs) as pool:
        outcomes = list(pool.map(init, [f"admin-{n}" for n in range(runs)]))
    assert sum(1 for outcome in outcomes if TOKEN.match(outcome)) == 1, outcomes
    assert sum(1 for outcome in outcomes if outcome.startswith("refused: ")) == runs - 1
    contents = ledger_contents(e2e_database)
    assert (contents["locations"], contents["device_tokens"]) == (1, 1)


def test_init_needs_a_migrated_ledger_and_checks_its_options(
    tmp_path: Path, e2e_database: str, ordersync: Any
) -> None:
    missing = ordersync("--database-url", f"sqlite:///{tmp_path / 'none.db'}", "init")
    assert_readable_failure(missing)
    assert "ordersync db upgrade" in missing.stderr
    bad_zone = ordersync("--database-url", e2e_database, "init", "--timezone", "Mars/Olympus")
    assert_readable_failure(bad_zone)
    assert bad_zone.returncode == EXIT_REFUSED
    assert "timezone" in bad_zone.stderr
    bad_code = ordersync("--database-url", e2e_database, "init", "--code", "h q")
    assert bad_code.returncode == 2, bad_code.describe()
    assert "not a valid location code" in bad_code.stderr
    assert ledger_contents(e2e_database)["locations"] == 0


# --- token list ----------------------------------------------------------------------------


def test_token_list_shows_tokens_but_never_their_secret(
    seeded_network: Network, ordersync: Any
) -> None:
    url = seeded_network.url
    revoked = token_of(
        ordersync("--database-url", url, "token", "create", "--location", "B",
                  "--role", "associate", "--device", "old-till")
    )  # fmt: skip
    ids = {
        entry["device"]: entry["token_id"]
        for entry in json.loads(
            ordersync("--database-url", url, "token", "list", "--format", "json").stdout
        )
    }
    assert ordersync("--database-url", url, "token", "revoke", str(ids["old-till"])).returncode == 0
    secrets = [revoked, *seeded_network.tokens.values()]

    table = ordersync("--database-url", url, "token", "list")
    assert table.returncode == 0, table.describe()
    assert "osk_" not in table.stdout
    assert not any(secret[4:] in table.stdout for secret in secrets)
    assert "old-till" not in table.stdout  # revoked: hidden by default
    assert "3 tokens" in table.stdout
    for column in ("id", "location", "role", "device", "created", "last used", "revoked"):
        assert column in table.stdout
    assert re.search(r"\d{4}-\d{2}-\d{2}", table.stdout)
    assert "+00:00" not in table.stdout  # times to the minute, not ISO stamps

    everything = ordersync("--database-url", url, "token", "list", "--all", "--format", "json")
    entries = json.loads(everything.stdout)
    assert "osk_" not in everything.stdout
    [old] = [entry for entry in entries if entry["device"] == "old-till"]
    assert old["revoked_at"] is not None
    assert len(entries) == 4

    at_b = ordersync("--database-url", url, "token", "list", "--location", "B", "--all",
                     "--format", "csv")  # fmt: skip
    lines = at_b.stdout.strip().splitlines()
    assert lines[0] == "token_id,location,role,device,created_at,last_used_at,revoked_at"
    # B's associate token from the seeding, and the revoked one
    assert sorted((line.split(",")[1], line.split(",")[3]) for line in lines[1:]) == [
        ("B", "old-till"),
        ("B", "test-device"),
    ]

    nowhere = ordersync("--database-url", url, "token", "list", "--location", "ZZ")
    assert_readable_failure(nowhere)
    assert "ZZ" in nowhere.stderr


def test_token_list_on_a_missing_ledger_is_readable(tmp_path: Path, ordersync: Any) -> None:
    result = ordersync("--database-url", f"sqlite:///{tmp_path / 'none.db'}", "token", "list")
    assert_readable_failure(result)
    assert "ordersync db upgrade" in result.stderr
