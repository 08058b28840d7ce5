"""Future stock as pure rules: which incoming units (of a delivery or a sent transfer) may be
promised to an order line nobody can serve from the shelf, the date promised, and the sentences
that explain it.

A line is promised against one document as a whole (never split over several), and only when the
document's window ends within the policy's horizon and its source is one the policy allows.
Among the documents that could serve it, the collection store's own comes first for an order
collected there, then the earliest arrival, then the nearest location.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from ordersync.contract import DocumentKind, RoutingReason
from ordersync.domain.routing import (
    Assignment,
    Candidate,
    Line,
    RoutingDecision,
    RoutingPolicy,
    Verdict,
    exclusion,
)


class IncomingSource(StrEnum):
    """Where incoming units come from, as the ``[future_stock]`` policy names it."""

    SUPPLIER = "supplier"
    """A delivery from a supplier."""
    WAREHOUSE = "warehouse"
    """A delivery or a transfer from a warehouse of the network."""
    STORE = "store"
    """A transfer (or a delivery) from another store."""


@dataclass(frozen=True, slots=True)
class FutureStockPolicy:
    """The ``[future_stock]`` table of the routing policy."""

    enabled: bool = True
    horizon_days: int = 21
    """Only documents whose arrival window ends within this many days count."""
    sources: frozenset[IncomingSource] = field(default_factory=lambda: frozenset(IncomingSource))


@dataclass(frozen=True, slots=True)
class IncomingUnits:
    """Units of one SKU one document brings to a location, not yet promised to any order."""

    document_kind: DocumentKind
    document_id: str
    location: str
    sku: str
    free: int
    source: str
    """The supplier code, or the code of the location that sends them."""
    source_kind: IncomingSource
    expected_until: datetime
    expected_day: date
    """The day the window ends, in the destination's own time zone (what a person is told)."""


@dataclass(frozen=True, slots=True)
class FuturePlan:
    """A line promised against the incoming units of one document."""

    line: Line
    units: IncomingUnits
    distance_km: float | None
    at_counter: bool
    """The units arrive at the store the customer collects at: no shipment after arrival."""
    promised_at: datetime


def counts(units: IncomingUnits, policy: FutureStockPolicy, now: datetime) -> bool:
    """Whether the policy lets ``units`` be promised at all."""
    return (
        policy.enabled
        and units.source_kind in policy.sources
        and units.expected_until <= now + timedelta(days=policy.horizon_days)
    )


def promise_date(
    expected_until: datetime, now: datetime, shipping_days: int, at_counter: bool
) -> datetime:
    """The end of the window (a late document: now), plus the shipment unless collected there."""
    return max(expected_until, now) + timedelta(days=0 if at_counter else shipping_days)


def plan_incoming(
    lines: Iterable[Line],
    pool: Iterable[IncomingUnits],
    candidates: Iterable[Candidate],
    routing: RoutingPolicy,
    policy: FutureStockPolicy,
    now: datetime,
    shipping_days: Callable[[float | None], int],
    collect_at: str | None = None,
    excluded: frozenset[str] = frozenset(),
) -> tuple[list[FuturePlan], list[Line]]:
    """Promise each line against the best incoming units left for it; answers the plans and the
    lines still unserved. Units promised to one line are not offered to the next."""
    places = {c.code: c for c in candidates}
    free = {(u.document_kind, u.document_id, u.sku): u.free for u in pool}
    usable = [
        u
        for u in pool
        if counts(u, policy, now) and _may_serve(u, places, routing, collect_at, excluded)
    ]
    plans: list[FuturePlan] = []
    unserved: list[Line] = []
    for line in lines:
        fitting = [
            u
            for u in usable
            if u.sku == line.sku and free[(u.document_kind, u.document_id, u.sku)] >= line.qty
        ]
        if not fitting:
            unserved.append(line)
            continue
        best = min(fitting, key=lambda u: _rank_key(u, places, collect_at))
        free[(best.document_kind, best.document_id, best.sku)] -= line.qty
        at_counter = best.location == collect_at
        distance = 0.0 if at_counter else places[best.location].distance_km
        plans.append(
            FuturePlan(
                line=line,
                units=best,
                distance_km=distance,
                at_counter=at_counter,
                promised_at=promise_date(
                    best.expected_until, now, shipping_days(distance), at_counter
                ),
            )
        )
    return plans, unserved


def _may_serve(
    units: IncomingUnits,
    places: dict[str, Candidate],
    routing: RoutingPolicy,
    collect_at: str | None,
    excluded: frozenset[str],
) -> bool:
    place = places.get(units.location)
    if place is None or units.location in excluded:
        return False
    # Handing over at its own counter needs no shipping capacity and no web-order role.
    return units.location == collect_at or exclusion(place, routing, excluded) is None


def _rank_key(
    units: IncomingUnits, places: dict[str, Candidate], collect_at: str | None
) -> tuple[bool, datetime, float, str, str]:
    distance = places[units.location].distance_km
    return (
        units.location != collect_at,
        units.expected_until,
        math.inf if distance is None else distance,
        units.location,
        units.document_id,
    )


# --- Sentences -------------------------------------------------------------------------------

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date) -> str:
    """``12 Dec``: the same in every locale of the ledger's host."""
    return f"{day.day} {_MONTHS[day.month - 1]}"


def document_text(kind: DocumentKind, source: str, location: str, day: date) -> str:
    """``the delivery expected at PAR01 on 12 Dec`` or ``the transfer from LYO01 expected at
    PAR01 on 12 Dec``."""
    if kind is DocumentKind.TRANSFER:
        return f"the transfer from {source} expected at {location} on {day_text(day)}"
    return f"the delivery expected at {location} on {day_text(day)}"


def units_text(units: IncomingUnits) -> str:
    return document_text(units.document_kind, units.source, units.location, units.expected_day)


def short_text(
    kind: DocumentKind,
    source: str,
    location: str,
    day: date,
    *,
    missing: int,
    cancelled: bool,
) -> str:
    """Why a promise of incoming units could not become a job when its document arrived."""
    document = document_text(kind, source, location, day)
    if cancelled:
        return f"{document} was cancelled"
    if missing > 0:
        return f"{document} came {missing} short"
    return f"{document} arrived, but its units are no longer free at {location}"


def future_reason(plan: FuturePlan) -> dict[str, object]:
    units = plan.units
    return {
        "code": RoutingReason.FUTURE_STOCK,
        "sku": plan.line.sku,
        "qty": plan.line.qty,
        "document_kind": units.document_kind.value,
        "document_id": units.document_id,
        "source": units.source,
        "expected_at": units.expected_until.astimezone(UTC).isoformat(),
        "promised_at": plan.promised_at.astimezone(UTC).isoformat(),
    }


def with_future(
    shelf: RoutingDecision, plans: list[FuturePlan], unserved: list[Line]
) -> RoutingDecision:
    """The shelf decision, with the lines promised against incoming units as won by the location
    they arrive at (reason ``future_stock``) and a summary that says which lines wait."""
    by_location: dict[str, list[FuturePlan]] = {}
    for plan in plans:
        by_location.setdefault(plan.units.location, []).append(plan)
    verdicts: list[Verdict] = []
    for verdict in shelf.verdicts:
        waiting = by_location.pop(verdict.location, None)
        verdicts.append(verdict if waiting is None else _winner(verdict, waiting))
    for location, waiting in by_location.items():
        first = waiting[0]
        blank = Verdict(location, False, [], "", first.distance_km)
        verdicts.append(_winner(blank, waiting))
    assignments = list(shelf.assignments)
    for location, waiting in _grouped(plans).items():
        assignments.append(Assignment(location, [p.line for p in waiting]))
    parts = [
        f"{a.location} serves {', '.join(line.sku for line in a.lines)} from the shelf"
        for a in shelf.assignments
    ]
    parts.extend(
        f"line {p.line.line_no} ({p.line.sku}) waits for incoming stock, {_from(p)}" for p in plans
    )
    parts.extend(f"nobody can serve line {line.line_no} ({line.sku})" for line in unserved)
    return RoutingDecision(assignments, unserved, verdicts, "; ".join(parts))


def _grouped(plans: list[FuturePlan]) -> dict[str, list[FuturePlan]]:
    grouped: dict[str, list[FuturePlan]] = {}
    for plan in plans:
        grouped.setdefault(plan.units.location, []).append(plan)
    return grouped


def _from(plan: FuturePlan) -> str:
    return f"from {units_text(plan.units)}"


def _winner(verdict: Verdict, waiting: list[FuturePlan]) -> Verdict:
    said = [f"serves {p.line.sku} {_from(p)}" for p in waiting]
    text = "; ".join([verdict.text, *said] if verdict.won else said)
    reasons = [*(verdict.reasons if verdict.won else []), *(future_reason(p) for p in waiting)]
    distance = verdict.distance_km if verdict.distance_km is not None else waiting[0].distance_km
    return Verdict(verdict.location, True, reasons, text, distance)


def arrival_decision(location: str, lines: list[Line], document: str) -> RoutingDecision:
    """A promise kept: the arrived units of ``document`` serve ``lines`` at ``location``."""
    text = f"serves {', '.join(line.sku for line in lines)} from the units received"
    reason: dict[str, object] = {
        "code": RoutingReason.FUTURE_STOCK,
        "lines": [line.line_no for line in lines],
    }
    return RoutingDecision(
        [Assignment(location, list(lines))],
        [],
        [Verdict(location, True, [reason], text, None)],
        f"{document} arrived: {location} {text}",
    )


def prefaced(decision: RoutingDecision, why: str) -> RoutingDecision:
    """``decision`` with ``why`` it was taken in front of its summary."""
    return replace(decision, summary=f"{why}: {decision.summary}")
