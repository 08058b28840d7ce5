"""The ``storeapp`` command run in this process against the in-process ledger, and what its
tests read in what it prints or keeps.

A run starts from an environment with no ``STOREAPP_*`` setting but the ones a test home gives
(its settings file and data folder, English, wide lines); it goes through the parser and the
handlers the installed command uses, and no run may print a traceback.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Role
from storeapp import cli
from tests.support.ledger_harness import Network

LEDGER = "http://testserver"
"""The in-process ledger's address, as a terminal is set up with it."""


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}"


Shell = Callable[..., Result]
"""``sh(*argv, transport=None)``: one run of ``storeapp ARGV``."""


def clean_store_environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """No ``STOREAPP_*`` setting of the test's environment; settings and data under ``home``."""
    for key in list(os.environ):
        if key.startswith("STOREAPP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("STOREAPP_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("STOREAPP_DATA_DIR", str(home / "store"))
    monkeypatch.setenv("STOREAPP_LOCALE", "en_GB")
    monkeypatch.setenv("COLUMNS", "200")


def in_process_shell(
    ledger: TestClient, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> Shell:
    """Runs of ``storeapp`` in process: the ledger is the in-process app (unless a run is given
    another ``transport``), the clock is ``clock``; output is captured per run."""

    def run(*argv: str, transport: httpx.BaseTransport | None = None) -> Result:
        capsys.readouterr()
        code = cli.run(list(argv), transport=transport or ledger._transport, now=clock.now)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return Result(code, captured.out, captured.err)

    return run


def set_up(sh: Shell, network: Network, location: str = "A", role: Role = Role.ASSOCIATE) -> Result:
    """``storeapp setup`` for a terminal of ``location`` with a token of ``role``."""
    result = sh("setup", "--ledger", LEDGER, "--token", network.token(location, role))
    assert result.code == cli.EXIT_OK, result
    return result


def line_with(text: str, needle: str) -> str:
    """The first line of ``text`` that holds ``needle`` (there must be one)."""
    lines = [line for line in text.splitlines() if needle in line]
    assert lines, f"no line with {needle!r} in:\n{text}"
    return lines[0]


def barcode_of(home: Path, sku: str) -> str:
    """A barcode of ``sku`` in the cache of the terminal set up under ``home``."""
    with sqlite3.connect(home / "store" / "cache.db") as connection:
        row = connection.execute("SELECT gtin FROM barcodes WHERE sku = ?", (sku,)).fetchone()
    assert row is not None
    return str(row[0])
