"""``storeapp demo --no-tui``: real processes, a home directory inside tmp_path, run twice.

The first run loads the demo network, starts ``ordersync serve`` on 127.0.0.1, sets up the store
terminal of PAR-01 and bootstraps its cache; the second reuses everything and adds nothing.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import platformdirs
import pytest

pytestmark = pytest.mark.e2e

BUDGET_SECONDS = 58.0
"""Both runs together; the first (loading 90 days of history) takes about 15 s, the second 5."""


def storeapp_command() -> list[str]:
    beside = Path(sys.executable).parent / "storeapp"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "storeapp.cli"]


@dataclass(frozen=True)
class DemoRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"exit {self.returncode} after {self.seconds:.1f} s\n--- stdout ---\n{self.stdout}"
            f"\n--- stderr ---\n{self.stderr}"
        )

    def find(self, pattern: str) -> str:
        found = re.search(pattern, self.stdout)
        assert found is not None, f"{pattern!r} not in the output:\n{self}"
        return found.group(1)


@pytest.fixture
def demo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment whose home and XDG directories all live in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOREAPP_", "ORDERSYNC_"))}
    places = {
        "HOME": tmp_path / "home",
        "XDG_DATA_HOME": tmp_path / "home" / "data",
        "XDG_CONFIG_HOME": tmp_path / "home" / "config",
        "XDG_CACHE_HOME": tmp_path / "home" / "cache",
        "XDG_STATE_HOME": tmp_path / "home" / "state",
    }
    for name, place in places.items():
        place.mkdir(parents=True, exist_ok=True)
        env[name] = str(place)
        monkeypatch.setenv(name, str(place))  # so platformdirs here sees what the child sees
    env.update(STOREAPP_LOCALE="en_GB", COLUMNS="200", PYTHONUNBUFFERED="1")
    return env


def run_demo(env: dict[str, str], cwd: Path, timeout: float) -> DemoRun:
    started = time.monotonic()
    done = subprocess.run(
        [*storeapp_command(), "demo", "--no-tui"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return DemoRun(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def one(database: Path, query: str, *args: object) -> Any:
    with sqlite3.connect(database) as connection:
        row = connection.execute(query, args).fetchone()
    assert row is not None
    return row[0]


@dataclass(frozen=True)
class Snapshot:
    movements: int
    tokens: int
    items: int
    ledger_id: str
    store_positions: int


def snapshot(ledger_db: Path) -> Snapshot:
    return Snapshot(
        movements=int(one(ledger_db, "SELECT COUNT(*) FROM movements")),
        tokens=int(one(ledger_db, "SELECT COUNT(*) FROM device_tokens")),
        items=int(one(ledger_db, "SELECT COUNT(*) FROM items")),
        ledger_id=str(one(ledger_db, "SELECT value FROM ledger_meta WHERE key = 'ledger_id'")),
        store_positions=int(
            one(ledger_db, "SELECT COUNT(*) FROM positions WHERE location = 'PAR-01'")
        ),
    )


def assert_cache_mirrors_the_ledger(cache_db: Path, ledger: Snapshot) -> None:
    assert one(cache_db, "SELECT value FROM sync_state WHERE key = 'location'") == "PAR-01"
    assert one(cache_db, "SELECT value FROM sync_state WHERE key = 'ledger_id'") == ledger.ledger_id
    assert int(one(cache_db, "SELECT value FROM sync_state WHERE key = 'cursor'")) > 0
    assert one(cache_db, "SELECT COUNT(*) FROM items") == ledger.items
    assert (
        one(cache_db, "SELECT COUNT(*) FROM positions WHERE location = 'PAR-01'")
        == ledger.store_positions
    )
    assert one(cache_db, "SELECT COUNT(*) FROM outbox") == 0


def assert_stopped(url: str, ledger_id: str) -> None:
    """Nothing answers for the demo ledger there any more (the port may serve someone else)."""
    try:
        reply = httpx.get(f"{url}/v1/health", timeout=2.0)
    except httpx.TransportError:
        return
    assert reply.status_code != 200 or reply.json().get("ledger_id") != ledger_id, reply.text


def test_demo_starts_the_ledger_bootstraps_the_store_and_repeats_without_duplicates(
    demo_home: dict[str, str], tmp_path: Path
) -> None:
    folder = Path(platformdirs.user_data_dir("storeapp", appauthor=False)) / "demo"
    assert folder.is_relative_to(tmp_path), folder  # nothing touches the real home

    first = run_demo(demo_home, tmp_path, timeout=BUDGET_SECONDS - 10)
    assert first.returncode == 0, first
    assert "Traceback" not in first.stderr
    url = first.find(r"Ledger URL: (http://127\.0\.0\.1:\d+)")
    token = first.find(r"Manager token of PAR-01: (\S+)")
    assert re.search(r"Connection\s+online", first.stdout), first
    assert re.search(r"Waiting to sync\s+0", first.stdout), first
    assert first.find(r"Demo folder: (\S+)") == str(folder)

    ledger_db, cache_db = folder / "ledger.db", folder / "store" / "cache.db"
    after_first = snapshot(ledger_db)
    assert after_first.items > 500
    assert after_first.movements > 10_000
    assert after_first.store_positions > 100
    assert after_first.tokens == 1
    # The cache holds what only the running ledger could have sent: its id, its catalog, the
    # store's positions. Then the demo stopped the ledger on its way out.
    assert_cache_mirrors_the_ledger(cache_db, after_first)
    assert_stopped(url, after_first.ledger_id)
    config = (folder / "config.toml").read_text()
    assert token in config
    assert str(folder / "store") in config

    second = run_demo(demo_home, tmp_path, timeout=max(5.0, BUDGET_SECONDS - first.seconds))
    assert second.returncode == 0, second
    assert "nothing is added" in second.stdout
    assert second.find(r"Manager token of PAR-01: (\S+)") == token
    after_second = snapshot(ledger_db)
    assert after_second == after_first  # no movement, token or item duplicated
    assert_cache_mirrors_the_ledger(cache_db, after_second)
    assert_stopped(second.find(r"Ledger URL: (http://127\.0\.0\.1:\d+)"), after_first.ledger_id)
    print(f"demo start: first {first.seconds:.1f} s, repeated {second.seconds:.1f} s")
