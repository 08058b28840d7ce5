"""One routing rule as data: which locations it asks (filters), how it ranks them (sort keys),
whether it may split an order, and how much later than the best promise its plan may deliver.

A rule knows nothing of candidates or orders; ``domain.routing`` applies it and
``domain.rule_sets`` chains the rules of a rule set. Every field has the value that reproduces
the routing the ledger had before rule sets, so a rule built from the policy's top-level keys
(``routing.policy_rule``) routes exactly as before.

A rule may allocate competitively (``competitive``): instead of sending its plan's lines to the
one location it ranks first, it offers them to the ``offer_to`` best placed locations at once, the
first to claim them serves them (``services.offers``); unclaimed after ``claim_minutes``, they go to
the next locations the rule ranks, then to the next rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ordersync.contract import LocationKind


class SortKey(StrEnum):
    """What a rule ranks the locations that can serve a plan by; each has one direction, the one
    that makes sense for it."""

    DISTANCE = "distance"
    """Nearest first; locations within the rule's distance tolerance of the nearest are equal."""
    STOCK_DEPTH = "stock_depth"
    """Most units left after taking the order first (on the SKU left thinnest)."""
    DAYS_OF_COVER = "days_of_cover"
    """Most days of cover left after taking the order first: units left divided by the SKU's
    recent daily sales there (a SKU that does not sell there has endless cover)."""
    LOAD = "load"
    """Least busy today first: jobs created today over the daily job capacity."""
    COST = "cost"
    """Cheapest first: the location's ``ship_cost_minor`` per shipment."""


DEFAULT_SORT: tuple[SortKey, ...] = (SortKey.DISTANCE, SortKey.STOCK_DEPTH, SortKey.LOAD)
"""The ranking the ledger had before rule sets."""

NETWORK_KINDS = frozenset({LocationKind.STORE, LocationKind.WAREHOUSE})
"""The kinds a rule asks when it names none: drop-ship suppliers serve only the rules that name
their kind, so routing without such a rule never sends a line to a supplier."""


@dataclass(frozen=True, slots=True)
class Filters:
    """Which locations a rule asks at all; a location that fails one has a verdict that says
    which."""

    kinds: frozenset[LocationKind] = NETWORK_KINDS
    groups: frozenset[str] = frozenset()
    """The location must belong to one of these groups; empty: any location."""
    max_distance_km: float = 0.0
    """Locations farther than this are not asked (0: no limit)."""
    min_units_left: int = 0
    """Units above safety stock each SKU must keep after the order (0: safety stock is enough)."""
    min_capacity_left: int = 1
    """Jobs the location must still be able to take today."""


@dataclass(frozen=True, slots=True)
class Competitive:
    """Offer the lines to several locations at once; the first to claim them serves them."""

    offer_to: int = 3
    """How many locations each round offers the lines to (the best placed by the rule's sort)."""
    claim_minutes: int = 15
    """How long a round waits for a claim before the lines go to the next locations."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One step of a rule set."""

    name: str = "default"
    filters: Filters = field(default_factory=Filters)
    sort: tuple[SortKey, ...] = DEFAULT_SORT
    distance_tolerance_km: float = 5.0
    """Distances closer than this count as equal, so the next sort keys decide."""
    split: bool = True
    """Whether the order may be split over several locations when no single one can serve it."""
    promise_tolerance_days: int | None = None
    """How many days later than the best promise this rule's plan may be promised (see
    ``rule_sets.route_by_rules``); None: any date."""
    competitive: Competitive | None = None
    """Offer the plan's lines to several locations at once (None: send them to the first)."""

    @property
    def needs_cover(self) -> bool:
        """Whether ranking needs the SKUs' recent daily sales (read only when it does)."""
        return SortKey.DAYS_OF_COVER in self.sort
