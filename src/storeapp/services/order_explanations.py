"""What the ledger says about an order, read into plain fields for the screens: a routing
decision (the winners, and why each other location lost) and the alternatives it offers when
nobody can serve the order (other sizes and colours, stores where the customer could collect).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordersync.contract import RoutingRecord, SizeFit


@dataclass(frozen=True, slots=True)
class Verdict:
    """One candidate location of a routing decision: won, or why it lost."""

    location: str
    name: str
    won: bool
    distance_km: float | None
    reasons: list[dict[str, Any]]
    """Machine-readable reasons: ``code`` is a ``RoutingReason`` value, with its numbers."""
    text: str
    """The ledger's own sentence (English)."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """A routing decision as a person reads it."""

    trigger: str
    """``order`` (first routing) or ``short_pick`` (routed again after a short pick)."""
    created_at: datetime | None
    summary: str
    assignments: list[tuple[str, list[int]]]
    """(location, order line numbers it serves)."""
    unserved: list[dict[str, Any]]
    candidates: list[Verdict]
    offers: list[OfferedLines] = field(default_factory=list)
    """Lines offered to several stores at once: the first to claim them prepares them."""

    @property
    def winners(self) -> list[Verdict]:
        return [c for c in self.candidates if c.won]

    @property
    def losers(self) -> list[Verdict]:
        return [c for c in self.candidates if not c.won]


@dataclass(frozen=True, slots=True)
class OfferedLines:
    """Order lines offered to several stores at once (competitive allocation)."""

    lines: list[int]
    locations: list[str]
    expires_at: datetime | None


def _offered(raw: Any) -> OfferedLines | None:
    if not isinstance(raw, Mapping):
        return None
    expires = raw.get("expires_at")
    return OfferedLines(
        lines=[int(n) for n in raw.get("lines") or []],
        locations=[str(code) for code in raw.get("locations") or []],
        expires_at=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
    )


@dataclass(frozen=True, slots=True)
class OtherSize:
    instead_of: str
    sku: str
    size: str
    colour: str
    available: int
    kind: SizeFit | None = None
    """How it fits against the size asked for (None: the ledger did not say)."""


@dataclass(frozen=True, slots=True)
class CollectPoint:
    location: str
    name: str
    distance_km: float | None


@dataclass(frozen=True, slots=True)
class Alternatives:
    other_sizes: list[OtherSize]
    """Other sizes and colours of the same reference the network holds."""
    collect_at: list[CollectPoint]
    """Stores holding every unserved line, where the customer could collect."""

    @property
    def empty(self) -> bool:
        return not self.other_sizes and not self.collect_at


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def explain(record: RoutingRecord, names: Mapping[str, str] | None = None) -> Explanation:
    """Read a routing record's explanation (a JSON document) into plain fields."""
    names = names or {}
    raw = record.explanation
    candidates = [
        Verdict(
            location=str(c.get("location", "")),
            name=names.get(str(c.get("location", "")), str(c.get("location", ""))),
            won=bool(c.get("won")),
            distance_km=_float(c.get("distance_km")),
            reasons=[dict(r) for r in c.get("reasons") or [] if isinstance(r, Mapping)],
            text=str(c.get("text", "")),
        )
        for c in raw.get("candidates") or []
        if isinstance(c, Mapping)
    ]
    assignments = [
        (str(a.get("location", "")), [int(n) for n in a.get("lines") or []])
        for a in raw.get("assignments") or []
        if isinstance(a, Mapping)
    ]
    return Explanation(
        trigger=record.trigger,
        created_at=record.created_at,
        summary=str(raw.get("summary", "")),
        assignments=assignments,
        unserved=[dict(u) for u in raw.get("unserved") or [] if isinstance(u, Mapping)],
        candidates=candidates,
        offers=[offer for offer in map(_offered, raw.get("offers") or []) if offer is not None],
    )


def alternatives_of(
    problem: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> Alternatives | None:
    """The alternatives an ``order-unfulfillable`` problem offers, or None for other problems."""
    raw = problem.get("alternatives")
    if not isinstance(raw, Mapping):
        return None
    names = names or {}
    sizes: Sequence[Any] = raw.get("other_sizes") or []
    points: Sequence[Any] = raw.get("collect_at") or []
    return Alternatives(
        other_sizes=[
            OtherSize(
                instead_of=str(s.get("instead_of", "")),
                sku=str(s.get("sku", "")),
                size=str(s.get("size", "")),
                colour=str(s.get("colour", "")),
                available=int(s.get("available", 0)),
                kind=SizeFit(s["kind"]) if s.get("kind") in set(SizeFit) else None,
            )
            for s in sizes
            if isinstance(s, Mapping)
        ],
        collect_at=[
            CollectPoint(
                location=str(p.get("location", "")),
                name=names.get(str(p.get("location", "")), str(p.get("location", ""))),
                distance_km=_float(p.get("distance_km")),
            )
            for p in points
            if isinstance(p, Mapping)
        ],
    )
