"""Order routing as a policy: which locations serve an order, and a readable account of why.

Candidates are locations that fulfil orders, have job capacity left today and hold the quantity
above their safety stock. Plans are ranked by fewest shipments (one location for the whole order
when possible), then distance to the customer or the collection store, then stock depth (do not
strip a store of its last units), then today's load. An order is split only when no single
location can serve it.

Which locations are asked, how they are ranked and whether an order may be split is a ``Rule``
(``domain.rules``); ``policy_rule`` builds the one the top-level keys of the policy describe, and
``domain.rule_sets`` chains the rules of a rule set. A rule may ask a stricter stock margin
(``min_units_left``), some location kinds or groups only, and other sort keys (days of cover,
shipping cost).

A position whose record is suspect (a short pick, a sale below zero) until it is counted is, by
the policy's ``suspect_positions``, either no candidate for its SKU (``exclude``) or still one,
used only when the locations whose records are trusted cannot serve the order (``last``); its
verdict says so either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from itertools import combinations

from ordersync.contract import LocationKind, RoutingReason, SuspectRouting
from ordersync.domain.candidates import Candidate as Candidate
from ordersync.domain.candidates import Line as Line
from ordersync.domain.ranking import distance, rank, why_lost
from ordersync.domain.rules import NETWORK_KINDS, Filters, Rule


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """The knobs of routing; loaded from a TOML file (see ``services.routing_policy``)."""

    distance_tolerance_km: float = 5.0
    """Distances closer than this count as equal, so stock depth and load decide."""
    max_distance_km: float = 0.0
    """Locations farther than this are not candidates (0: no limit)."""
    include_warehouses: bool = True
    service_level_minutes: int = 120
    """A job not started within this time is late."""
    hold_hours: int = 72
    """How long routing holds units for a job."""
    suspect_positions: SuspectRouting = SuspectRouting.EXCLUDE
    """What routing does with a position whose record is suspect until it is counted."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why one location won or lost."""

    location: str
    won: bool
    reasons: list[dict[str, object]]
    text: str
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class Assignment:
    location: str
    lines: list[Line]


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    assignments: list[Assignment]
    unserved: list[Line]
    verdicts: list[Verdict]
    summary: str
    rule_set: str | None = None
    """The rule set that decided (None: routed by one rule, outside any rule set)."""
    rule: str | None = None
    """The rule of ``rule_set`` whose plan was taken (None: no rule's plan was)."""
    rules_tried: tuple[dict[str, object], ...] = ()
    """The rules of ``rule_set`` that passed the order on before, each with why."""
    offers: tuple[dict[str, object], ...] = ()
    """Lines offered to several locations at once (competitive allocation), each offer with its
    lines, its locations best placed first, and until when it may be claimed."""

    @property
    def complete(self) -> bool:
        return not self.unserved

    def explanation(self) -> dict[str, object]:
        named: dict[str, object] = {}
        if self.rule_set is not None:
            named = {
                "rule_set": self.rule_set,
                "rule": self.rule,
                "rules_tried": list(self.rules_tried),
            }
        if self.offers:
            named["offers"] = list(self.offers)
        return {
            **named,
            "summary": self.summary,
            "assignments": [
                {"location": a.location, "lines": [line.line_no for line in a.lines]}
                for a in self.assignments
            ],
            "unserved": [
                {"line_no": line.line_no, "sku": line.sku, "qty": line.qty}
                for line in self.unserved
            ],
            "candidates": [
                {
                    "location": v.location,
                    "won": v.won,
                    "distance_km": None if v.distance_km is None else round(v.distance_km, 1),
                    "reasons": v.reasons,
                    "text": v.text,
                }
                for v in self.verdicts
            ],
        }


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6371.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = math.radians(lat2 - lat1)
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def _km(value: float | None) -> str:
    return "unknown distance" if value is None else f"{value:.1f} km"


def policy_rule(policy: RoutingPolicy) -> Rule:
    """The one rule the policy's top-level keys describe: routing as it was before rule sets."""
    kinds = NETWORK_KINDS if policy.include_warehouses else {LocationKind.STORE}
    return Rule(
        filters=Filters(kinds=frozenset(kinds), max_distance_km=policy.max_distance_km),
        distance_tolerance_km=policy.distance_tolerance_km,
    )


def exclusion(
    candidate: Candidate,
    policy: RoutingPolicy,
    excluded: frozenset[str],
    rule: Rule | None = None,
) -> dict[str, object] | None:
    """Why ``candidate`` may not serve at all (whatever its stock), or None when it may."""
    filters = (rule or policy_rule(policy)).filters
    if candidate.code in excluded:
        return {"code": RoutingReason.EXCLUDED, "detail": "already failed this order line"}
    if candidate.kind not in filters.kinds:
        return {
            "code": RoutingReason.NOT_FULFILLING,
            "detail": f"{candidate.kind}s are left out by the policy",
        }
    if filters.groups and not filters.groups & candidate.groups:
        return {"code": RoutingReason.NOT_IN_GROUP, "groups": sorted(filters.groups)}
    if not candidate.fulfils:
        return {"code": RoutingReason.NOT_FULFILLING}
    if candidate.capacity_left < max(filters.min_capacity_left, 1):
        return {"code": RoutingReason.NO_CAPACITY, "jobs_today": candidate.jobs_today}
    if (
        filters.max_distance_km > 0
        and candidate.distance_km is not None
        and candidate.distance_km > filters.max_distance_km
    ):
        return {"code": RoutingReason.TOO_FAR, "distance_km": round(candidate.distance_km, 1)}
    return None


def able_to_serve(
    lines: list[Line],
    candidates: list[Candidate],
    policy: RoutingPolicy,
    rule: Rule,
    excluded: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """The candidates ``rule`` lets serve every one of ``lines`` on their own from a trusted
    record, best placed first by the rule's sort keys."""
    able = [
        c
        for c in (_keeping(c, rule.filters.min_units_left).trusted() for c in candidates)
        if exclusion(c, policy, excluded, rule) is None and all(c.can_serve(ln) for ln in lines)
    ]
    return rank(able, lines, rule) if able else []


def _keeping(candidate: Candidate, margin: int) -> Candidate:
    """``candidate`` offering its units less the ``margin`` a rule keeps on every SKU."""
    if margin <= 0:
        return candidate
    return replace(candidate, available={s: n - margin for s, n in candidate.available.items()})


def _stock_reasons(candidate: Candidate, lines: list[Line], margin: int) -> list[dict[str, object]]:
    reasons: list[dict[str, object]] = []
    for line in lines:
        offered = candidate.available.get(line.sku, 0)
        if offered >= line.qty:
            continue
        available = offered + margin
        if available >= line.qty:
            reasons.append(
                {
                    "code": RoutingReason.BELOW_MIN_UNITS,
                    "sku": line.sku,
                    "requested": line.qty,
                    "available": available,
                    "min_units_left": margin,
                }
            )
            continue
        held = candidate.held_by_safety.get(line.sku, 0)
        code = (
            RoutingReason.SAFETY_STOCK if available + held >= line.qty else RoutingReason.NO_STOCK
        )
        reasons.append(
            {"code": code, "sku": line.sku, "requested": line.qty, "available": max(available, 0)}
        )
    return reasons


def _loss_reasons(
    candidate: Candidate, lines: list[Line], policy: RoutingPolicy, rule: Rule
) -> list[dict[str, object]]:
    """Why ``candidate`` could not serve some of ``lines``: a suspect record (left out, or
    ranked last while it holds the units), else too little stock."""
    exclude = policy.suspect_positions is SuspectRouting.EXCLUDE
    suspect = [
        line.sku
        for line in lines
        if line.sku in candidate.suspect and (exclude or candidate.can_serve(line))
    ]
    others = [line for line in lines if line.sku not in suspect]
    margin = rule.filters.min_units_left
    return [
        *(_suspect_reason(sku, policy) for sku in suspect),
        *_stock_reasons(candidate, others, margin),
    ]


def _suspect_reason(sku: str, policy: RoutingPolicy) -> dict[str, object]:
    return {
        "code": RoutingReason.SUSPECT_RECORD,
        "sku": sku,
        "suspect_positions": policy.suspect_positions,
    }


def _describe(reason: dict[str, object]) -> str:
    code = reason["code"]
    if code == RoutingReason.SUSPECT_RECORD:
        said = f"its record of {reason['sku']} is suspect until counted"
        if reason["suspect_positions"] == SuspectRouting.LAST:
            return f"{said}, so it comes after every location whose record is trusted"
        return said
    if code == RoutingReason.NO_STOCK:
        return f"no stock of {reason['sku']} ({reason['available']} of {reason['requested']})"
    if code == RoutingReason.SAFETY_STOCK:
        free = f"{reason['available']} free of {reason['requested']}"
        return f"{reason['sku']} is held back by safety stock ({free})"
    if code == RoutingReason.NO_CAPACITY:
        return "no job capacity left today"
    if code == RoutingReason.NOT_FULFILLING:
        return str(reason.get("detail", "does not fulfil orders"))
    if code == RoutingReason.TOO_FAR:
        return f"too far ({reason['distance_km']} km)"
    if code == RoutingReason.EXCLUDED:
        return "already failed this order line"
    if code == RoutingReason.FARTHER:
        return f"farther ({reason['distance_km']} km against {reason['winner_distance_km']} km)"
    if code == RoutingReason.SHALLOWER:
        return (
            f"would keep fewer units ({reason['left_after']} against {reason['winner_left_after']})"
        )
    if code == RoutingReason.BUSIER:
        return (
            f"busier today ({reason['load']:.0%} of capacity against {reason['winner_load']:.0%})"
        )
    if code == RoutingReason.NOT_IN_GROUP:
        groups = reason["groups"]
        return f"in none of the groups {', '.join(groups) if isinstance(groups, list) else groups}"
    if code == RoutingReason.BELOW_MIN_UNITS:
        return (
            f"{reason['sku']} would keep fewer than {reason['min_units_left']} units "
            f"({reason['available']} free of {reason['requested']})"
        )
    if code == RoutingReason.LESS_COVER:
        days, winner_days = reason["days_left"], reason["winner_days_left"]
        return f"would keep fewer days of cover ({days} against {winner_days})"
    if code == RoutingReason.COSTLIER:
        cost, winner_cost = reason["cost_minor"], reason["winner_cost_minor"]
        return f"costs more to ship from ({cost} against {winner_cost})"
    if code == RoutingReason.SPLIT_REFUSED:
        return "can serve only part of the order, and the rule does not split orders"
    if code == RoutingReason.PROMISE_TOO_LATE:
        late, tolerance = reason["days_late"], reason["tolerance_days"]
        return f"its plan comes {late} day(s) after the best promise; the rule allows {tolerance}"
    if code == RoutingReason.TIE:
        return f"equal on every rule; {reason['winner']} comes first by its code"
    if code == RoutingReason.PARTIAL:
        return "can serve only part of the order"
    return str(code)


def route(
    lines: list[Line],
    candidates: list[Candidate],
    policy: RoutingPolicy,
    excluded: frozenset[str] = frozenset(),
    rule: Rule | None = None,
) -> RoutingDecision:
    """Choose where each line is served by ``rule`` (by default the one the policy's top-level
    keys describe); every candidate gets a verdict a person can read."""
    rule = rule or policy_rule(policy)
    candidates = [_keeping(c, rule.filters.min_units_left) for c in candidates]
    exclusions: dict[str, dict[str, object]] = {}
    eligible: list[Candidate] = []
    for candidate in candidates:
        reason = exclusion(candidate, policy, excluded, rule)
        if reason is None:
            eligible.append(candidate)
        else:
            exclusions[candidate.code] = reason
    assignments, unserved, summary = _plan(lines, [c.trusted() for c in eligible], rule)
    if (
        unserved
        and policy.suspect_positions is SuspectRouting.LAST
        and any(c.suspect for c in eligible)
    ):
        fallback = _plan(lines, eligible, rule)
        if len(fallback[1]) < len(unserved):
            assignments, unserved, summary = fallback
    return _decision(assignments, unserved, candidates, exclusions, lines, policy, rule, summary)


def _plan(
    lines: list[Line], eligible: list[Candidate], rule: Rule
) -> tuple[list[Assignment], list[Line], str]:
    """The assignments, the lines left unserved and a summary, from the ``eligible`` only."""
    whole = [c for c in eligible if all(c.can_serve(line) for line in lines)]
    if whole:
        winner = rank(whole, lines, rule)[0]
        summary = f"{winner.code} ships the whole order ({_km(winner.distance_km)})"
        return [Assignment(winner.code, list(lines))], [], summary
    if not rule.split:
        return [], list(lines), "no single location can serve the whole order, and it is not split"
    assignments, unserved = _split(lines, eligible, rule)
    if not assignments:
        summary = "no location can serve any line of this order now"
    elif unserved:
        summary = f"only part of the order can be served, from {len(assignments)} location(s)"
    else:
        summary = f"no single location holds every line: split over {len(assignments)} locations"
    return assignments, unserved, summary


_EXACT_POOL = 30
_EXACT_MAX_LOCATIONS = 4


def _split(
    lines: list[Line], eligible: list[Candidate], rule: Rule
) -> tuple[list[Assignment], list[Line]]:
    """Serve the order from as few locations as possible.

    Orders are small, so the fewest locations are found by trying 2, 3, then 4 of the most
    useful candidates; past that (or when some line has no server at all) a greedy cover takes
    the location serving the most remaining lines first.
    """
    useful = [c for c in eligible if any(c.can_serve(line) for line in lines)]
    servable = all(any(c.can_serve(line) for c in useful) for line in lines)
    if servable:
        pool = sorted(
            useful,
            key=lambda c: (-sum(c.can_serve(line) for line in lines), distance(c), c.code),
        )[:_EXACT_POOL]
        for size in range(2, min(len(lines), _EXACT_MAX_LOCATIONS) + 1):
            covers = [
                group
                for group in combinations(pool, size)
                if all(any(c.can_serve(line) for c in group) for line in lines)
            ]
            if covers:
                best = min(covers, key=lambda group: _cover_key(group, lines))
                return _assign(lines, list(best), rule), []
    return _greedy(lines, useful, rule)


def _cover_key(group: tuple[Candidate, ...], lines: list[Line]) -> tuple[int, float, float, str]:
    """Fewest lines served from a suspect record, then the nearest farthest, then the least
    loaded on average."""
    on_suspect = sum(
        not any(c.can_serve(line) and line.sku not in c.suspect for c in group) for line in lines
    )
    farthest = max(distance(c) for c in group)
    load = sum(c.load for c in group) / len(group)
    return (on_suspect, farthest, load, ",".join(sorted(c.code for c in group)))


def _assign(lines: list[Line], group: list[Candidate], rule: Rule) -> list[Assignment]:
    served: dict[str, list[Line]] = {c.code: [] for c in group}
    for line in lines:
        able = [c for c in group if c.can_serve(line)]
        served[rank(able, [line], rule)[0].code].append(line)
    return [Assignment(c.code, served[c.code]) for c in group if served[c.code]]


def _greedy(
    lines: list[Line], pool: list[Candidate], rule: Rule
) -> tuple[list[Assignment], list[Line]]:
    remaining = list(lines)
    assignments: list[Assignment] = []
    pool = list(pool)
    while remaining and pool:
        coverage = {c.code: [line for line in remaining if c.can_serve(line)] for c in pool}
        useful = [c for c in pool if coverage[c.code]]
        if not useful:
            break
        most = max(len(coverage[c.code]) for c in useful)
        widest = [c for c in useful if len(coverage[c.code]) == most]
        best = rank(widest, coverage[widest[0].code], rule)[0]
        served = coverage[best.code]
        assignments.append(Assignment(best.code, served))
        remaining = [line for line in remaining if line not in served]
        pool.remove(best)
    return assignments, remaining


def _decision(
    assignments: list[Assignment],
    unserved: list[Line],
    candidates: list[Candidate],
    exclusions: dict[str, dict[str, object]],
    lines: list[Line],
    policy: RoutingPolicy,
    rule: Rule,
    summary: str,
) -> RoutingDecision:
    winners = {a.location: a for a in assignments}
    by_code = {c.code: c for c in candidates}
    verdicts: list[Verdict] = []
    for candidate in sorted(
        candidates, key=lambda c: (c.distance_km is None, c.distance_km or 0, c.code)
    ):
        if candidate.code in winners:
            served = winners[candidate.code].lines
            skus = ", ".join(line.sku for line in served)
            reasons = [_suspect_reason(sku, policy) for sku in candidate.suspect_for(served)]
            text = "; ".join(
                [f"serves {skus} from {_km(candidate.distance_km)}", *map(_describe, reasons)]
            )
            verdicts.append(Verdict(candidate.code, True, reasons, text, candidate.distance_km))
            continue
        if candidate.code in exclusions:
            reasons = [exclusions[candidate.code]]
        else:
            reasons = _loss_reasons(candidate, lines, policy, rule)
            if not reasons and assignments:
                rival = by_code[assignments[0].location]
                reasons = [why_lost(rival, candidate, assignments[0].lines, rule)]
            elif reasons and len(reasons) < len(lines) and len(assignments) > 1:
                reasons = [{"code": RoutingReason.PARTIAL}, *reasons]
            elif reasons and len(reasons) < len(lines) and not rule.split:
                reasons = [{"code": RoutingReason.SPLIT_REFUSED}, *reasons]
        text = "; ".join(_describe(r) for r in reasons) or "not needed"
        verdicts.append(Verdict(candidate.code, False, reasons, text, candidate.distance_km))
    return RoutingDecision(assignments, unserved, verdicts, summary)
