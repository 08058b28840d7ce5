"""Load generation: what to send (``LoadSpec``), what came back (``LoadResult``), and wrk.

wrk costs little CPU (C, epoll, one thread here), which matters on a 2-core machine where the
load generator shares the cores with the server it measures. Each request may carry a fresh
UUID (``{op_id}``) and a key drawn at random from a list (``{key}``), made by a small Lua
script; the same script counts statuses, bounds the number of requests, and prints the result
as one JSON line.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

PLACEHOLDER = re.compile(r"\{(op_id|key)\}")


@dataclass(frozen=True)
class LoadSpec:
    name: str
    method: str
    path: str
    """Request path; ``{key}`` is replaced by a random key per request."""
    connections: int
    duration: float
    max_requests: int
    body: str | None = None
    """Request body; ``{op_id}`` becomes a fresh UUID per request, ``{key}`` a random key."""
    keys: Sequence[str] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    threads: int = 1
    timeout: float = 30.0

    @property
    def dynamic(self) -> bool:
        return bool(PLACEHOLDER.search(self.path) or (self.body and PLACEHOLDER.search(self.body)))


@dataclass
class LoadResult:
    responses: int
    elapsed_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    statuses: dict[int, int]
    errors: dict[str, int]
    generator: str
    cpu: dict[str, float] | None = None
    """The machine's CPU while measured: the run's share and the background's (% of a core)."""

    def count(self, *codes: int) -> int:
        return sum(self.statuses.get(code, 0) for code in codes)

    @property
    def background_pct(self) -> float:
        return self.cpu["background_pct"] if self.cpu else 0.0

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["statuses"] = {str(k): v for k, v in self.statuses.items()}
        return data


class LoadGenerator(Protocol):
    name: str

    def run(self, base_url: str, spec: LoadSpec) -> LoadResult: ...


class WrkUnavailable(RuntimeError):
    pass


def ensure_wrk(install: bool = True) -> str:
    """The wrk binary; installed from Debian's packages when missing (as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if not install:
        raise WrkUnavailable("wrk is not installed")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise WrkUnavailable("wrk is not installed: run `apt-get install -y wrk` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "wrk"],
    ):
        completed = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        if completed.returncode != 0:
            raise WrkUnavailable(f"{' '.join(argv)} failed:\n{completed.stderr[-2000:]}")
    found = shutil.which("wrk")
    if not found:
        raise WrkUnavailable("apt-get installed wrk but it is not on PATH")
    return found


def lua_string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def lua_template(template: str) -> str:
    """A Lua expression building ``template`` from the ``op_id`` and ``key`` locals."""
    parts: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        if match.start() > position:
            parts.append(lua_string(template[position : match.start()]))
        parts.append(match.group(1))
        position = match.end()
    if position < len(template):
        parts.append(lua_string(template[position:]))
    return " .. ".join(parts) if parts else '""'


LUA_PRELUDE = r"""
local ffi = require("ffi")
pcall(ffi.cdef, [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *tp);
]])
local timespec = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, timespec)
  return tonumber(timespec.tv_sec) * 1000000 + tonumber(timespec.tv_nsec) / 1000
end

local threads = {}
local created = 0
function setup(thread)
  created = created + 1
  thread:set("thread_id", created)
  table.insert(threads, thread)
end

local function r16() return string.format("%04x", math.random(0, 65535)) end
local variants = {"8", "9", "a", "b"}
local function uuid4()
  return r16() .. r16() .. "-" .. r16() .. "-4" .. string.sub(r16(), 2) .. "-"
    .. variants[math.random(1, 4)] .. string.sub(r16(), 2) .. "-" .. r16() .. r16() .. r16()
end

function init(args)
  math.randomseed((tonumber(args[1]) or 1) + thread_id * 7919)
  for _ = 1, 20 do math.random() end
  statuses = {}
  responses = 0
  limit = tonumber(args[2]) or 0
  first_us = now_us()
  last_us = first_us
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  responses = responses + 1
  last_us = now_us()
  if limit > 0 and responses >= limit then
    -- wrk sleeps for the whole duration: tell the harness, which ends the run with SIGINT.
    io.write("BENCH_CAP_REACHED\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local agg, total, first, last = {}, 0, nil, 0
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do agg[code] = (agg[code] or 0) + n end
    total = total + t:get("responses")
    local f, l = t:get("first_us"), t:get("last_us")
    if first == nil or f < first then first = f end
    if l > last then last = l end
  end
  local parts = {}
  for code, n in pairs(agg) do parts[#parts + 1] = string.format('"%d":%d', code, n) end
  local e = summary.errors
  io.write("BENCH_RESULT ", string.format(
    '{"responses":%d,"elapsed_us":%.0f,"duration_us":%.0f,"errors":{"connect":%d,"read":%d,'
    .. '"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%.0f,"p90":%.0f,"p99":%.0f,'
    .. '"max":%.0f,"mean":%.1f},"statuses":{%s}}',
    total, last - (first or last), summary.duration, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(parts, ",")), "\n")
end
"""


def wrk_script(spec: LoadSpec) -> str:
    lines = [LUA_PRELUDE]
    lines.append(f"wrk.method = {lua_string(spec.method)}")
    lines.append(f"wrk.path = {lua_string(spec.path)}")
    for name, value in spec.headers.items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    if spec.body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    if not spec.dynamic:
        if spec.body is not None:
            lines.append(f"wrk.body = {lua_string(spec.body)}")
        return "\n".join(lines) + "\n"
    keys = ", ".join(lua_string(k) for k in spec.keys) or '""'
    lines.append(f"local keys = {{{keys}}}")
    lines.append("local nkeys = #keys")
    body = "nil" if spec.body is None else lua_template(spec.body)
    lines.append(
        "function request()\n"
        "  local key = keys[math.random(1, nkeys)]\n"
        "  local op_id = uuid4()\n"
        f"  return wrk.format(nil, {lua_template(spec.path)}, nil, {body})\n"
        "end"
    )
    return "\n".join(lines) + "\n"


class Wrk:
    name = "wrk"

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or ensure_wrk()

    def run(self, base_url: str, spec: LoadSpec) -> LoadResult:
        threads = max(1, min(spec.threads, spec.connections))
        per_thread = math.ceil(spec.max_requests / threads) if spec.max_requests else 0
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(wrk_script(spec))
        try:
            argv = [
                self.binary,
                f"-t{threads}",
                f"-c{spec.connections}",
                f"-d{max(1, round(spec.duration))}s",
                f"--timeout={max(1, round(spec.timeout))}s",
                "-s",
                script.name,
                base_url + spec.path.replace("{key}", spec.keys[0] if spec.keys else ""),
                "--",
                str(random.SystemRandom().randrange(1, 2**31)),
                str(per_thread),
            ]
            stdout = self._run(argv, threads if per_thread else 0, spec.duration + 120)
        finally:
            Path(script.name).unlink(missing_ok=True)
        line = next((ln for ln in stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
        if line is None:
            raise RuntimeError(f"wrk gave no result for {spec.name}:\n{stdout[-3000:]}")
        return result_from_wrk(json.loads(line.removeprefix("BENCH_RESULT ")))

    @staticmethod
    def _run(argv: list[str], threads_capped: int, timeout: float) -> str:
        """Run wrk; end it (SIGINT: it prints its summary) once every thread reached its cap."""
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        lines: list[str] = []
        capped = 0
        try:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                if line.startswith("BENCH_CAP_REACHED"):
                    capped += 1
                    if capped == threads_capped and process.poll() is None:
                        process.send_signal(signal.SIGINT)
            process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        output = "".join(lines)
        if process.returncode not in (0, -signal.SIGINT):
            raise RuntimeError(f"wrk exited with {process.returncode}:\n{output[-3000:]}")
        return output


def result_from_wrk(raw: dict[str, object]) -> LoadResult:
    latency = raw["latency_us"]
    assert isinstance(latency, dict)
    responses = int(raw["responses"])  # type: ignore[call-overload]
    elapsed = max(float(raw["elapsed_us"]), 1.0) / 1e6  # type: ignore[arg-type]
    statuses = raw["statuses"]
    errors = raw["errors"]
    assert isinstance(statuses, dict)
    assert isinstance(errors, dict)
    return LoadResult(
        responses=responses,
        elapsed_s=round(elapsed, 3),
        rps=round(responses / elapsed, 1),
        p50_ms=round(latency["p50"] / 1000, 2),
        p90_ms=round(latency["p90"] / 1000, 2),
        p99_ms=round(latency["p99"] / 1000, 2),
        max_ms=round(latency["max"] / 1000, 2),
        mean_ms=round(latency["mean"] / 1000, 2),
        statuses={int(k): int(v) for k, v in statuses.items()},
        errors={str(k): int(v) for k, v in errors.items()},
        generator="wrk",
    )
