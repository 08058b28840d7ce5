"""The README's demo command in a real terminal (tmux): a scanned GTIN shows the size grid and
the other stores' availability, as an associate would see it."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def readme_demo_command() -> str:
    """The Quick start block's command that is not the test command."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(
        r"^#+\s*quick[\s-]*start[^\n]*\n(.*?)(?=^#+\s|\Z)", text, re.I | re.M | re.S
    )
    assert section, "README has no Quick start section"
    block = re.search(r"```[^\n]*\n(.*?)```", section.group(1), re.S)
    assert block, "the Quick start section has no command block"
    commands = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    demo = [c for c in commands if not re.search(r"test|check", c, re.I)]
    assert len(demo) == 1, commands
    return demo[0]


class Terminal:
    def __init__(self, session: str) -> None:
        self.session = session

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.session],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def type(self, keys: str) -> None:
        # A scanner sends each digit as a key, then Enter, within milliseconds.
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.session, key], check=True)
        subprocess.run(["tmux", "send-keys", "-t", self.session, "Enter"], check=True)

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if re.search(pattern, screen):
                return screen
            time.sleep(0.5)
        raise AssertionError(f"{pattern!r} did not appear within {timeout} s; screen:\n{screen}")


@pytest.fixture
def demo_terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    home = tmp_path / "home"
    home.mkdir()
    session = f"demo-{uuid.uuid4().hex[:8]}"
    environment = (
        f"HOME={home} XDG_DATA_HOME={home}/.local/share XDG_CONFIG_HOME={home}/.config "
        f"XDG_CACHE_HOME={home}/.cache STOREAPP_LOCALE=en_GB"
    )
    command = f"cd {ROOT} && env {environment} {readme_demo_command()}; sleep 30"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "45", command], check=True
    )
    try:
        yield Terminal(session), home
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=False)
        time.sleep(2)
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def a_demo_gtin(home: Path) -> tuple[str, str]:
    ledgers = list(home.rglob("ledger.db"))
    assert ledgers, "the demo did not create its ledger database"
    with sqlite3.connect(ledgers[0]) as connection:
        row = connection.execute(
            "SELECT b.gtin, i.sku FROM item_barcodes b JOIN items i ON i.sku = b.sku "
            "WHERE i.size = '85B' AND length(b.gtin) = 13 ORDER BY i.sku LIMIT 1"
        ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def test_a_scanned_gtin_shows_the_size_grid_and_other_stores(
    demo_terminal: tuple[Terminal, Path],
) -> None:
    terminal, home = demo_terminal
    terminal.wait_for(r"PAR-01 · Paris Rivoli.*ONLINE", STARTUP_SECONDS)
    gtin, sku = a_demo_gtin(home)

    terminal.type(gtin)
    screen = terminal.wait_for(r"Network availability · live(.|\n)*LYO-01", 30)

    assert sku in screen
    grid_header = re.search(r"^\s+A\s+B\s+C\s+D\s+E\s+F\s*$", screen, re.M)
    assert grid_header, screen
    for band in ("70", "85", "100"):
        assert re.search(rf"^\s+{band}\s+\d+ · \d+", screen, re.M), f"no row {band}:\n{screen}"
    # a row: code, name, distance, on hand, reserved, available (then units coming, if any)
    other_stores = re.findall(r"^\s+([A-Z]{3}-\d\d)\s+\S.*\s\d+\s+\d+\s+-?\d+", screen, re.M)
    assert {"PAR-02", "LYO-01"} <= set(other_stores), screen
    assert "live" in screen
