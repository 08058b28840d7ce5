"""Servers on 127.0.0.1 for the length of a measure: started, waited for, and always stopped.

Every process runs in its own session, so stopping it reaches its workers too; the registry
stops whatever is still running when the harness leaves, normally or not.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
STARTUP_SECONDS = 60.0
STOP_SECONDS = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def venv_bin(name: str) -> str:
    """A console script installed next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed (run `make install`)")
    return found


def ordersync_command() -> list[str]:
    beside = Path(sys.executable).parent / "ordersync"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "ordersync.cli"]


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without ORDERSYNC_/STOREAPP_ settings, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORDERSYNC_", "STOREAPP_", "TEXTUAL"))
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_dir: Path
    workers: int
    health_path: str

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self, tail: int = 3000) -> str:
        parts = []
        for stream in ("stdout", "stderr"):
            path = self.log_dir / f"{self.name}.{stream}.log"
            if path.exists():
                parts.append(f"--- {stream} ---\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_SECONDS)
        # Workers left behind by a supervisor that died first: same session, same group.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


class ServerFailed(RuntimeError):
    pass


@dataclass
class Servers:
    """Starts servers and stops every one of them, also on errors and interrupts."""

    log_dir: Path
    running: list[Server] = field(default_factory=list)
    started: int = 0

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        workers: int = 1,
        health_path: str = "/v1/health",
        port: int | None = None,
    ) -> Server:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.started += 1
        name = f"{self.started:02d}-{name}"
        chosen = port or free_port()
        argv = [part.replace("{port}", str(chosen)) for part in command]
        with (
            (self.log_dir / f"{name}.stdout.log").open("wb") as out,
            (self.log_dir / f"{name}.stderr.log").open("wb") as err,
        ):
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=clean_environment(env),
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        server = Server(name, chosen, process, self.log_dir, workers, health_path)
        self.running.append(server)
        try:
            self._wait_ready(server)
        except BaseException:
            self.stop(server)
            raise
        return server

    def _wait_ready(self, server: Server) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        last = "no answer"
        while time.monotonic() < deadline:
            if not server.alive():
                raise ServerFailed(
                    f"{server.name} exited with {server.process.returncode}\n{server.output()}"
                )
            try:
                with urllib.request.urlopen(server.base_url + server.health_path, timeout=2) as r:
                    if r.status == 200:
                        break
                    last = f"HTTP {r.status}"
            except (urllib.error.URLError, OSError) as error:
                last = str(error)
            time.sleep(0.05)
        else:
            raise ServerFailed(
                f"{server.name} did not answer within {STARTUP_SECONDS:.0f} s: {last}"
            )
        if server.workers > 1:
            # The first worker answers while the others may still be importing: give them time
            # (the warm-up that follows every start covers the rest).
            time.sleep(1.0)

    def stop(self, server: Server) -> None:
        server.stop()
        if server in self.running:
            self.running.remove(server)

    def stop_all(self) -> None:
        for server in list(reversed(self.running)):
            self.stop(server)

    @contextmanager
    def run(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        workers: int = 1,
        health_path: str = "/v1/health",
    ) -> Iterator[Server]:
        server = self.start(name, command, env=env, workers=workers, health_path=health_path)
        try:
            yield server
        finally:
            self.stop(server)

    def ordersync(
        self, name: str, database_url: str, workers: int
    ) -> AbstractContextManager[Server]:
        return self.run(
            name,
            [
                *ordersync_command(),
                "--database-url",
                database_url,
                "serve",
                "--host",
                HOST,
                "--port",
                "{port}",
                "--workers",
                str(workers),
                "--no-upgrade",
            ],
            workers=workers,
        )

    def uvicorn_app(
        self, name: str, app: str, workers: int, env: Mapping[str, str], health_path: str
    ) -> AbstractContextManager[Server]:
        """A baseline app (``module:attribute``) under uvicorn, as ordersync serve runs."""
        return self.run(
            name,
            [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                "--host",
                HOST,
                "--port",
                "{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            workers=workers,
            health_path=health_path,
        )


def run_command(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 600.0
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end (bounded); raise with its output when it fails."""
    completed = subprocess.run(
        list(argv),
        cwd=ROOT,
        env=clean_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited with {completed.returncode}\n"
            f"{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}"
        )
    return completed


def issue_token(database_url: str, location: str, role: str) -> str:
    """``ordersync token create``: the token is alone on the last line of its output."""
    completed = run_command(
        [
            *ordersync_command(),
            "--database-url",
            database_url,
            "token",
            "create",
            "--location",
            location,
            "--role",
            role,
            "--device",
            "bench",
        ],
        timeout=120,
    )
    return completed.stdout.strip().splitlines()[-1].strip()
