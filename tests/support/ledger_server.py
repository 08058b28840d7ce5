"""``ordersync`` in child processes: one command run to completion, or ``ordersync serve`` on
127.0.0.1 until stopped.

The child runs the installed entry point, with no ``ORDERSYNC_*`` setting of the test's
environment and away from any project ``.env`` file, so it sees only what the test passes. A
server counts as started once it answers ``/v1/health``; a port taken between probing and
binding is retried on another.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LedgerServer:
    """A running ``ordersync serve`` and what a test needs to talk to it."""

    database_url: str
    network: Network
    workers: int
    port: int
    process: subprocess.Popen[bytes]
    log_dir: Path
    stdout_text: str = ""
    stderr_text: str = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, location: str = "A", role: Role = Role.ASSOCIATE) -> str:
        return self.network.token(location, role)

    def headers(self, location: str = "A", role: Role = Role.ASSOCIATE) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(location, role)}"}

    def output(self) -> str:
        stdout = (self.log_dir / "stdout.log").read_text(errors="replace")
        stderr = (self.log_dir / "stderr.log").read_text(errors="replace")
        return f"--- server stdout ---\n{stdout}\n--- server stderr ---\n{stderr}"

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts its workers down), then SIGKILL the whole group if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=SHUTDOWN_SECONDS)
            except subprocess.TimeoutExpired:
                # The server runs in its own session: its group holds only it and its workers.
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=SHUTDOWN_SECONDS)
        self.stdout_text = (self.log_dir / "stdout.log").read_text(errors="replace")
        self.stderr_text = (self.log_dir / "stderr.log").read_text(errors="replace")


def _start(
    database_url: str, network: Network, workers: int, log_dir: Path
) -> tuple[LedgerServer | None, str]:
    """One attempt; (None, reason) when the port was taken between probing and binding."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "stdout.log").open("wb") as out, (log_dir / "stderr.log").open("wb") as err:
        process = subprocess.Popen(
            [
                *ordersync_command(),
                "--database-url",
                database_url,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=log_dir,
            env=child_environment(),
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    server = LedgerServer(database_url, network, workers, port, process, log_dir)
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error = "no answer yet"
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = server.output()
                server.stop()
                if "address already in use" in output.lower():
                    return None, output
                pytest.fail(
                    f"ordersync serve exited with {process.returncode} before answering "
                    f"/v1/health\n{output}"
                )
            try:
                reply = client.get("/v1/health")
            except httpx.TransportError as error:
                last_error = repr(error)
            else:
                if reply.status_code == 200:
                    return server, ""
                last_error = f"{reply.status_code} {reply.text}"
            time.sleep(0.1)
    output = server.output()
    server.stop()
    pytest.fail(
        f"ordersync serve did not answer /v1/health within {STARTUP_SECONDS:.0f} s "
        f"(last: {last_error})\n{output}"
    )


def start_server(database_url: str, network: Network, workers: int, log_dir: Path) -> LedgerServer:
    reason = ""
    for attempt in range(3):
        server, reason = _start(database_url, network, workers, log_dir / f"attempt-{attempt}")
        if server is not None:
            return server
    pytest.fail(f"could not find a free port for ordersync serve\n{reason}")


ServerFactory = Callable[..., LedgerServer]
