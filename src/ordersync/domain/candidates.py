"""The two things routing reasons about: an order line to serve, and a location as routing sees
it (what it may ship, how busy it is today, which records are suspect)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


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
    groups: frozenset[str] = frozenset()
    """The location groups it belongs to (rules may ask some groups only)."""
    ship_cost_minor: int = 0
    """What a shipment from here costs, in minor units (the ``cost`` sort key)."""
    daily_sales: dict[str, float] = field(default_factory=dict)
    """Recent units sold per day per SKU; read only when a rule ranks by days of cover."""
    lead_time_days: int = 0
    """Days before it ships what it is sent (a drop-ship supplier's lead time; 0 elsewhere)."""

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
