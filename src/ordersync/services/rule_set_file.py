"""The ``[[rule_sets]]`` of the routing policy file: read into ``domain.rule_sets`` objects.

Each rule set has a unique ``name``, an optional ``[rule_sets.when]`` table of conditions and one
or more ``[[rule_sets.rules]]``, each with a name unique in its set. A rule's keys left out take
the policy's top-level values (``include_warehouses``, ``max_distance_km``,
``distance_tolerance_km``) or the behaviour the ledger had before rule sets. Every error names
the rule set, the rule and the key, so the file is fixed where it is wrong; a key the ledger
does not know is an error. A rule's optional ``[rule_sets.rules.competitive]`` table (``offer_to``,
``claim_minutes``) makes it offer its lines to several locations at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from ordersync.contract import Channel, DeliveryKind, LocationKind
from ordersync.contract.stock import LOCATION_GROUP_PATTERN
from ordersync.domain.routing import RoutingPolicy, policy_rule
from ordersync.domain.rule_sets import Conditions, RuleSet
from ordersync.domain.rules import Competitive, Filters, Rule, SortKey

RULE_SETS = "rule_sets"
"""The policy file's key for the array of rule sets."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,47}")
_GROUP = re.compile(LOCATION_GROUP_PATTERN)
_REFERENCE = re.compile(r"\S{1,64}")
_REGION = re.compile(r"(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-8]|98[6-8])")
_MAX_MINOR = 10**12

_Word = TypeVar("_Word", bound=StrEnum)


class RuleSetError(ValueError):
    """A rule set of the file is not valid; the message names where and why."""


def parse_rule_sets(value: object, top: RoutingPolicy) -> tuple[RuleSet, ...]:
    """The rule sets of the file (none: ``()``), or ``RuleSetError`` naming the place."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise RuleSetError(f"{RULE_SETS} is an array of tables: write each as [[{RULE_SETS}]]")
    rule_sets: list[RuleSet] = []
    for number, table in enumerate(value, start=1):
        rule_set = _rule_set(table, number, top)
        if any(known.name == rule_set.name for known in rule_sets):
            raise RuleSetError(f"rule set {rule_set.name!r} is named twice")
        rule_sets.append(rule_set)
    return tuple(rule_sets)


def _rule_set(table: dict[str, Any], number: int, top: RoutingPolicy) -> RuleSet:
    place = f"rule set {number}"
    name = _name(table.get("name"), place)
    place = f"rule set {name!r}"
    for key in table:
        if key not in ("name", "when", "rules"):
            raise RuleSetError(f"{place}: unknown setting {key!r}")
    when = table.get("when", {})
    if not isinstance(when, dict):
        raise RuleSetError(f"{place}: when is a table: write it as [{RULE_SETS}.when]")
    rules_value = table.get("rules")
    if not isinstance(rules_value, list) or not rules_value:
        raise RuleSetError(f"{place}: needs one or more rules, each as [[{RULE_SETS}.rules]]")
    rules: list[Rule] = []
    for position, rule_table in enumerate(rules_value, start=1):
        if not isinstance(rule_table, dict):
            raise RuleSetError(f"{place}: each rule is a table: write it as [[{RULE_SETS}.rules]]")
        rule = _rule(rule_table, place, position, top)
        if any(known.name == rule.name for known in rules):
            raise RuleSetError(f"{place}: rule {rule.name!r} is named twice")
        rules.append(rule)
    return RuleSet(name, _conditions(when, f"{place}, when"), tuple(rules))


def _conditions(table: dict[str, Any], place: str) -> Conditions:
    values: dict[str, Any] = {}
    readers: dict[str, Callable[[object, str], object]] = {
        "channels": lambda v, k: _words(v, k, Channel),
        "delivery": lambda v, k: _words(v, k, DeliveryKind),
        "min_value_minor": lambda v, k: _number(v, k, 0, _MAX_MINOR, whole=True),
        "max_value_minor": lambda v, k: _number(v, k, 0, _MAX_MINOR, whole=True),
        "references": lambda v, k: _texts(v, k, _REFERENCE, "a reference without spaces"),
        "regions": lambda v, k: _texts(v, k, _REGION, "a French department code (75, 2A, 974)"),
    }
    for key, value in table.items():
        reader = readers.get(key)
        if reader is None:
            raise RuleSetError(f"{place}: unknown setting {key!r}")
        values[key] = _at(place, reader, value, key)
    low, high = values.get("min_value_minor"), values.get("max_value_minor")
    if low is not None and high is not None and low > high:
        raise RuleSetError(f"{place}: min_value_minor is more than max_value_minor")
    return Conditions(**values)


def _rule(table: dict[str, Any], rule_set: str, position: int, top: RoutingPolicy) -> Rule:
    name = _name(table.get("name"), f"{rule_set}, rule {position}")
    place = f"{rule_set}, rule {name!r}"
    default = policy_rule(top)
    filters: dict[str, Any] = {}
    rule: dict[str, Any] = {"name": name}
    filter_readers: dict[str, Callable[[object, str], object]] = {
        "kinds": lambda v, k: _words(v, k, LocationKind),
        "groups": lambda v, k: _texts(v, k, _GROUP, "a group name (letters, digits, _ . -)"),
        "max_distance_km": lambda v, k: _number(v, k, 0, 20_000),
        "min_units_left": lambda v, k: _number(v, k, 0, 1_000_000, whole=True),
        "min_capacity_left": lambda v, k: _number(v, k, 1, 100_000, whole=True),
    }
    rule_readers: dict[str, Callable[[object, str], object]] = {
        "sort": _sort,
        "distance_tolerance_km": lambda v, k: _number(v, k, 0, 20_000),
        "split": _flag,
        "promise_tolerance_days": lambda v, k: _number(v, k, 0, 60, whole=True),
        "competitive": _competitive,
    }
    for key, value in table.items():
        if key == "name":
            continue
        if key in filter_readers:
            filters[key] = _at(place, filter_readers[key], value, key)
        elif key in rule_readers:
            rule[key] = _at(place, rule_readers[key], value, key)
        else:
            raise RuleSetError(f"{place}: unknown setting {key!r}")
    filters.setdefault("kinds", default.filters.kinds)
    filters.setdefault("max_distance_km", default.filters.max_distance_km)
    rule.setdefault("distance_tolerance_km", default.distance_tolerance_km)
    return Rule(filters=Filters(**filters), **rule)


def _at(place: str, reader: Callable[[object, str], object], value: object, key: str) -> object:
    try:
        return reader(value, key)
    except RuleSetError as error:
        raise RuleSetError(f"{place}: {error}") from None


def _name(value: object, place: str) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise RuleSetError(
            f"{place}: name must be 1 to 48 letters, digits, spaces, _ . or -, "
            "starting with a letter or digit"
        )
    return value


def _words(value: object, key: str, words: type[_Word]) -> frozenset[_Word]:
    known = ", ".join(f'"{word.value}"' for word in words)
    if not isinstance(value, list) or not value:
        raise RuleSetError(f"{key} must be a list of one or more of {known}")
    chosen: set[_Word] = set()
    for entry in value:
        if not isinstance(entry, str) or entry not in {word.value for word in words}:
            raise RuleSetError(f"{key} names {entry!r}; it may name {known}")
        chosen.add(words(entry))
    return frozenset(chosen)


def _texts(value: object, key: str, pattern: re.Pattern[str], what: str) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise RuleSetError(f"{key} must be a list of one or more entries, each {what}")
    for entry in value:
        if not isinstance(entry, str) or not pattern.fullmatch(entry):
            raise RuleSetError(f"{key} names {entry!r}; each entry is {what}")
    return frozenset(value)


def _number(value: object, key: str, low: float, high: float, *, whole: bool = False) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleSetError(f"{key} must be a number")
    if whole and not isinstance(value, int):
        raise RuleSetError(f"{key} must be a whole number")
    if not math.isfinite(value) or not low <= value <= high:
        raise RuleSetError(f"{key} must be between {low:,.10g} and {high:,.10g}")
    return value if whole else float(value)


def _flag(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise RuleSetError(f"{key} must be true or false")
    return value


MAX_OFFER_TO = 20
MAX_CLAIM_MINUTES = 24 * 60


def _competitive(value: object, key: str) -> Competitive:
    if not isinstance(value, dict):
        raise RuleSetError(f"{key} is a table: write it as [{RULE_SETS}.rules.{key}]")
    settings: dict[str, Any] = {}
    bounds = {"offer_to": (2, MAX_OFFER_TO), "claim_minutes": (1, MAX_CLAIM_MINUTES)}
    for name, entry in value.items():
        if name not in bounds:
            raise RuleSetError(f"{key}: unknown setting {name!r}")
        low, high = bounds[name]
        try:
            settings[name] = _number(entry, name, low, high, whole=True)
        except RuleSetError as error:
            raise RuleSetError(f"{key}: {error}") from None
    return Competitive(**settings)


def _sort(value: object, key: str) -> tuple[SortKey, ...]:
    known = ", ".join(f'"{word.value}"' for word in SortKey)
    if not isinstance(value, list) or not value:
        raise RuleSetError(f"{key} must be a list of one or more of {known}")
    keys: list[SortKey] = []
    for entry in value:
        if not isinstance(entry, str) or entry not in {word.value for word in SortKey}:
            raise RuleSetError(f"{key} names {entry!r}; it may name {known}")
        if SortKey(entry) in keys:
            raise RuleSetError(f"{key} names {entry!r} twice")
        keys.append(SortKey(entry))
    return tuple(keys)
