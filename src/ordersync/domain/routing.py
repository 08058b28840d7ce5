"""Order routing as a policy: which locations serve an order, and a readable account of why.

Candidates are locations that fulfil orders, have job capacity left today and hold the quantity
above their safety stock. Plans are ranked by fewest shipments (one location for the whole order
when possible), then distance to the customer or the collection store, then stock depth (do not
strip a store of its last units), then today's load. An order is split only when no single
location can serve it.

A position whose record is suspect (a short pick, a sale below zero) until it is counted is, by
the policy's ``suspect_positions``, either no candidate for its SKU (``exclude``) or still one,
used only when the locations whose records are trusted cannot serve the order (``last``); its
verdict says so either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from itertools import combinations

from ordersync.contract import LocationKind, RoutingReason, SuspectRouting


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
class Line:
    line_no: int
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """A location as routing sees it: what it may ship and how busy it is today."""

    code: str
    kind: str
    fulfils: bool
    capacity_left: int
    jobs_today: int
    daily_capacity: int
    distance_km: float | None
    available: dict[str, int] = field(default_factory=dict)
    """Units above safety stock per SKU (on hand - reserved - safety stock)."""
    held_by_safety: dict[str, int] = field(default_factory=dict)
    """Units on the shelf that safety stock keeps back, per SKU."""
    suspect: frozenset[str] = frozenset()
    """SKUs whose record here is suspect until counted."""

    def can_serve(self, line: Line) -> bool:
        return self.available.get(line.sku, 0) >= line.qty

    def suspect_for(self, lines: list[Line]) -> list[str]:
        """The SKUs of ``lines`` whose record here is suspect, in the lines' order."""
        return [line.sku for line in lines if line.sku in self.suspect]

    def trusted(self) -> Candidate:
        """This location offering only the SKUs whose record is trusted."""
        if not self.suspect:
            return self
        return replace(
            self,
            available={s: n for s, n in self.available.items() if s not in self.suspect},
            held_by_safety={s: n for s, n in self.held_by_safety.items() if s not in self.suspect},
            suspect=frozenset(),
        )

    @property
    def load(self) -> float:
        return self.jobs_today / self.daily_capacity if self.daily_capacity else 1.0


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

    @property
    def complete(self) -> bool:
        return not self.unserved

    def explanation(self) -> dict[str, object]:
        return {
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


def exclusion(
    candidate: Candidate, policy: RoutingPolicy, excluded: frozenset[str]
) -> dict[str, object] | None:
    """Why ``candidate`` may not serve at all (whatever its stock), or None when it may."""
    if candidate.code in excluded:
        return {"code": RoutingReason.EXCLUDED, "detail": "already failed this order line"}
    if candidate.kind == LocationKind.WAREHOUSE and not policy.include_warehouses:
        return {
            "code": RoutingReason.NOT_FULFILLING,
            "detail": "warehouses are left out by the policy",
        }
    if not candidate.fulfils:
        return {"code": RoutingReason.NOT_FULFILLING}
    if candidate.capacity_left <= 0:
        return {"code": RoutingReason.NO_CAPACITY, "jobs_today": candidate.jobs_today}
    if (
        policy.max_distance_km > 0
        and candidate.distance_km is not None
        and candidate.distance_km > policy.max_distance_km
    ):
        return {"code": RoutingReason.TOO_FAR, "distance_km": round(candidate.distance_km, 1)}
    return None


def _stock_reasons(candidate: Candidate, lines: list[Line]) -> list[dict[str, object]]:
    reasons: list[dict[str, object]] = []
    for line in lines:
        available = candidate.available.get(line.sku, 0)
        if available >= line.qty:
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
    candidate: Candidate, lines: list[Line], policy: RoutingPolicy
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
    return [*(_suspect_reason(sku, policy) for sku in suspect), *_stock_reasons(candidate, others)]


def _depth(candidate: Candidate, lines: list[Line]) -> int:
    """Units left after taking the lines, on the SKU left thinnest: bigger is safer to take."""
    return min(candidate.available.get(line.sku, 0) - line.qty for line in lines)


def _distance(candidate: Candidate) -> float:
    return candidate.distance_km if candidate.distance_km is not None else math.inf


def _rank_key(
    candidate: Candidate, lines: list[Line], policy: RoutingPolicy, nearest: float
) -> tuple[bool, float, int, float, str]:
    """A trusted record first; then distance, but every location within the tolerance of the
    nearest counts as equal."""
    distance = _distance(candidate)
    band = 0.0 if distance <= nearest + policy.distance_tolerance_km else distance
    suspect = bool(candidate.suspect_for(lines))
    return (suspect, band, -_depth(candidate, lines), candidate.load, candidate.code)


def _rank(candidates: list[Candidate], lines: list[Line], policy: RoutingPolicy) -> list[Candidate]:
    nearest = min((_distance(c) for c in candidates), default=math.inf)
    return sorted(candidates, key=lambda c: _rank_key(c, lines, policy, nearest))


def _why_lost(
    winner: Candidate, loser: Candidate, lines: list[Line], policy: RoutingPolicy
) -> dict[str, object]:
    if _distance(loser) > _distance(winner) + policy.distance_tolerance_km:
        return {
            "code": RoutingReason.FARTHER,
            "distance_km": None if loser.distance_km is None else round(loser.distance_km, 1),
            "winner_distance_km": None
            if winner.distance_km is None
            else round(winner.distance_km, 1),
        }
    loser_depth, winner_depth = _depth(loser, lines), _depth(winner, lines)
    if loser_depth != winner_depth:
        return {
            "code": RoutingReason.SHALLOWER,
            "left_after": loser_depth,
            "winner_left_after": winner_depth,
        }
    if loser.load != winner.load:
        return {
            "code": RoutingReason.BUSIER,
            "load": round(loser.load, 2),
            "winner_load": round(winner.load, 2),
        }
    return {"code": RoutingReason.TIE, "winner": winner.code}


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
) -> RoutingDecision:
    """Choose where each line is served; every candidate gets a verdict a person can read."""
    exclusions: dict[str, dict[str, object]] = {}
    eligible: list[Candidate] = []
    for candidate in candidates:
        reason = exclusion(candidate, policy, excluded)
        if reason is None:
            eligible.append(candidate)
        else:
            exclusions[candidate.code] = reason
    assignments, unserved, summary = _plan(lines, [c.trusted() for c in eligible], policy)
    if (
        unserved
        and policy.suspect_positions is SuspectRouting.LAST
        and any(c.suspect for c in eligible)
    ):
        fallback = _plan(lines, eligible, policy)
        if len(fallback[1]) < len(unserved):
            assignments, unserved, summary = fallback
    return _decision(assignments, unserved, candidates, exclusions, lines, policy, summary)


def _plan(
    lines: list[Line], eligible: list[Candidate], policy: RoutingPolicy
) -> tuple[list[Assignment], list[Line], str]:
    """The assignments, the lines left unserved and a summary, from the ``eligible`` only."""
    whole = [c for c in eligible if all(c.can_serve(line) for line in lines)]
    if whole:
        winner = _rank(whole, lines, policy)[0]
        summary = f"{winner.code} ships the whole order ({_km(winner.distance_km)})"
        return [Assignment(winner.code, list(lines))], [], summary
    assignments, unserved = _split(lines, eligible, policy)
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
    lines: list[Line], eligible: list[Candidate], policy: RoutingPolicy
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
            key=lambda c: (-sum(c.can_serve(line) for line in lines), _distance(c), c.code),
        )[:_EXACT_POOL]
        for size in range(2, min(len(lines), _EXACT_MAX_LOCATIONS) + 1):
            covers = [
                group
                for group in combinations(pool, size)
                if all(any(c.can_serve(line) for c in group) for line in lines)
            ]
            if covers:
                best = min(covers, key=lambda group: _cover_key(group, lines))
                return _assign(lines, list(best), policy), []
    return _greedy(lines, useful, policy)


def _cover_key(group: tuple[Candidate, ...], lines: list[Line]) -> tuple[int, float, float, str]:
    """Fewest lines served from a suspect record, then the nearest farthest, then the least
    loaded on average."""
    on_suspect = sum(
        not any(c.can_serve(line) and line.sku not in c.suspect for c in group) for line in lines
    )
    farthest = max(_distance(c) for c in group)
    load = sum(c.load for c in group) / len(group)
    return (on_suspect, farthest, load, ",".join(sorted(c.code for c in group)))


def _assign(lines: list[Line], group: list[Candidate], policy: RoutingPolicy) -> list[Assignment]:
    served: dict[str, list[Line]] = {c.code: [] for c in group}
    for line in lines:
        able = [c for c in group if c.can_serve(line)]
        served[_rank(able, [line], policy)[0].code].append(line)
    return [Assignment(c.code, served[c.code]) for c in group if served[c.code]]


def _greedy(
    lines: list[Line], pool: list[Candidate], policy: RoutingPolicy
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
        best = _rank(widest, coverage[widest[0].code], policy)[0]
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
            reasons = _loss_reasons(candidate, lines, policy)
            if not reasons and assignments:
                rival = by_code[assignments[0].location]
                reasons = [_why_lost(rival, candidate, assignments[0].lines, policy)]
            elif reasons and len(reasons) < len(lines) and len(assignments) > 1:
                reasons = [{"code": RoutingReason.PARTIAL}, *reasons]
        text = "; ".join(_describe(r) for r in reasons) or "not needed"
        verdicts.append(Verdict(candidate.code, False, reasons, text, candidate.distance_km))
    return RoutingDecision(assignments, unserved, verdicts, summary)
