"""``storeapp demo``: the whole network on this machine, with nothing to install or type.

1. A demo folder under the platform data directory holds everything: the ledger's SQLite
   database, the server's logs, the store terminal's settings file and its cache.
2. ``ordersync demo-data`` loads the demo network (idempotent: a second run replays it and
   changes nothing) and, on the first run only, ``ordersync token create`` issues the manager
   token of store PAR-01; the token is kept in the demo settings file and reused afterwards.
3. ``ordersync serve`` runs in the background on 127.0.0.1 on a free port until ``/v1/health``
   answers.
4. The terminal is set up for PAR-01 like ``storeapp setup`` does (its settings file is the
   demo's: ``STOREAPP_CONFIG`` is set for this process) and its cache is bootstrapped.
5. The terminal UI opens; when it exits (or on Ctrl+C, or on an error) the ledger is stopped.

``storeapp`` may import only ``ordersync.contract``: the ledger always runs as another process.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import platformdirs

from ordersync.contract import API_PREFIX
from storeapp.cli.arguments import check_locale
from storeapp.cli.output import print_status
from storeapp.cli.session import EXIT_OK, Cli, CliError, open_tui, translator_for
from storeapp.config import APP_NAME, StoreSettings
from storeapp.context import open_store
from storeapp.i18n import _
from storeapp.services.setup import setup_store
from storeapp.sync.client import LedgerUnauthorized, LedgerUnavailable

DEMO_LOCATION = "PAR-01"
DEMO_ROLE = "manager"
DEMO_DEVICE = "demo-terminal"
HOST = "127.0.0.1"

START_TIMEOUT_SECONDS = 30.0
"""How long the ledger server may take to answer /v1/health."""
STOP_TIMEOUT_SECONDS = 10.0
DATA_TIMEOUT_SECONDS = 600.0
TOKEN_TIMEOUT_SECONDS = 120.0
PORT_ATTEMPTS = 3
LOG_TAIL_LINES = 40


class DemoError(CliError):
    """The demo cannot go on; the message says what failed and shows the tool's output."""


def default_demo_folder() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo"


@dataclass(frozen=True)
class DemoPaths:
    folder: Path

    @property
    def database(self) -> Path:
        return self.folder / "ledger.db"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def config(self) -> Path:
        return self.folder / "config.toml"

    @property
    def store_dir(self) -> Path:
        return self.folder / "store"

    @property
    def server_stdout(self) -> Path:
        return self.folder / "ledger-server.out.log"

    @property
    def server_stderr(self) -> Path:
        return self.folder / "ledger-server.err.log"


def ordersync_command(paths: DemoPaths, *args: str) -> list[str]:
    return [sys.executable, "-m", "ordersync.cli", "--database-url", paths.database_url, *args]


def child_environment() -> dict[str, str]:
    """This environment without ``ORDERSYNC_*`` settings that could point the ledger elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERSYNC_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _tail(output: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(output.strip().splitlines()[-lines:])


class OrdersyncCommand:
    """One ``ordersync`` command running in the demo folder (away from any project ``.env``)."""

    def __init__(self, paths: DemoPaths, *args: str, timeout: float) -> None:
        self._args = args
        self._timeout = timeout
        self._deadline = time.monotonic() + timeout
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
                ordersync_command(paths, *args),
                cwd=paths.folder,
                env=child_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as error:
            raise DemoError(
                _("cannot run `ordersync {command}`: {error}", command=self.name, error=error)
            ) from error

    @property
    def name(self) -> str:
        return " ".join(self._args)

    def wait(self) -> str:
        """Its standard output once it succeeded; a ``DemoError`` with its errors otherwise."""
        try:
            stdout, stderr = self._process.communicate(
                timeout=max(0.1, self._deadline - time.monotonic())
            )
        except subprocess.TimeoutExpired as error:
            self.kill()
            raise DemoError(
                _(
                    "`ordersync {command}` did not finish within {seconds} s",
                    command=self.name,
                    seconds=int(self._timeout),
                )
            ) from error
        if self._process.returncode != 0:
            raise DemoError(
                _(
                    "`ordersync {command}` failed (exit {code}):\n{output}",
                    command=self.name,
                    code=self._process.returncode,
                    output=_tail(stderr or stdout),
                )
            )
        return stdout

    def kill(self) -> None:
        """Stop it if it still runs (after an error elsewhere); harmless once it finished."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()


def run_ordersync(paths: DemoPaths, *args: str, timeout: float) -> str:
    return OrdersyncCommand(paths, *args, timeout=timeout).wait()


def start_demo_data(paths: DemoPaths, seed: int) -> OrdersyncCommand:
    """``ordersync demo-data``: loads the network the first time, replays it (no change) after."""
    return OrdersyncCommand(paths, "demo-data", "--seed", str(seed), timeout=DATA_TIMEOUT_SECONDS)


def create_token(paths: DemoPaths) -> str:
    output = run_ordersync(
        paths,
        "token",
        "create",
        "--location",
        DEMO_LOCATION,
        "--role",
        DEMO_ROLE,
        "--device",
        DEMO_DEVICE,
        timeout=TOKEN_TIMEOUT_SECONDS,
    )
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines or " " in lines[-1]:
        raise DemoError(_("`ordersync token create` printed no token:\n{output}", output=output))
    return lines[-1]


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, the kernel stops the ledger if this process dies without cleaning up (kill -9)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def in_child() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return in_child


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP (terminal closed) unwind like Ctrl+C, so the ledger is stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class LedgerProcess:
    """``ordersync serve`` in the background on 127.0.0.1; ``stop`` is safe to call twice."""

    def __init__(self, paths: DemoPaths, start_timeout: float = START_TIMEOUT_SECONDS) -> None:
        self._paths = paths
        self._start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> str:
        for _attempt in range(PORT_ATTEMPTS):
            port = free_port()
            if self._start_on(port):
                return self.url
        raise DemoError(
            _(
                "no free port for the ledger after {count} attempts:\n{output}",
                count=PORT_ATTEMPTS,
                output=self.stderr_tail(),
            )
        )

    def _start_on(self, port: int) -> bool:
        """Start on ``port`` and wait for /v1/health; False when the port was taken meanwhile."""
        with (
            self._paths.server_stdout.open("wb") as out,
            self._paths.server_stderr.open("wb") as err,
        ):
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
                ordersync_command(
                    self._paths, "serve", "--host", HOST, "--port", str(port), "--no-upgrade"
                ),
                cwd=self._paths.folder,
                env=child_environment(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=_die_with_parent(),
            )
        self.url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + self._start_timeout
        last = _("no answer yet")
        with httpx.Client(base_url=self.url, timeout=1.0) as client:
            while time.monotonic() < deadline:
                code = self.process.poll()
                if code is not None:
                    output = self.stderr_tail()
                    if "address already in use" in output.lower():
                        return False
                    raise DemoError(
                        _(
                            "the ledger server stopped (exit {code}) before answering:\n{output}",
                            code=code,
                            output=output,
                        )
                    )
                try:
                    reply = client.get(f"{API_PREFIX}/health")
                except httpx.TransportError as error:
                    last = type(error).__name__
                else:
                    if reply.status_code == 200:
                        return True
                    last = f"HTTP {reply.status_code}"
                time.sleep(0.1)
        self.stop()
        raise DemoError(
            _(
                "the ledger server did not answer {url}/v1/health within {seconds} s "
                "(last: {last}):\n{output}",
                url=self.url,
                seconds=int(self._start_timeout),
                last=last,
                output=self.stderr_tail(),
            )
        )

    def stderr_tail(self) -> str:
        try:
            return _tail(self._paths.server_stderr.read_text(errors="replace"))
        except OSError:
            return ""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)


def _saved_settings(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return dict(tomllib.load(handle))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _use_demo_settings_file(paths: DemoPaths) -> None:
    """This process's settings are the demo's (a TUI that reloads them finds the same ones)."""
    for key in ("STOREAPP_LEDGER_URL", "STOREAPP_TOKEN", "STOREAPP_DATA_DIR"):
        os.environ.pop(key, None)
    os.environ["STOREAPP_CONFIG"] = str(paths.config)


def run_demo(cli: Cli, args: argparse.Namespace) -> int:
    started = time.monotonic()
    paths = DemoPaths((args.folder or default_demo_folder()).expanduser().resolve())
    try:
        paths.folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DemoError(
            _("cannot create the demo folder {folder}: {error}", folder=paths.folder, error=error)
        ) from error
    _use_demo_settings_file(paths)
    locale = check_locale(args.locale) if args.locale else None
    cli.use_translator(translator_for(StoreSettings(locale=locale) if locale else StoreSettings()))
    cli.say(_("Demo folder: {folder}", folder=paths.folder))
    ledger = LedgerProcess(paths)
    with stop_on_signals():
        try:
            code = _start_and_open(cli, args, paths, ledger, locale, started)
        finally:
            ledger.stop()
    if not args.no_tui:
        cli.say(
            _(
                "Demo ledger stopped. The data stays in {folder}; `storeapp demo` starts again "
                "in a few seconds.",
                folder=paths.folder,
            )
        )
    return code


def _start_and_open(
    cli: Cli,
    args: argparse.Namespace,
    paths: DemoPaths,
    ledger: LedgerProcess,
    locale: str | None,
    started: float,
) -> int:
    saved = _saved_settings(paths.config)
    if not paths.database.exists():
        cli.say(_("Loading the demo network (first run: about 15 seconds)..."))
        start_demo_data(paths, args.seed).wait()
        url = ledger.start()
    else:
        # Already loaded: the replay changes nothing, so the ledger may start meanwhile.
        cli.say(_("Checking the demo network (already loaded: nothing is added)..."))
        loader = start_demo_data(paths, args.seed)
        try:
            url = ledger.start()
            loader.wait()
        finally:
            loader.kill()
    cli.say(_("Ledger serving on {url}", url=url))
    token = saved.get("token")
    if not isinstance(token, str) or not token:
        token = create_token(paths)
    base = StoreSettings(data_dir=paths.store_dir, ledger_url=url, token=token)
    extra = {"data_dir": str(paths.store_dir)}
    try:
        outcome = setup_store(base, url, token, locale=locale, now=cli.now, extra=extra)
    except LedgerUnauthorized:
        # The saved token is not this ledger's (its database was replaced): issue a new one.
        token = create_token(paths)
        base = base.model_copy(update={"token": token})
        outcome = setup_store(base, url, token, locale=locale, now=cli.now, extra=extra)
    except LedgerUnavailable as error:
        raise DemoError(
            _(
                "the demo ledger does not answer: {error}\n{output}",
                error=error,
                output=ledger.stderr_tail(),
            )
        ) from error
    if not outcome.report.online:
        raise DemoError(
            _(
                "the store could not sync with the demo ledger: {error}\n{output}",
                error=outcome.report.error,
                output=ledger.stderr_tail(),
            )
        )
    cli.say(
        _(
            "Store {location} ({name}) ready — catalog: {items} items · positions: "
            "{positions} · units on hand: {units}. Started in {seconds} s.",
            location=outcome.who.location,
            name=outcome.cache.store_name,
            items=outcome.cache.items,
            positions=outcome.cache.positions,
            units=outcome.cache.units,
            seconds=cli.translator.number(round(time.monotonic() - started, 1)),
        ),
        style="bold green",
    )
    context = open_store(outcome.settings, now=cli.now)
    try:
        if not args.no_tui:
            return open_tui(context, cli.translator)
        print_status(cli, context)
    finally:
        context.close()
    cli.say(_("Ledger URL: {url}", url=url))
    cli.say(_("Manager token of {location}: {token}", location=DEMO_LOCATION, token=token))
    cli.say(
        _(
            "The demo terminal's settings: STOREAPP_CONFIG={config} "
            "(try: storeapp lookup BRA-ELO --offline)",
            config=paths.config,
        ),
        style="dim",
    )
    return EXIT_OK
