"""Rule sets: the routing policy chosen by what the order is, and the chain of its rules.

An order is routed by the first rule set, in the policy file's order, whose conditions it meets
(a rule set without conditions meets every order); when none does, or the file writes no rule
set, by the default rule set: one rule built from the policy's top-level keys, which routes as
the ledger did before rule sets.

The rules of the chosen set are tried in order. A rule whose plan serves the whole order within
its promise tolerance decides; otherwise it passes the order to the next rule, and the decision
says why. The tolerance compares the promise of the rule's plan (what ``services.orders``
promises the customer for it: today at the collection store's own counter, else the shipping
days of the farthest source, one more when split) with the best promise any shipment gets
(``near_days`` after the order): a rule with ``promise_tolerance_days = 2`` takes a plan promised
at most two days after that. A rule without a tolerance takes any date.

When no rule decides, the plan that serves the most lines (the earliest rule's on a tie, a plan
too late for its rule excepted) is kept and its rule named, so the lines it cannot serve may
still be promised against incoming units, as before rule sets; when every plan was too late, no
location serves and the winners of the first such plan lose with ``promise_too_late``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from ordersync.contract import Channel, DeliveryKind, RoutingReason
from ordersync.domain.routing import (
    Candidate,
    Line,
    RoutingDecision,
    RoutingPolicy,
    Verdict,
    policy_rule,
    route,
)
from ordersync.domain.rules import Rule

DEFAULT_RULE_SET = "default"
"""The name of the rule set built from the policy's top-level keys."""


@dataclass(frozen=True, slots=True)
class OrderProfile:
    """What rule-set conditions look at in an order."""

    channel: Channel
    delivery: DeliveryKind
    value_minor: int
    """The items' prices times their quantities, in minor units."""
    references: frozenset[str]
    region: str | None
    """The destination's French department (see ``region_of``); None when unknown."""


@dataclass(frozen=True, slots=True)
class Conditions:
    """When a rule set applies; an empty condition is met by every order, and an order must
    meet every condition that is set."""

    channels: frozenset[Channel] = frozenset()
    delivery: frozenset[DeliveryKind] = frozenset()
    min_value_minor: int | None = None
    max_value_minor: int | None = None
    """Inclusive bounds on the order's value."""
    references: frozenset[str] = frozenset()
    """Met when some line of the order is of one of these references."""
    regions: frozenset[str] = frozenset()
    """Met when the destination is in one of these departments; an order whose destination
    has no postal code meets no region condition."""

    def met_by(self, order: OrderProfile | None) -> bool:
        if order is None:
            return self == Conditions()
        return (
            (not self.channels or order.channel in self.channels)
            and (not self.delivery or order.delivery in self.delivery)
            and (self.min_value_minor is None or order.value_minor >= self.min_value_minor)
            and (self.max_value_minor is None or order.value_minor <= self.max_value_minor)
            and (not self.references or bool(self.references & order.references))
            and (not self.regions or order.region in self.regions)
        )


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    when: Conditions
    rules: tuple[Rule, ...]

    @property
    def needs_cover(self) -> bool:
        return any(rule.needs_cover for rule in self.rules)


def default_rule_set(policy: RoutingPolicy) -> RuleSet:
    return RuleSet(DEFAULT_RULE_SET, Conditions(), (policy_rule(policy),))


def choose(rule_sets: Iterable[RuleSet], order: OrderProfile | None) -> RuleSet | None:
    """The first rule set whose conditions ``order`` meets (None: the default applies)."""
    return next((rule_set for rule_set in rule_sets if rule_set.when.met_by(order)), None)


def region_of(postal_code: str | None) -> str | None:
    """The French department of a postal code: its first two digits, three overseas (97x, 98x),
    2A or 2B in Corsica (20000-20199, 20200-20699); None for anything else."""
    code = (postal_code or "").replace(" ", "")
    if len(code) != 5 or not code.isascii() or not code.isdigit():
        return None
    if code.startswith(("97", "98")):
        return code[:3]
    if code.startswith("20"):
        return "2A" if int(code) < 20200 else "2B"
    return code[:2]


PromiseDelay = Callable[[RoutingDecision, list[Candidate]], timedelta]
"""How long after the order a decision's shelf plan is promised to the customer."""


def route_by_rules(
    lines: list[Line],
    candidates: list[Candidate],
    policy: RoutingPolicy,
    rule_set: RuleSet,
    delay: PromiseDelay,
    best: timedelta,
    excluded: frozenset[str] = frozenset(),
    *,
    named: bool = True,
) -> RoutingDecision:
    """Route by the rules of ``rule_set`` in order (see the module's docstring). ``best`` is
    the best promise a shipment gets; ``named``: the summary names the rule set and rule (the
    default rule set of a file that writes none keeps the summaries it had)."""
    tried: list[dict[str, object]] = []
    kept: list[tuple[RoutingDecision, Rule]] = []
    too_late: RoutingDecision | None = None
    for rule in rule_set.rules:
        decision = route(lines, candidates, policy, excluded, rule)
        if decision.complete:
            days_late = _days(delay(decision, candidates) - best)
            tolerance = rule.promise_tolerance_days
            if tolerance is None or days_late <= tolerance:
                return _named(decision, rule_set, rule, tried, named)
            tried.append(
                _passed(
                    rule,
                    RoutingReason.PROMISE_TOO_LATE,
                    f"{decision.summary}, {days_late} day(s) after the best promise, "
                    f"more than its {tolerance}",
                    days_late=days_late,
                    tolerance_days=tolerance,
                )
            )
            too_late = too_late or _refused(decision, days_late, tolerance)
            continue
        tried.append(
            _passed(
                rule,
                RoutingReason.PARTIAL if decision.assignments else RoutingReason.NO_STOCK,
                decision.summary,
                unserved=[line.line_no for line in decision.unserved],
            )
        )
        kept.append((decision, rule))
    if kept:
        decision, rule = min(kept, key=lambda pair: len(pair[0].unserved))
        # The rule whose plan is kept is named as the rule; the others passed the order on.
        others = [entry for entry in tried if entry["rule"] != rule.name]
        return _named(decision, rule_set, rule, others, named)
    assert too_late is not None
    return _named(too_late, rule_set, None, tried, named)


def _days(delay: timedelta) -> int:
    return max(0, math.ceil(delay / timedelta(days=1)))


def _passed(rule: Rule, why: RoutingReason, text: str, **numbers: object) -> dict[str, object]:
    return {
        "rule": rule.name,
        "code": RoutingReason.RULE_PASSED,
        "why": why,
        **numbers,
        "text": text,
    }


def _refused(decision: RoutingDecision, days_late: int, tolerance: int) -> RoutingDecision:
    """``decision`` undone because its promise comes too late: its winners lose for that."""
    reason: dict[str, object] = {
        "code": RoutingReason.PROMISE_TOO_LATE,
        "days_late": days_late,
        "tolerance_days": tolerance,
    }
    verdicts = [
        Verdict(
            v.location,
            False,
            [reason],
            f"its plan comes {days_late} day(s) after the best promise; the rule allows "
            f"{tolerance}",
            v.distance_km,
        )
        if v.won
        else v
        for v in decision.verdicts
    ]
    summary = "no rule can serve the order in time"
    lines = [line for a in decision.assignments for line in a.lines]
    return RoutingDecision([], sorted(lines, key=lambda ln: ln.line_no), verdicts, summary)


def _named(
    decision: RoutingDecision,
    rule_set: RuleSet,
    rule: Rule | None,
    tried: list[dict[str, object]],
    named: bool,
) -> RoutingDecision:
    summary = decision.summary
    if named:
        by = f'rule set "{rule_set.name}"'
        by += f', rule "{rule.name}"' if rule is not None else ""
        summary = f"{by}: {summary}"
    return replace(
        decision,
        summary=summary,
        rule_set=rule_set.name,
        rule=None if rule is None else rule.name,
        rules_tried=tuple(tried),
    )


def named_as(decided: RoutingDecision, decision: RoutingDecision) -> RoutingDecision:
    """``decision`` (say, with lines promised against incoming units) naming the rule set and
    rule that ``decided`` named."""
    return replace(
        decision,
        rule_set=decided.rule_set,
        rule=decided.rule,
        rules_tried=decided.rules_tried,
        offers=decided.offers,
    )
