"""The README's walkthrough from an empty database to a first sale, run as a newcomer runs it.

The shell block that follows the README's ``tested:`` marker is run by bash, command for
command, in a fresh home directory from the project's root: migrate, ``init``, import the
example CSV files, add a person, issue a till's token, serve, set the terminal up, sell as that
person, sync, and read the audit. Only the port is moved to a free one, so a ledger already
running on this machine cannot answer in its place. On PostgreSQL the block runs with
``ORDERSYNC_DATABASE_URL`` naming a fresh database, as the README's PostgreSQL section says.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ordersync.db.engine import create_ledger_engine
from ordersync.db.ledger_tx import AUDIT
from ordersync.db.tables import MovementRow
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases, backends
from tests.support.ledger_server import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- tested: tests/e2e/test_readme_walkthrough.py"
README_PORT = "8700"


def walkthrough_block() -> str:
    """The shell block right after the marker in README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after_marker = readme[readme.index(MARKER) :]
    found = re.search(r"```sh\n(.*?)```", after_marker, re.DOTALL)
    assert found is not None, "the README's tested walkthrough has no ```sh block"
    return found.group(1)


def newcomer_environment(home: Path) -> dict[str, str]:
    """A fresh home, the project's commands on PATH, no setting of this machine."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ORDERSYNC_", "STOREAPP_", "XDG_"))
    }
    bin_dir = str(Path(sys.executable).parent)
    return {
        **kept,
        "HOME": str(home),
        "PATH": bin_dir + os.pathsep + kept.get("PATH", ""),
        "COLUMNS": "200",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture(params=backends())
def database_url(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[str | None]:
    """None on SQLite (the README's default file under the home directory), else a fresh
    PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    assert postgres_databases is not None
    url = postgres_databases.fresh()
    yield url
    postgres_databases.drop(url)


def test_the_readme_takes_an_empty_ledger_to_a_sale_seen_in_the_audit_with_its_person(
    tmp_path: Path, database_url: str | None
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = newcomer_environment(home)
    if database_url is not None:
        env["ORDERSYNC_DATABASE_URL"] = database_url
    port = str(free_port())
    block = walkthrough_block().replace(README_PORT, port)
    script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true; wait' EXIT\n" + block

    run = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    transcript = f"--- stdout ---\n{run.stdout}\n--- stderr ---\n{run.stderr}"
    assert run.returncode == 0, transcript
    assert "Traceback" not in run.stdout + run.stderr, transcript
    audit_line = next(
        (line for line in run.stdout.splitlines() if "Inès Martin" in line and "till-1" in line),
        None,
    )
    assert audit_line is not None, transcript
    assert "LOUISE-NOI-85B" in audit_line, transcript
    assert "2580" not in run.stdout + run.stderr, "a PIN was echoed"

    url = database_url or f"sqlite:///{home}/.local/share/ordersync/ledger.db"
    engine = create_ledger_engine(url, writer=False)
    try:
        with engine.connect() as connection:
            sales = connection.execute(
                select(MovementRow.person, MovementRow.device, MovementRow.qty).where(
                    MovementRow.kind == "sale", MovementRow.sku == "LOUISE-NOI-85B"
                )
            ).all()
            receipts = connection.execute(
                select(MovementRow.sku, MovementRow.qty, MovementRow.person).where(
                    MovementRow.kind == "receipt"
                )
            ).all()
            discrepancies = connection.execute(
                text("SELECT sku, kind, expected, actual, reason FROM discrepancies")
            ).all()
            audited_people = set(
                connection.execute(select(AUDIT.c.person).where(AUDIT.c.location == "PAR01"))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert [tuple(sale) for sale in sales] == [("ines", "till-1", -1)]
    assert sorted(tuple(receipt) for receipt in receipts) == [
        ("LOUISE-NOI-85B", 12, "ines"),
        ("LOUISE-NOI-85C", 7, "ines"),
        ("LOUISE-NOI-90B", 6, "ines"),
    ]
    assert [tuple(row) for row in discrepancies] == [
        ("LOUISE-NOI-85C", "under_received", 8, 7, "missing")
    ]
    assert "ines" in audited_people
