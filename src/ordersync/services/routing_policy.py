"""The routing policy file: read at start, and read again whenever it changes on disk."""

from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from ordersync.domain.routing import RoutingPolicy


@dataclass(frozen=True, slots=True)
class Promise:
    near_km: float = 50.0
    near_days: int = 1
    far_days: int = 2


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    routing: RoutingPolicy
    promise: Promise


class PolicyError(ValueError):
    """The policy file is not valid; the message says which key and why."""


def parse_policy(text: str, source: str = "routing policy") -> PolicyDocument:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{source}: {error}") from error
    routing_keys = {f.name: f for f in fields(RoutingPolicy)}
    promise_keys = {f.name: f for f in fields(Promise)}
    routing: dict[str, Any] = {}
    promise: dict[str, Any] = {}
    for key, value in raw.items():
        target = routing if key in routing_keys else promise if key in promise_keys else None
        if target is None:
            raise PolicyError(f"{source}: unknown setting {key!r}")
        expected = (routing_keys.get(key) or promise_keys[key]).type
        if (
            expected in ("float", float)
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            value = float(value)
        elif expected in ("int", int) and (not isinstance(value, int) or isinstance(value, bool)):
            raise PolicyError(f"{source}: {key} must be a whole number")
        elif expected in ("bool", bool) and not isinstance(value, bool):
            raise PolicyError(f"{source}: {key} must be true or false")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise PolicyError(f"{source}: {key} must not be negative")
        target[key] = value
    return PolicyDocument(RoutingPolicy(**routing), Promise(**promise))


def default_policy_text() -> str:
    return (resources.files("ordersync") / "routing.toml").read_text(encoding="utf-8")


class PolicySource:
    """The policy in force: the packaged default, or a file that is re-read when it changes."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._document = parse_policy(default_policy_text(), "default routing policy")
        if path is not None:
            self.current()

    def current(self) -> PolicyDocument:
        if self._path is None:
            return self._document
        stat = self._path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._document = parse_policy(
                    self._path.read_text(encoding="utf-8"), str(self._path)
                )
                self._stamp = stamp
            return self._document
