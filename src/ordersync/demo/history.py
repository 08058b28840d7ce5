"""The demo network's 90 days of history: a pure, seeded generator of movement batches.

``build_demo_network`` gives the same locations, items and movement batches for the same seed and
anchor date, down to the operation ids. It simulates the stock as it goes, so no sale or transfer
ever takes a unit that is not there: stores sell by weekday and size, the warehouse replenishes
them fortnightly, the supplier tops up the warehouse every fourth Monday, and the orders of the
last weeks (see ``orders``) are planned from the stock of their morning.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from ordersync.contract import (
    ItemIn,
    LocationIn,
    MovementBatch,
    MovementLine,
    ReceiptLine,
    SaleLine,
    TransferLine,
)
from ordersync.demo.network import (
    PARIS,
    STORES,
    TRENDING,
    WAREHOUSE,
    WAREHOUSE_DEPTH,
    build_catalog,
    build_locations,
    initial_quantity,
)
from ordersync.demo.orders import ORDER_DAYS, DemoOrder, DemoOrderPlanner

HISTORY_DAYS = 90
DEFAULT_ANCHOR = date(2026, 3, 2)
# Fixed forever: changing it would give every demo batch a new operation id.
DEMO_NAMESPACE = uuid.UUID("6f1c2a9e-4d3b-5e8f-9a71-0c2d4e6f8a10")

# Monday .. Sunday; Saturday is the big day, Sunday only counts where the store opens.
_WEEKDAY_FACTOR = (0.7, 0.85, 0.95, 0.95, 1.15, 1.7, 0.8)


@dataclass(frozen=True, slots=True)
class DemoBatch:
    """The movements of one location on one day, as the ledger will receive them."""

    location: str
    day: date
    batch: MovementBatch


@dataclass(frozen=True)
class DemoNetwork:
    seed: int
    anchor: date
    """The day the demo was first loaded; history ends the day before."""
    locations: tuple[LocationIn, ...]
    items: tuple[ItemIn, ...]
    batches: tuple[DemoBatch, ...]
    final_stock: tuple[tuple[str, str, int], ...]
    """(location, SKU, on hand) of every position the batches touch, once all are applied."""
    orders: tuple[DemoOrder, ...] = ()
    """Orders of the last weeks; they leave every position's stock as the batches left it."""

    @property
    def references(self) -> frozenset[str]:
        return frozenset(item.reference for item in self.items)

    def lines_of(self, kind: str) -> int:
        return sum(1 for b in self.batches for line in b.batch.lines if line.kind == kind)

    def units(self) -> int:
        """Units on hand across the network at the end of the history."""
        return sum(qty for _, _, qty in self.final_stock)


def demo_op_id(seed: int, location: str, day: date) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"demo:{seed}:{location}:{day.isoformat()}")


def _local_moment(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


class _Simulation:
    """Tracks stock while it writes batches, so no sale or transfer ever takes a missing unit."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.stock: dict[str, dict[str, int]] = {}
        self.target: dict[str, dict[str, int]] = {}
        self.batches: list[DemoBatch] = []

    def emit(self, location: str, day: date, moment: datetime, lines: list[MovementLine]) -> None:
        if not lines:
            return
        batch = MovementBatch(
            op_id=demo_op_id(self.seed, location, day), lines=lines, occurred_at=moment
        )
        self.batches.append(DemoBatch(location, day, batch))

    def stock_up(self, location: str, day: date, quantities: dict[str, int]) -> None:
        self.stock[location] = dict(quantities)
        self.target[location] = dict(quantities)
        lines: list[MovementLine] = [
            ReceiptLine(kind="receipt", sku=sku, location=location, qty=qty)
            for sku, qty in quantities.items()
        ]
        self.emit(location, day, _local_moment(day, 7, 30), lines)

    def supplier_delivery(self, day: date) -> None:
        """Tops up every warehouse SKU that fell to half its level or below."""
        stock, target = self.stock[WAREHOUSE], self.target[WAREHOUSE]
        lines: list[MovementLine] = []
        for sku, level in target.items():
            if stock[sku] * 2 <= level:
                qty = level - stock[sku]
                stock[sku] += qty
                lines.append(ReceiptLine(kind="receipt", sku=sku, location=WAREHOUSE, qty=qty))
        self.emit(WAREHOUSE, day, _local_moment(day, 6, 15), lines)

    def replenish(self, store: str) -> list[MovementLine]:
        """Warehouse transfers refilling each SKU of ``store`` down to a third of its level."""
        stock, target = self.stock[store], self.target[store]
        warehouse = self.stock[WAREHOUSE]
        lines: list[MovementLine] = []
        for sku, level in target.items():
            if stock[sku] * 3 > level:
                continue
            qty = min(level - stock[sku], warehouse.get(sku, 0))
            if qty <= 0:
                continue
            warehouse[sku] -= qty
            stock[sku] += qty
            lines.append(
                TransferLine(
                    kind="transfer", sku=sku, from_location=WAREHOUSE, to_location=store, qty=qty
                )
            )
        return lines

    def sell(
        self, store: str, units: int, skus: Sequence[str], cum_weights: Sequence[float]
    ) -> list[MovementLine]:
        stock = self.stock[store]
        sold: dict[str, int] = {}
        for sku in self.rng.choices(skus, cum_weights=cum_weights, k=units):
            # The customer's size is gone: a lost sale, exactly what the demo should show.
            if stock[sku] - sold.get(sku, 0) > 0:
                sold[sku] = sold.get(sku, 0) + 1
        for sku, qty in sold.items():
            stock[sku] -= qty
        return [
            SaleLine(kind="sale", sku=sku, location=store, qty=qty) for sku, qty in sold.items()
        ]


def build_demo_network(seed: int = 7, *, anchor: date = DEFAULT_ANCHOR) -> DemoNetwork:
    """The whole demo network for ``seed``, with history ending the day before ``anchor``.

    ``anchor`` only places the history in the calendar (weekends, Sundays closed); the same seed
    and anchor always give an equal network.
    """
    sim = _Simulation(seed)
    catalog = build_catalog()
    locations = build_locations()
    planner = DemoOrderPlanner(seed, locations)
    orders: list[DemoOrder] = []
    weight_of = {sku.item.sku: sku.weight for sku in catalog}
    first_day = anchor - timedelta(days=HISTORY_DAYS)
    stock_day = first_day - timedelta(days=1)

    warehouse_levels = {
        sku.item.sku: max(4, round(WAREHOUSE_DEPTH * sku.weight * sim.rng.uniform(0.8, 1.2)))
        for sku in catalog
    }
    sim.stock_up(WAREHOUSE, stock_day, warehouse_levels)
    for spec in STORES:
        levels = {}
        for sku in catalog:
            qty = initial_quantity(sim.rng, sku, spec.depth, spec.luxury)
            if qty > 0:
                levels[sku.item.sku] = qty
        sim.stock_up(spec.code, stock_day, levels)

    carried = {spec.code: list(sim.target[spec.code]) for spec in STORES}
    for index in range(HISTORY_DAYS):
        day = first_day + timedelta(days=index)
        weekday = day.weekday()
        trend = 1.0 + index / (HISTORY_DAYS - 1)
        # The supplier delivers the warehouse every fourth Monday.
        if weekday == 0 and (index // 7) % 4 == 3:
            sim.supplier_delivery(day)
        if index >= HISTORY_DAYS - ORDER_DAYS:
            orders.extend(planner.plan_day(day, sim.stock, weight_of))
        for spec in STORES:
            if weekday == 6 and not spec.open_sundays:
                continue
            lines: list[MovementLine] = []
            fortnight = ((day.toordinal() - 1) // 7) % 2
            if spec.delivery_weekday == weekday and fortnight == spec.delivery_week:
                lines.extend(sim.replenish(spec.code))
            skus = carried[spec.code]
            cum = list(
                accumulate(
                    weight_of[sku] * (trend if sku.startswith(TRENDING) else 1.0) for sku in skus
                )
            )
            mean = spec.daily_units * _WEEKDAY_FACTOR[weekday]
            units = max(0, round(sim.rng.gauss(mean, mean**0.5)))
            lines.extend(sim.sell(spec.code, units, skus, cum))
            closing = 18 if weekday == 6 else 19
            sim.emit(spec.code, day, _local_moment(day, closing, sim.rng.randint(0, 45)), lines)

    final = tuple(
        (location, sku, qty)
        for location in sorted(sim.stock)
        for sku, qty in sorted(sim.stock[location].items())
    )
    return DemoNetwork(
        seed=seed,
        anchor=anchor,
        locations=locations,
        items=tuple(sku.item for sku in catalog),
        batches=tuple(sim.batches),
        final_stock=final,
        orders=tuple(orders),
    )
