"""What a run measures and at what size: the full run, the quick everyday run, the smoke run."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NetworkShape:
    """A generated network: locations, references of ``sizes`` sizes, and where SKUs are stocked.

    The first ``dense_references`` references are stocked at every location (the ones the
    availability measure asks for); every other SKU sits at a few locations, spread so that the
    network holds ``positions`` positions in all.
    """

    locations: int
    references: int
    dense_references: int
    positions: int
    sizes: int = 20
    fixed_on_hand: int | None = None
    """Every position holds this many units (reservation runs), else a pseudo-random stock."""
    low_stock: tuple[tuple[int, int], ...] = ()
    """(SKU index, units) pairs: these SKUs hold only that many units at each location."""

    @property
    def skus(self) -> int:
        return self.references * self.sizes

    @property
    def dense_skus(self) -> int:
        return self.dense_references * self.sizes

    @property
    def sparse_skus(self) -> int:
        return self.skus - self.dense_skus

    def check(self) -> None:
        dense = self.dense_skus * self.locations
        if not 1 <= self.sizes <= 20:
            raise ValueError("a reference has 1 to 20 sizes")
        if self.dense_references > self.references or dense > self.positions:
            raise ValueError("more dense positions than positions")
        if self.sparse_skus and (self.positions - dense) / self.sparse_skus > self.locations:
            raise ValueError("more positions than SKUs times locations")
        if self.sparse_skus and self.positions - dense < self.sparse_skus:
            raise ValueError("every SKU needs at least one position")


@dataclass(frozen=True)
class Plan:
    name: str
    description: str
    duration: float
    """Seconds of each measured load run (wrk -d)."""
    warmup: float
    """Seconds of load before each measured run, not counted..."""
    warmup_requests: int
    """... or this many requests, whichever comes first."""
    max_requests: int
    """Upper bound on the requests of one load run, whatever its duration."""
    network: NetworkShape
    """The availability, feed and store app network."""
    reservation_skus: int = 1000
    """Spread SKUs of the reservation runs (the hot SKU is one more)."""
    connections: int = 50
    batch_lines: int = 1000
    batch_connections: tuple[int, ...] = (1, 4)
    workers: tuple[int, ...] = (1, 2)
    availability_workers: int = 2
    last_units: int = 300
    """Units left on the contended SKU of the oversell probe."""
    last_units_requests: int = 1000
    app_starts: int = 3
    app_scans: int = 5
    feed_page: int = 5000
    demo_runs: int = 5
    """Generations of the demo network (and of its baseline) measured; at least two, since the
    same-seed check compares the first network with the last."""
    notes: tuple[str, ...] = field(default_factory=tuple)


FULL = Plan(
    name="full",
    description="full sizes: 500 locations, 300,000 SKUs, 10,000,000 positions",
    duration=15.0,
    warmup=3.0,
    warmup_requests=1_000_000,
    max_requests=500_000,
    network=NetworkShape(
        locations=500, references=15_000, dense_references=200, positions=10_000_000
    ),
    app_starts=5,
    app_scans=10,
)

QUICK = Plan(
    name="quick",
    description=(
        "quick sizes: 100 locations, 20,000 SKUs, 200,000 positions; 2 s load runs "
        "(figures are noisier; the 300,000-SKU bootstrap target is not judged)"
    ),
    duration=2.0,
    warmup=1.0,
    warmup_requests=200,
    max_requests=100_000,
    network=NetworkShape(locations=100, references=1_000, dense_references=20, positions=200_000),
    reservation_skus=200,
    last_units=100,
    last_units_requests=300,
    app_starts=2,
    app_scans=3,
    demo_runs=3,
)

TINY = Plan(
    name="tiny",
    description="smoke-test sizes: a few hundred rows, request-bounded runs",
    duration=1.0,
    warmup=0.0,
    warmup_requests=0,
    max_requests=60,
    network=NetworkShape(locations=5, references=10, dense_references=2, positions=120, sizes=4),
    reservation_skus=20,
    connections=4,
    batch_lines=50,
    batch_connections=(1,),
    workers=(1,),
    availability_workers=1,
    last_units=10,
    last_units_requests=30,
    app_starts=1,
    app_scans=1,
    feed_page=100,
    demo_runs=2,
)

PLANS = {plan.name: plan for plan in (FULL, QUICK, TINY)}
