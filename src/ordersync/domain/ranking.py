"""How a rule ranks the locations that can serve a plan, and the reason a ranked location lost.

A location whose record of an SKU of the plan is suspect comes after every trusted one; then
the rule's sort keys decide in their order; the location code breaks a tie, so a decision never
depends on the order the candidates came in. The reason a location lost names the first sort
key on which it was worse than the winner, with both values.
"""

from __future__ import annotations

import math

from ordersync.contract import RoutingReason
from ordersync.domain.candidates import Candidate, Line
from ordersync.domain.rules import Rule, SortKey


def distance(candidate: Candidate) -> float:
    return candidate.distance_km if candidate.distance_km is not None else math.inf


def depth(candidate: Candidate, lines: list[Line], rule: Rule) -> int:
    """Units left above safety stock after taking the lines, on the SKU left thinnest: bigger is
    safer to take. ``candidate`` offers its units less the rule's ``min_units_left``."""
    margin = rule.filters.min_units_left
    return min(candidate.available.get(line.sku, 0) + margin - line.qty for line in lines)


def cover(candidate: Candidate, lines: list[Line], rule: Rule) -> float:
    """Days of cover left after taking the lines, on the SKU left shortest: units left over the
    SKU's recent daily sales there; a SKU that does not sell there has endless cover."""
    margin = rule.filters.min_units_left
    days = math.inf
    for line in lines:
        rate = candidate.daily_sales.get(line.sku, 0.0)
        if rate > 0:
            left = candidate.available.get(line.sku, 0) + margin - line.qty
            days = min(days, left / rate)
    return days


def _value(key: SortKey, candidate: Candidate, lines: list[Line], rule: Rule) -> float:
    """The candidate's value for ``key``, smaller first."""
    if key is SortKey.STOCK_DEPTH:
        return -depth(candidate, lines, rule)
    if key is SortKey.DAYS_OF_COVER:
        return -cover(candidate, lines, rule)
    if key is SortKey.LOAD:
        return candidate.load
    if key is SortKey.COST:
        return candidate.ship_cost_minor
    return distance(candidate)


def rank_key(
    candidate: Candidate, lines: list[Line], rule: Rule, nearest: float
) -> tuple[object, ...]:
    """A trusted record first; then the rule's sort keys, where every location within the
    distance tolerance of the nearest counts as equally near."""
    values: list[float] = []
    for key in rule.sort:
        if key is SortKey.DISTANCE:
            far = distance(candidate)
            values.append(0.0 if far <= nearest + rule.distance_tolerance_km else far)
        else:
            values.append(_value(key, candidate, lines, rule))
    return (bool(candidate.suspect_for(lines)), *values, candidate.code)


def rank(candidates: list[Candidate], lines: list[Line], rule: Rule) -> list[Candidate]:
    nearest = min((distance(c) for c in candidates), default=math.inf)
    return sorted(candidates, key=lambda c: rank_key(c, lines, rule, nearest))


def _km(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _days(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 1)


def why_lost(
    winner: Candidate, loser: Candidate, lines: list[Line], rule: Rule
) -> dict[str, object]:
    """The first of the rule's sort keys on which ``loser`` is worse than ``winner``."""
    for key in rule.sort:
        if key is SortKey.DISTANCE:
            if distance(loser) > distance(winner) + rule.distance_tolerance_km:
                return {
                    "code": RoutingReason.FARTHER,
                    "distance_km": _km(loser.distance_km),
                    "winner_distance_km": _km(winner.distance_km),
                }
        elif key is SortKey.STOCK_DEPTH:
            loser_depth, winner_depth = depth(loser, lines, rule), depth(winner, lines, rule)
            if loser_depth != winner_depth:
                return {
                    "code": RoutingReason.SHALLOWER,
                    "left_after": loser_depth,
                    "winner_left_after": winner_depth,
                }
        elif key is SortKey.DAYS_OF_COVER:
            loser_cover, winner_cover = cover(loser, lines, rule), cover(winner, lines, rule)
            if loser_cover != winner_cover:
                return {
                    "code": RoutingReason.LESS_COVER,
                    "days_left": _days(loser_cover),
                    "winner_days_left": _days(winner_cover),
                }
        elif key is SortKey.LOAD:
            if loser.load != winner.load:
                return {
                    "code": RoutingReason.BUSIER,
                    "load": round(loser.load, 2),
                    "winner_load": round(winner.load, 2),
                }
        elif loser.ship_cost_minor != winner.ship_cost_minor:
            return {
                "code": RoutingReason.COSTLIER,
                "cost_minor": loser.ship_cost_minor,
                "winner_cost_minor": winner.ship_cost_minor,
            }
    return {"code": RoutingReason.TIE, "winner": winner.code}
