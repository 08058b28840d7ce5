"""The routing policy file: read at start, and read again whenever it changes on disk."""

from __future__ import annotations

import logging
import math
import re
import threading
import tomllib
from dataclasses import dataclass, field, fields
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from ordersync.contract import SuspectRouting
from ordersync.domain.counter_policy import CounterPolicy
from ordersync.domain.future_stock import FutureStockPolicy, IncomingSource
from ordersync.domain.routing import RoutingPolicy
from ordersync.domain.rule_sets import RuleSet
from ordersync.domain.service_levels import ServiceLevels
from ordersync.services.rule_set_file import RULE_SETS, RuleSetError, parse_rule_sets

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Promise:
    near_km: float = 50.0
    near_days: int = 1
    far_days: int = 2


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    routing: RoutingPolicy
    promise: Promise
    future_stock: FutureStockPolicy = field(default_factory=FutureStockPolicy)
    counter: CounterPolicy = field(default_factory=CounterPolicy)
    service_level: ServiceLevels = field(default_factory=ServiceLevels)
    rule_sets: tuple[RuleSet, ...] = ()
    """The file's ``[[rule_sets]]`` in order; none: the top-level keys make the only one."""


class PolicyError(ValueError):
    """The policy file is not valid; the message says which key and why."""


_LIMITS: dict[str, tuple[float, float]] = {
    "hold_hours": (1, 720),
    "service_level_minutes": (1, 7 * 24 * 60),
    "near_days": (0, 60),
    "far_days": (0, 60),
    "distance_tolerance_km": (0, 20_000),
    "max_distance_km": (0, 20_000),
    "near_km": (0, 20_000),
    "future_stock.horizon_days": (0, 366),
    "counter.max_line_units": (1, 1_000_000),
    "service_level.to_start_minutes": (1, 7 * 24 * 60),
    "service_level.to_pick_minutes": (1, 7 * 24 * 60),
    "service_level.to_pack_minutes": (1, 7 * 24 * 60),
    "service_level.to_ship_minutes": (1, 7 * 24 * 60),
    "service_level.to_hand_over_hours": (1, 90 * 24),
    "service_level.collection_days": (1, 90),
}
_CHOICES: dict[str, type[StrEnum]] = {"suspect_positions": SuspectRouting}
"""Settings that name one word of a vocabulary, and that vocabulary."""


def _checked(key: str, kind: str, value: object, source: str) -> object:
    if key in _CHOICES:
        words = _CHOICES[key]
        if not isinstance(value, str) or value not in {word.value for word in words}:
            known = ", ".join(f'"{word.value}"' for word in words)
            raise PolicyError(f"{source}: {key} must be one of {known}")
        return words(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise PolicyError(f"{source}: {key} must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{source}: {key} must be a number")
    if kind == "int" and not isinstance(value, int):
        raise PolicyError(f"{source}: {key} must be a whole number")
    if not math.isfinite(value):
        raise PolicyError(f"{source}: {key} must be a finite number")
    low, high = _LIMITS.get(key, (0, math.inf))
    if not low <= value <= high:
        raise PolicyError(f"{source}: {key} must be between {low:,.10g} and {high:,.10g}")
    return float(value) if kind == "float" else value


def parse_policy(text: str, source: str = "routing policy") -> PolicyDocument:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{source}: {error}") from error
    kinds = {f.name: str(f.type) for f in (*fields(RoutingPolicy), *fields(Promise))}
    routing_keys = {f.name for f in fields(RoutingPolicy)}
    routing: dict[str, Any] = {}
    promise: dict[str, Any] = {}
    future_stock = FutureStockPolicy()
    counter = CounterPolicy()
    service_level: dict[str, Any] = {}
    for key, value in raw.items():
        if key == RULE_SETS:
            continue
        if key == _SERVICE_LEVEL:
            service_level = _service_level(value, source)
            continue
        if key in (_FUTURE_STOCK, _COUNTER):
            if not isinstance(value, dict):
                raise PolicyError(f"{source}: {key} is a table: write it as [{key}]")
            if key == _FUTURE_STOCK:
                future_stock = _future_stock(value, source)
            else:
                counter = _counter(value, source)
            continue
        if key not in kinds:
            raise PolicyError(f"{source}: unknown setting {key!r}")
        target = routing if key in routing_keys else promise
        target[key] = _checked(key, kinds[key], value, source)
    routing_policy = RoutingPolicy(**routing)
    # The old top-level service_level_minutes stays the target to start unless the table says.
    service_level.setdefault("to_start_minutes", routing_policy.service_level_minutes)
    try:
        rule_sets = parse_rule_sets(raw.get(RULE_SETS), routing_policy)
    except RuleSetError as error:
        raise PolicyError(f"{source}: {error}") from None
    return PolicyDocument(
        routing_policy,
        Promise(**promise),
        future_stock,
        counter,
        ServiceLevels(**service_level),
        rule_sets=rule_sets,
    )


_FUTURE_STOCK = "future_stock"
_COUNTER = "counter"
_SERVICE_LEVEL = "service_level"
_REASON_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _future_stock(table: dict[str, Any], source: str) -> FutureStockPolicy:
    """The ``[future_stock]`` table: when order lines may be promised against incoming units."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{_FUTURE_STOCK}.{key}"
        if key == "enabled":
            values[key] = _checked(name, "bool", value, source)
        elif key == "horizon_days":
            values[key] = _checked(name, "int", value, source)
        elif key == "sources":
            values[key] = _sources(name, value, source)
        else:
            raise PolicyError(f"{source}: unknown setting {name!r}")
    return FutureStockPolicy(**values)


def _service_level(table: object, source: str) -> dict[str, Any]:
    """The ``[service_level]`` table: each open state's target, the collection deadline."""
    if not isinstance(table, dict):
        raise PolicyError(f"{source}: {_SERVICE_LEVEL} is a table: write it as [{_SERVICE_LEVEL}]")
    known = {f.name for f in fields(ServiceLevels)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{_SERVICE_LEVEL}.{key}"
        if key not in known:
            raise PolicyError(f"{source}: unknown setting {name!r}")
        values[key] = _checked(name, "int", value, source)
    return values


def _sources(name: str, value: object, source: str) -> frozenset[IncomingSource]:
    known = ", ".join(f'"{s.value}"' for s in IncomingSource)
    if not isinstance(value, list) or not value:
        raise PolicyError(f"{source}: {name} must be a list of one or more of {known}")
    chosen = set()
    for entry in value:
        if not isinstance(entry, str) or entry not in {s.value for s in IncomingSource}:
            raise PolicyError(f"{source}: {name} names {entry!r}; it may name {known}")
        chosen.add(IncomingSource(entry))
    return frozenset(chosen)


def _counter(table: dict[str, Any], source: str) -> CounterPolicy:
    """The ``[counter]`` table: the most units one counter line may carry, and the reasons a
    customer's return may give."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{_COUNTER}.{key}"
        if key == "max_line_units":
            values[key] = _checked(name, "int", value, source)
        elif key == "return_reasons":
            values[key] = _return_reasons(name, value, source)
        else:
            raise PolicyError(f"{source}: unknown setting {name!r}")
    return CounterPolicy(**values)


def _return_reasons(name: str, value: object, source: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise PolicyError(f"{source}: {name} must be a list of one or more reason codes")
    for entry in value:
        if not isinstance(entry, str) or not _REASON_CODE.fullmatch(entry):
            raise PolicyError(
                f"{source}: {name} names {entry!r}; a reason code is a lowercase letter, then "
                "up to 31 lowercase letters, digits or underscores"
            )
    if len(set(value)) != len(value):
        twice = sorted({entry for entry in value if value.count(entry) > 1})
        raise PolicyError(f"{source}: {name} names {', '.join(twice)} more than once")
    return tuple(value)


def default_policy_text() -> str:
    return (resources.files("ordersync") / "routing.toml").read_text(encoding="utf-8")


class PolicySource:
    """The policy in force: the packaged default, or a file read again whenever it changes.

    A file that becomes unreadable or invalid while the ledger runs does not stop it: the last
    valid policy stays in force and the problem is logged (at start an invalid file is an error).
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._text: bytes | None = None
        self._document = parse_policy(default_policy_text(), "default routing policy")
        if path is not None:
            self._load(path.read_bytes())

    def _load(self, content: bytes) -> None:
        self._document = parse_policy(content.decode("utf-8"), str(self._path))
        self._text = content

    def current(self) -> PolicyDocument:
        if self._path is None:
            return self._document
        with self._lock:
            try:
                content = self._path.read_bytes()
                if content != self._text:
                    self._load(content)
            except (OSError, UnicodeDecodeError, PolicyError) as error:
                log.error("routing policy not reloaded, keeping the last valid one: %s", error)
            return self._document
