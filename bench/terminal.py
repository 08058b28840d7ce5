"""A terminal app in a pseudo-terminal, driven like a person with a barcode scanner would.

The output is read as it arrives; a ``wait_for`` looks for text on screen (escape sequences
removed) after a given point, and answers the moment that text arrived.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ANSI = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def plain(data: bytes) -> str:
    return ANSI.sub(b"", data).decode("utf-8", errors="replace")


class TerminalApp:
    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
        *,
        columns: int = 140,
        rows: int = 45,
    ) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._master = master
        self._output = bytearray()
        self._arrivals: list[tuple[int, float]] = []
        self._changed = threading.Condition()
        self._closed = False
        full_env = {
            **env,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "LANG": "C.UTF-8",
            "COLUMNS": str(columns),
            "LINES": str(rows),
        }
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                chunk = b""
            with self._changed:
                if not chunk:
                    self._closed = True
                    self._changed.notify_all()
                    return
                self._output += chunk
                self._arrivals.append((len(self._output), time.monotonic()))
                self._changed.notify_all()

    @property
    def offset(self) -> int:
        with self._changed:
            return len(self._output)

    def screen_text(self, since: int = 0) -> str:
        with self._changed:
            return plain(bytes(self._output[since:]))

    def wait_for(self, text: str, since: int = 0, timeout: float = 30.0) -> float:
        """The monotonic time at which ``text`` had arrived on screen after offset ``since``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = plain(bytes(self._output[since:])).find(text)
                if found >= 0:
                    return self._arrival_of(since, text)
                if self._closed:
                    raise RuntimeError(
                        f"the app ended before showing {text!r}:\n{self.screen_text()[-2000:]}"
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{text!r} did not show within {timeout} s:\n{self.screen_text()[-2000:]}"
                    )
                self._changed.wait(left)

    def _arrival_of(self, since: int, text: str) -> float:
        # The first chunk after which the text is complete on screen.
        for end, moment in self._arrivals:
            if end > since and text in plain(bytes(self._output[since:end])):
                return moment
        return time.monotonic()

    def type(self, keys: str) -> float:
        """Send keys at once (a scanner's burst); returns the monotonic time they were sent."""
        moment = time.monotonic()
        os.write(self._master, keys.encode())
        return moment

    def rss_mib(self) -> tuple[float, float]:
        """(resident, peak resident) memory of the app's process, in MiB."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return round(values.get("VmRSS", 0.0), 1), round(values.get("VmHWM", 0.0), 1)

    def close(self, quit_keys: str = "\x11", timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            try:
                self.type(quit_keys)
                self.process.wait(timeout=timeout)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.process.pid, sig)
                    self.process.wait(timeout=5)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue
        self._reader.join(timeout=5)
        with contextlib.suppress(OSError):
            os.close(self._master)
