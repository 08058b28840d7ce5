"""``ordersync`` as an operator runs it: one command run to completion, in a child process or
(where a test makes many runs) in this one; or ``ordersync serve`` on 127.0.0.1 until stopped.

A child runs the installed entry point, with no ``ORDERSYNC_*`` setting of the test's
environment and away from any project ``.env`` file, so it sees only what the test passes; a
run in this process goes through the same parser and handlers, and reports an escaped exception
as the real command would (a traceback, exit status 1). A server counts as started once it
answers ``/v1/health``; stopped, it starts again on the same port and database.
``start_server`` retries on another port when one is taken between probing and binding.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ordersync.cli import main as ordersync_main
from ordersync.contract import Role
from tests.support.ledger_harness import Network

STARTUP_SECONDS = 30.0
SHUTDOWN_SECONDS = 10.0
COMMAND_SECONDS = 60.0


def ordersync_command() -> list[str]:
    """The installed ``ordersync`` entry point next to this interpreter, else ``python -m``."""
    beside = Path(sys.executable).parent / "ordersync"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ordersync")
    if found:
        return [found]
    return [sys.executable, "-m", "ordersync.cli"]


def child_environment() -> dict[str, str]:
    """The test's environment without any ORDERSYNC_* setting that could leak into the child."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERSYNC_")}
    env["COLUMNS"] = "200"  # rich wraps long lines at the terminal width; keep them whole
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass(frozen=True)
class CommandResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"$ ordersync {' '.join(self.args)}\nexit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


def run_ordersync(*args: str, cwd: Path, timeout: float = COMMAND_SECONDS) -> CommandResult:
    """Run the ``ordersync`` command in a child process (cwd away from any project .env file)."""
    completed = subprocess.run(
        [*ordersync_command(), *args],
        cwd=cwd,
        env=child_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CommandResult(list(args), completed.returncode, completed.stdout, completed.stderr)


def run_in_process(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> CommandResult:
    """``ordersync`` in this process: the same parser and handlers, without a process start."""
    # the command exports ORDERSYNC_DATABASE_URL for server workers; keep it out of this process
    monkeypatch.delenv("ORDERSYNC_DATABASE_URL", raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # away from any project .env file
    monkeypatch.setenv("COLUMNS", "200")
    escaped = ""
    try:
        code = ordersync_main(argv)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except Exception:
        # what the user of the real command would see: a traceback and exit status 1
        code = 1
        escaped = traceback.format_exc()
    captured = capsys.readouterr()
    return CommandResult(argv, code, captured.out, captured.err + escaped)


def assert_readable_failure(result: CommandResult) -> None:
    """A failed run that says why in one ``error:`` message, without a traceback."""
    assert result.returncode != 0, result.describe()
    assert "Traceback" not in result.stderr + result.stdout, result.describe()
    assert result.stderr.strip().startswith("error:"), result.describe()


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on (as long as nothing takes it meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], grace: float = SHUTDOWN_SECONDS) -> None:
    """SIGTERM, then SIGKILL of the process's whole group if it hangs.

    The process must run in a session of its own: its group then holds only it and what it
    started (uvicorn's workers).
    """
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


class PortTaken(Exception):
    """The server's port was taken between probing and binding; the server's output says so."""


@dataclass
class LedgerServer:
    """``ordersync serve`` on 127.0.0.1:``port`` over ``database_url``, and what a test needs to
    talk to it. ``start`` returns once it answers; stopped, it starts again on the same port."""

    database_url: str
    network: Network
    port: int
    log_dir: Path
    workers: int = 1
    options: tuple[str, ...] = ()
    """More options of ``ordersync serve`` (its log level...)."""
    settings: tuple[tuple[str, str], ...] = ()
    """``ORDERSYNC_*`` variables the server (and each of its workers) reads, as (name, value)."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def token(self, location: str = "A", role: Role = Role.ASSOCIATE) -> str:
        return self.network.token(location, role)

    def headers(self, location: str = "A", role: Role = Role.ASSOCIATE) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(location, role)}"}

    def output(self) -> str:
        """What the server printed, over every start."""
        parts = []
        for stream in ("stdout", "stderr"):
            log = self.log_dir / f"{stream}.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"--- server {stream} ---\n{text}")
        return "\n".join(parts)

    def start(self) -> None:
        """Start the server and wait until it answers; ``PortTaken`` if its port was taken."""
        if self.running:
            raise RuntimeError("the ledger is already running")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (
            (self.log_dir / "stdout.log").open("ab") as out,
            (self.log_dir / "stderr.log").open("ab") as err,
        ):
            self.process = subprocess.Popen(
                [
                    *ordersync_command(),
                    "--database-url",
                    self.database_url,
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    *self.options,
                ],
                cwd=self.log_dir,
                env={**child_environment(), **dict(self.settings)},
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        self._wait_until_healthy(self.process)

    def _wait_until_healthy(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        last_error = "no answer yet"
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    output = self.output()
                    if "address already in use" in output.lower():
                        raise PortTaken(output)
                    pytest.fail(
                        f"ordersync serve exited with {process.returncode} before answering "
                        f"/v1/health on port {self.port}\n{output}"
                    )
                try:
                    reply = client.get("/v1/health")
                except httpx.TransportError as error:
                    last_error = repr(error)
                else:
                    if reply.status_code == 200:
                        return
                    last_error = f"{reply.status_code} {reply.text}"
                time.sleep(0.1)
        self.stop()
        pytest.fail(
            f"ordersync serve did not answer /v1/health on port {self.port} within "
            f"{STARTUP_SECONDS:.0f} s (last: {last_error})\n{self.output()}"
        )

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


def start_server(
    database_url: str,
    network: Network,
    workers: int,
    log_dir: Path,
    options: tuple[str, ...] = (),
    settings: tuple[tuple[str, str], ...] = (),
) -> LedgerServer:
    """A server started on a free port, on another one if that port was taken meanwhile."""
    reason = ""
    for attempt in range(3):
        server = LedgerServer(
            database_url,
            network,
            free_port(),
            log_dir / f"attempt-{attempt}",
            workers,
            options,
            settings,
        )
        try:
            server.start()
        except PortTaken as taken:
            reason = str(taken)
        else:
            return server
    pytest.fail(f"could not find a free port for ordersync serve\n{reason}")


ServerFactory = Callable[..., LedgerServer]
