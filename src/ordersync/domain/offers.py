"""Competitive allocation as a plan: which of a routing decision's assignments are offered to
several locations at once, and to which ones.

A rule with ``competitive`` settings does not send an assignment to the location it ranked
first: it offers the assignment's lines to the ``offer_to`` best placed locations that could each
serve all of them (the first one included), and the first to claim them serves them
(``services.offers``). An assignment stays a plain job when it is handed over at the collection
store's own counter, goes to a drop-ship supplier, or when only one location could serve it:
there is nobody to compete with.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ordersync.contract import LocationKind
from ordersync.domain.routing import (
    Assignment,
    Candidate,
    Line,
    RoutingDecision,
    RoutingPolicy,
    able_to_serve,
)
from ordersync.domain.rules import Rule


@dataclass(frozen=True, slots=True)
class OfferPlan:
    lines: list[Line]
    locations: list[str]
    """Best placed first; the first is where the rule alone would have sent the lines."""
    claim_minutes: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """A decision split into what is offered and what goes straight to one location."""

    offers: list[OfferPlan]
    direct: RoutingDecision
    """The decision with only the assignments that become jobs at once."""

    @property
    def offered_lines(self) -> frozenset[int]:
        return frozenset(line.line_no for offer in self.offers for line in offer.lines)


def allocate(
    decision: RoutingDecision,
    rule: Rule | None,
    candidates: list[Candidate],
    policy: RoutingPolicy,
    collect_at: str | None,
    excluded: frozenset[str] = frozenset(),
) -> Allocation:
    """Split ``decision`` by ``rule``'s competitive settings (None or no settings: nothing is
    offered)."""
    if rule is None or rule.competitive is None:
        return Allocation([], decision)
    kinds = {c.code: c.kind for c in candidates}
    offers: list[OfferPlan] = []
    direct: list[Assignment] = []
    for assignment in decision.assignments:
        if (
            assignment.location == collect_at
            or kinds.get(assignment.location) == LocationKind.SUPPLIER
        ):
            direct.append(assignment)
            continue
        able = [
            c.code
            for c in able_to_serve(assignment.lines, candidates, policy, rule, excluded)
            if c.kind != LocationKind.SUPPLIER and c.code != collect_at
        ]
        # The rule's own choice leads; the next best follow.
        ranked = [assignment.location, *(code for code in able if code != assignment.location)]
        chosen = ranked[: rule.competitive.offer_to]
        if len(chosen) < 2:
            direct.append(assignment)
            continue
        offers.append(OfferPlan(list(assignment.lines), chosen, rule.competitive.claim_minutes))
    return Allocation(offers, replace(decision, assignments=direct))
