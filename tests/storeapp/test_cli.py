"""The ``storeapp`` command against the real ledger: in process (its HTTP transport injected),
and end to end against a real ``ordersync serve`` on 127.0.0.1 driving the installed command."""

from __future__ import annotations

import _thread
import ast
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from filelock import FileLock

import storeapp
from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, ReceiptLine, Role, uuid7, with_check_digit
from storeapp import cli
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.state import LEDGER_ID, write_state
from storeapp.config import StoreSettings
from storeapp.i18n import Translator
from tests.support.cli import LEDGER, Shell, barcode_of, line_with, set_up
from tests.support.ledger_harness import Network
from tests.support.ledger_server import free_port, start_server
from tests.support.store import on_hand, receive

SRC = Path(storeapp.__file__).parent
LOCALE_DIR = SRC / "locale" / "fr" / "LC_MESSAGES"


# --- Help and usage ---------------------------------------------------------------------------


def test_every_command_has_help(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    top = capsys.readouterr().out
    for command in ("setup", "lookup", "sync", "status", "sell", "demo"):
        assert command in top
        assert cli.main([command, "--help"]) == 0
        assert f"storeapp {command}" in capsys.readouterr().out
    assert "exit codes" in top


def test_usage_errors_exit_2_without_traceback(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["frobnicate"]) == cli.EXIT_USAGE
    assert cli.main(["sell", "S1", "--qty", "0"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "not a whole number of at least 1" in err
    assert "Traceback" not in err


@pytest.mark.e2e
def test_importing_the_cli_does_not_load_textual() -> None:
    probe = "import sys, storeapp.cli, storeapp.demo; print('textual' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


# --- Before setup --------------------------------------------------------------------------------


def test_commands_before_setup_say_to_run_setup(sh: Shell, home: Path) -> None:
    for argv in (["status"], ["lookup", "S1"], ["sell", "S1"], ["sync", "--once"], []):
        result = sh(*argv)
        assert result.code == cli.EXIT_NOT_SET_UP, result
        assert "storeapp setup" in result.err
    (home / "config.toml").write_text('token = "osk_x"\n')
    result = sh("status")
    assert result.code == cli.EXIT_NOT_SET_UP
    assert "does not know its store" in result.err


def test_a_broken_settings_file_is_reported_but_help_still_works(sh: Shell, home: Path) -> None:
    (home / "config.toml").write_text("token = [not toml\n")
    result = sh("status")
    assert result.code == cli.EXIT_FAILED
    assert "not valid TOML" in result.err
    assert sh("--help").code == 0
    (home / "config.toml").write_text('request_timeout_seconds = "-3"\n')
    result = sh("status")
    assert result.code == cli.EXIT_FAILED
    assert "request_timeout_seconds" in result.err


# --- Setup ---------------------------------------------------------------------------------------


def test_setup_asks_the_ledger_saves_settings_and_bootstraps(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "A", 3)
    token = network.token("A", Role.ASSOCIATE)
    result = sh("setup", "--ledger", LEDGER + "/", "--token", token, "--locale", "en_GB")
    assert result.code == 0, result
    assert "test-device (associate) of store A" in result.out
    summary = line_with(result.out, "Store A (Store A) — ")
    assert "catalog: 3 items" in summary
    assert "units on hand: 3" in summary
    saved = tomllib.loads((home / "config.toml").read_text())
    assert saved == {"ledger_url": LEDGER, "token": token, "locale": "en_GB"}
    status = sh("status")
    assert status.code == 0, status
    assert re.search(r"Connection\s+online", status.out), status.out
    assert re.search(r"Waiting to sync\s+0", status.out), status.out


def test_setup_with_a_refused_token_saves_nothing(sh: Shell, home: Path) -> None:
    result = sh("setup", "--ledger", LEDGER, "--token", "osk_not-a-real-token")
    assert result.code == cli.EXIT_REFUSED, result
    assert "refused this token" in result.err
    assert not (home / "config.toml").exists()


def test_setup_with_an_unreachable_ledger_saves_nothing(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[httpx.Request] = []
    send = httpx.HTTPTransport.handle_request

    def counted(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        return send(transport, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", counted)
    url = f"http://127.0.0.1:{free_port()}"
    code = cli.main(["setup", "--ledger", url, "--token", "osk_x"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_OFFLINE, err
    assert f"cannot reach the ledger at {url}" in err
    assert not (home / "config.toml").exists()
    # It gives up after one attempt bounded by the request timeout: no retry, no wait.
    assert len(attempts) == 1
    default_timeout = StoreSettings.model_fields["request_timeout_seconds"].default
    assert attempts[0].extensions["timeout"]["connect"] == default_timeout


def test_setup_rejects_bad_urls_and_locales(sh: Shell, network: Network) -> None:
    token = network.token("A", Role.ASSOCIATE)
    result = sh("setup", "--ledger", "ftp://ledger", "--token", token)
    assert result.code == cli.EXIT_USAGE
    assert "http://" in result.err
    result = sh("setup", "--ledger", LEDGER, "--token", token, "--locale", "xx_QQ")
    assert result.code == cli.EXIT_USAGE
    assert "unknown locale" in result.err


def test_setup_for_another_store_resets_the_view_and_keeps_the_outbox(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "A", 3)
    set_up(sh, network, "A")
    assert sh("sell", "S1").code == 0
    result = sh("setup", "--ledger", LEDGER, "--token", network.token("B", Role.ASSOCIATE))
    assert result.code == 0, result
    assert "held the view of store A; it was reset for store B" in result.err
    assert "1 operation(s) waiting to be sent were kept" in result.err
    with sqlite3.connect(home / "store" / "cache.db") as cache:
        kept = cache.execute("SELECT location FROM positions").fetchall()
    assert ("A",) not in kept  # store A's view is gone, not mixed with B's
    # Kept and sent: the ledger refuses store A's sale from store B's token, and says why.
    assert "refused by the ledger: sale 1 x S1" in result.err
    status = sh("status")
    assert "B — Store B" in status.out
    assert re.search(r"Needing attention\s+1", status.out), status.out
    reason = line_with(status.out, "• sale 1 x S1")
    assert len(reason.split("):", 1)[1].strip()) > 3, reason
    assert on_hand(ledger, network, "S1") == 3


def test_setup_against_another_ledger_resets_the_view(
    sh: Shell, home: Path, network: Network
) -> None:
    set_up(sh, network)
    engine = open_cache_engine(home / "store" / "cache.db")
    with engine.begin() as connection:
        write_state(connection, LEDGER_ID, "a-ledger-restored-from-elsewhere")
    engine.dispose()
    result = set_up(sh, network)
    assert "came from another ledger; its view was reset" in result.err
    assert "catalog: 3 items" in result.out


# --- Lookup --------------------------------------------------------------------------------------


def test_lookup_shows_the_size_grid_and_live_availability_then_the_cache_with_its_age(
    sh: Shell, ledger: TestClient, network: Network, clock: ManualClock
) -> None:
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 4)
    set_up(sh, network)
    result = sh("lookup", "S1")
    assert result.code == 0, result
    assert "Live from the ledger, just now" in result.out
    assert "Sizes in noir" in result.out
    grid_row = line_with(result.out, "│ 85 ")
    assert "3 · 7" in grid_row  # S1 is 85B: 3 here, 7 in the network
    store_b = line_with(result.out, "Store B")
    assert re.search(r"│\s+4\s+│\s+4\s+│\s+0\s+│", store_b), store_b
    assert "Network available: 7" in result.out

    clock.advance(timedelta(minutes=12))
    offline = sh("lookup", "S1", "--offline")
    assert offline.code == 0, offline
    assert "This terminal's copy, 12 mins old" in offline.out
    assert re.search(r"│\s+4\s+│", line_with(offline.out, "Store B"))


def test_lookup_falls_back_to_the_cache_when_the_ledger_is_down(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "A", 3)
    set_up(sh, network)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    result = sh("lookup", "S1", transport=httpx.MockTransport(refuse))
    assert result.code == 0, result
    assert "Elsewhere: never asked the ledger" in result.out
    assert "could not be reached in time" in result.out


def test_lookup_by_barcode_reference_and_name(sh: Shell, home: Path, network: Network) -> None:
    set_up(sh, network)
    by_barcode = sh("lookup", barcode_of(home, "S2"))
    assert by_barcode.code == 0, by_barcode
    assert "Item S2 — S2" in by_barcode.out
    reference = sh("lookup", "REF-1")
    assert reference.code == 0, reference
    assert "2 variants" in reference.out
    assert "Sizes in noir" in reference.out
    name = sh("lookup", "item")
    assert name.code == 0, name
    assert "3 items match item" in name.out


def test_lookup_of_bad_or_unknown_input_exits_1(sh: Shell, home: Path, network: Network) -> None:
    set_up(sh, network)
    good = barcode_of(home, "S1")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    result = sh("lookup", bad)
    assert result.code == cli.EXIT_FAILED
    assert f"{bad} is not a valid barcode: check digit" in result.err
    unknown = with_check_digit("4000000")
    result = sh("lookup", unknown)
    assert result.code == cli.EXIT_FAILED
    assert "no item has the barcode" in result.err
    result = sh("lookup", "nothing-like-this")
    assert result.code == cli.EXIT_FAILED
    assert "nothing in the catalog matches" in result.err


# --- Sell and sync -------------------------------------------------------------------------------


def test_sell_then_sync_once_reaches_the_ledger(
    sh: Shell, home: Path, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "A", 5)
    set_up(sh, network)
    sold = sh("sell", "S1", "--qty", "2")
    assert sold.code == 0, sold
    assert "Sale recorded: 2 x S1 (Item S1)." in sold.out
    assert "On hand here now: 3" in sold.out
    assert "Waiting to be sent to the ledger: 1" in sold.out
    assert sh("sell", barcode_of(home, "S1")).code == 0
    assert re.search(r"Waiting to sync\s+2", sh("status").out)
    assert on_hand(ledger, network, "S1") == 5

    synced = sh("sync", "--once")
    assert synced.code == 0, synced
    assert "Online." in synced.out
    assert "Sent and accepted: 2 · refused: 0" in synced.out
    assert on_hand(ledger, network, "S1") == 2
    assert re.search(r"Waiting to sync\s+0", sh("status").out)
    again = sh("sync", "--once")
    assert "Sent and accepted: 0" in again.out
    assert on_hand(ledger, network, "S1") == 2


def test_sell_refuses_unknown_or_ambiguous_items(sh: Shell, network: Network) -> None:
    set_up(sh, network)
    result = sh("sell", "NOPE")
    assert result.code == cli.EXIT_FAILED
    assert "nothing in the catalog matches NOPE" in result.err
    result = sh("sell", "REF-1")
    assert result.code == cli.EXIT_FAILED
    assert "matches several items" in result.err
    result = sh("sell", "Item S3")
    assert result.code == cli.EXIT_FAILED
    assert "did you mean S3?" in result.err
    assert re.search(r"Waiting to sync\s+0", sh("status").out)


def test_sync_once_offline_exits_3_and_keeps_the_sale(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    receive(ledger, network, "S1", "A", 2)
    set_up(sh, network)
    assert sh("sell", "S1").code == 0

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    result = sh("sync", "--once", transport=httpx.MockTransport(refuse))
    assert result.code == cli.EXIT_OFFLINE, result
    assert "Offline: cannot reach the ledger" in result.out
    assert "Waiting: 1" in result.out
    status = sh("status")
    assert re.search(r"Connection\s+offline: cannot reach the ledger", status.out), status.out
    assert on_hand(ledger, network, "S1") == 2


def test_sync_reports_refusals_with_their_reasons(
    sh: Shell, ledger: TestClient, network: Network
) -> None:
    set_up(sh, network)
    assert sh("sell", "S1").code == 0  # a counter sale is never refused...

    real = ledger._transport
    problem = {
        "type": "urn:test",
        "title": "Forbidden",
        "status": 403,
        "detail": "not this store's stock",
    }

    def forbid(request: httpx.Request) -> httpx.Response:  # ...unless the ledger says no
        if not request.url.path.endswith("/ops"):
            return real.handle_request(request)
        ops = json.loads(request.content)["ops"]
        results = [
            {"op_id": op["op_id"], "status": 403, "replayed": False, "body": problem} for op in ops
        ]
        return httpx.Response(200, json={"results": results})

    result = sh("sync", "--once", transport=httpx.MockTransport(forbid))
    assert result.code == 0, result
    assert "refused: 1" in result.out
    assert "refused: sale 1 x S1: not this store's stock" in result.err


def test_sync_exits_4_when_another_process_syncs(sh: Shell, home: Path, network: Network) -> None:
    set_up(sh, network)
    lock = FileLock(str(home / "store" / "sync.lock"))
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:  # another process: FileLock is re-entrant within one thread only
        with lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        for argv in (["sync"], ["sync", "--once"]):
            result = sh(*argv)
            assert result.code == cli.EXIT_BUSY, result
            assert "another storeapp process" in result.err
        result = sh("setup", "--ledger", LEDGER, "--token", network.token("A", Role.ASSOCIATE))
        assert result.code == cli.EXIT_BUSY, result
    finally:
        release.set()
        holder.join()


def test_sync_runs_until_ctrl_c(
    sh: Shell, ledger: TestClient, network: Network, home: Path
) -> None:
    receive(ledger, network, "S1", "A", 4)
    set_up(sh, network)
    (home / "config.toml").write_text(
        (home / "config.toml").read_text() + 'sync_interval_seconds = "0.2"\n'
    )
    assert sh("sell", "S1").code == 0
    pushed = threading.Event()

    def press_ctrl_c_once_pushed() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and on_hand(ledger, network, "S1") != 3:
            time.sleep(0.05)
        pushed.set()
        _thread.interrupt_main()

    # A run started in the background inherits Ctrl+C ignored, and then interrupt_main() does
    # nothing: the loop would never stop. Ctrl+C is what this test is about, so it is handled.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        watcher = threading.Thread(target=press_ctrl_c_once_pushed, daemon=True)
        watcher.start()
        result = sh("sync")
        watcher.join(5)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert pushed.is_set()
    assert result.code == 0, result
    assert "Ctrl+C stops" in result.out
    assert "Sync stopped." in result.out
    assert "accepted 1" in result.out
    assert on_hand(ledger, network, "S1") == 3
    # The lock was released: another round can run.
    assert sh("sync", "--once").code == 0


# --- Terminal UI ---------------------------------------------------------------------------------


def test_no_command_opens_the_terminal_ui(
    sh: Shell, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(sh, network)
    calls: list[dict[str, Any]] = []

    class FakeApp:
        return_code = 0

        def run(self) -> None:
            calls[-1]["ran"] = True

    def make_app(context: Any, translator: Any, start_sync_worker: bool = True) -> FakeApp:
        calls.append(
            {"location": context.location, "translator": translator, "sync": start_sync_worker}
        )
        return FakeApp()

    fake = types.ModuleType("storeapp.tui.app")
    fake.make_app = make_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "storeapp.tui.app", fake)
    result = sh()
    assert result.code == 0, result
    assert len(calls) == 1
    assert calls[0]["ran"]
    assert calls[0]["sync"] is True
    assert calls[0]["location"] == "A"
    assert isinstance(calls[0]["translator"], Translator)


def test_no_command_runs_the_real_terminal_ui(
    sh: Shell, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storeapp.tui import app as tui_app

    set_up(sh, network)
    real_make_app = tui_app.make_app
    seen: dict[str, Any] = {}

    def make_app(context: Any, translator: Any, *, start_sync_worker: bool = True) -> Any:
        app = real_make_app(context, translator, start_sync_worker=start_sync_worker)
        run = app.run

        async def look_and_quit(pilot: Any) -> None:
            await pilot.pause()
            seen["screen"] = type(pilot.app.screen).__name__
            pilot.app.exit()

        app.run = lambda: run(headless=True, auto_pilot=look_and_quit)  # type: ignore[method-assign]
        seen["sync"] = start_sync_worker
        return app

    monkeypatch.setattr(tui_app, "make_app", make_app)
    result = sh()
    assert result.code == 0, result
    assert seen["sync"] is True
    assert seen["screen"]


# --- French --------------------------------------------------------------------------------------


def _texts_of(path: Path) -> set[str]:
    texts: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_"
            and node.args
        ):
            first = node.args[0]
            where = f"{path.name}:{node.lineno}: _() needs a literal text to be translatable"
            assert isinstance(first, ast.Constant), where
            assert isinstance(first.value, str), where
            texts.add(first.value)
    return texts


def _french_catalog() -> dict[str, str]:
    messages: dict[str, str] = {}
    for po in sorted(LOCALE_DIR.glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and isinstance(message.id, str) and not message.fuzzy:
                messages[message.id] = str(message.string)
    return messages


def test_every_cli_and_demo_text_has_a_french_translation() -> None:
    texts = _texts_of(SRC / "demo.py").union(*map(_texts_of, sorted((SRC / "cli").rglob("*.py"))))
    assert len(texts) > 100
    catalog = _french_catalog()
    missing = sorted(t for t in texts if not catalog.get(t))
    assert not missing, f"{len(missing)} texts without French: {missing}"
    fields = re.compile(r"\{(\w+)\}")
    for text in texts:
        assert set(fields.findall(catalog[text])) == set(fields.findall(text)), text
    french = Translator("fr_FR")
    assert french("Waiting to sync") != "Waiting to sync"
    assert french("On hand here now: {count}", count=3).endswith("3")


def test_the_cli_speaks_french(
    sh: Shell, ledger: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STOREAPP_LOCALE")
    receive(ledger, network, "S1", "A", 3)
    token = network.token("A", Role.ASSOCIATE)
    result = sh("setup", "--ledger", LEDGER, "--token", token, "--locale", "fr_FR")
    assert result.code == 0, result
    assert "Paramètres enregistrés dans" in result.out
    status = sh("status")
    assert "Magasin" in status.out
    assert "En attente de synchro" in status.out
    lookup = sh("lookup", "S1")
    assert "49,90" in lookup.out
    assert "En direct du registre, à l'instant" in lookup.out
    assert "aide" in sh("--help").out


# --- End to end: the installed command and a real ledger process --------------------------------


def storeapp_command() -> list[str]:
    beside = Path(sys.executable).parent / "storeapp"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "storeapp.cli"]


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOREAPP_", "ORDERSYNC_"))}
    env.update(
        STOREAPP_CONFIG=str(tmp_path / "terminal" / "config.toml"),
        STOREAPP_DATA_DIR=str(tmp_path / "terminal" / "data"),
        STOREAPP_LOCALE="en_GB",
        STOREAPP_SYNC_INTERVAL_SECONDS="0.2",
        COLUMNS="200",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.mark.e2e
def test_end_to_end_setup_sell_sync_status_against_a_real_ledger(
    network: Network, tmp_path: Path, child_env: dict[str, str]
) -> None:
    token = network.token("A", Role.ASSOCIATE)
    server = start_server(network.url, network, 1, tmp_path / "server")

    def storeapp_(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*storeapp_command(), *args],
            env=child_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def on_hand() -> int:
        reply = httpx.get(f"{server.base_url}/v1/positions/A/S1", headers=server.headers("A"))
        return int(reply.json()["on_hand"])

    try:
        receipt = MovementBatch(
            op_id=uuid7(), lines=[ReceiptLine(kind="receipt", sku="S1", location="A", qty=5)]
        )
        reply = httpx.post(
            f"{server.base_url}/v1/movements",
            json=receipt.model_dump(mode="json"),
            headers=server.headers("A"),
        )
        assert reply.status_code == 201, reply.text

        setup = storeapp_("setup", "--ledger", server.base_url, "--token", token)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        assert "units on hand: 5" in setup.stdout
        sold = storeapp_("sell", "S1")
        assert sold.returncode == 0, sold.stderr
        synced = storeapp_("sync", "--once")
        assert synced.returncode == 0, synced.stdout + synced.stderr
        assert "Sent and accepted: 1" in synced.stdout
        status = storeapp_("status")
        assert status.returncode == 0
        assert re.search(r"Waiting to sync\s+0", status.stdout), status.stdout
        assert on_hand() == 4

        # The sync loop, stopped by Ctrl+C (SIGINT) once it pushed a second sale.
        assert storeapp_("sell", "S1").returncode == 0
        loop = subprocess.Popen(
            [*storeapp_command(), "sync"],
            env=child_env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # As at a terminal, even when this run was started in the background (Ctrl+C ignored).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            deadline = time.monotonic() + 30
            while on_hand() != 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert on_hand() == 3
            loop.send_signal(signal.SIGINT)
            out, err = loop.communicate(timeout=30)
        finally:
            if loop.poll() is None:
                loop.kill()
                loop.wait()
        assert loop.returncode == 0, out + err
        assert "Sync stopped." in out
        assert "Traceback" not in err
    finally:
        server.stop()

    offline = storeapp_("sync", "--once")
    assert offline.returncode == cli.EXIT_OFFLINE, offline.stdout + offline.stderr
    assert "Offline" in offline.stdout
    assert "Traceback" not in offline.stderr
