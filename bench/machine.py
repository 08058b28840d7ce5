"""The machine a run measured, and its own durable-commit rate (the floor under every write)."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg

from bench.db import libpq_url


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"') + f", Linux {platform.release()}"
    except OSError:
        pass
    return platform.platform()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def sqlite_commit_rate(directory: Path, commits: int = 300) -> float:
    """Single-row commits per second on a WAL file with synchronous=FULL, no server around."""
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        connection = sqlite3.connect(Path(scratch) / "probe.db", isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
        started = time.perf_counter()
        for i in range(commits):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t (v) VALUES (?)", (i,))
            connection.execute("COMMIT")
        elapsed = time.perf_counter() - started
        connection.close()
    return round(commits / elapsed, 1)


def postgres_commit_rate(url: str, commits: int = 300) -> float:
    with psycopg.connect(libpq_url(url)) as connection:
        connection.execute("CREATE TEMP TABLE bench_probe (id serial PRIMARY KEY, v int)")
        connection.commit()
        started = time.perf_counter()
        for i in range(commits):
            connection.execute("INSERT INTO bench_probe (v) VALUES (%s)", (i,))
            connection.commit()
        elapsed = time.perf_counter() - started
    return round(commits / elapsed, 1)


def describe(work_dir: Path, postgres_url: str | None, wrk: str | None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": _os_name(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {
            name: _version(name)
            for name in (
                "fastapi",
                "uvicorn",
                "uvloop",
                "httptools",
                "sqlalchemy",
                "psycopg",
                "pydantic",
                "textual",
            )
        },
        "executable": sys.executable,
    }
    if wrk:
        try:
            out = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
            info["wrk"] = (out.stdout + out.stderr).splitlines()[0].split(" [")[0].strip()
        except (OSError, subprocess.SubprocessError, IndexError):
            info["wrk"] = "wrk"
    info["sqlite_commits_per_s"] = sqlite_commit_rate(work_dir)
    if postgres_url:
        with psycopg.connect(libpq_url(postgres_url)) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0].split(" ")[0] if row else None
            settings = {}
            for name in ("shared_buffers", "synchronous_commit", "fsync", "max_connections"):
                value = connection.execute(f"SHOW {name}").fetchone()
                settings[name] = value[0] if value else None
            info["postgresql_settings"] = settings
        info["postgresql_commits_per_s"] = postgres_commit_rate(postgres_url)
    return info
