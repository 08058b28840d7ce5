"""The demo network: a French lingerie chain, its catalog, its stock and 90 days of history.

This module owns two things. ``build_demo_network`` is a pure, seeded generator: the same seed and
anchor date always give the same locations, items and movement batches, down to the operation ids.
``load_demo_network`` writes that network into a ledger through the ordinary services (catalog
upserts and idempotent movement batches), so the demo data obeys every rule real traffic does, and
loading it again changes nothing: each batch is answered from the ledger's idempotency store.
The orders of the last weeks (see ``demo_orders``) are loaded day by day between the morning's
deliveries and the evening's sales, each step at its own hour.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import accumulate, groupby
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from ordersync.clock import Clock
from ordersync.contract import (
    ItemIn,
    LocationIn,
    LocationKind,
    MovementBatch,
    MovementLine,
    ReceiptLine,
    Role,
    SaleLine,
    TransferLine,
    with_check_digit,
)
from ordersync.db.ledger_tx import MOVEMENTS, LedgerTx, table_of
from ordersync.db.tables import LedgerMeta, OrderRow
from ordersync.db.writer import Work, execute_batch, run_in_transaction
from ordersync.demo_orders import ORDER_DAYS, DemoOrder, DemoOrderPlanner, load_orders
from ordersync.domain.permissions import Principal
from ordersync.services.catalog import upsert_items, upsert_locations
from ordersync.services.idempotency import Outcome
from ordersync.services.operations import movements_work

PARIS = ZoneInfo("Europe/Paris")
WAREHOUSE = "WH-LYON"
HISTORY_DAYS = 90
DEFAULT_ANCHOR = date(2026, 3, 2)
ANCHOR_KEY = "demo_anchor"
DEMO_PRINCIPAL = Principal(token_id=0, location=WAREHOUSE, role=Role.ADMIN, device="demo-data")
# Fixed forever: changing it would give every demo batch a new operation id.
DEMO_NAMESPACE = uuid.UUID("6f1c2a9e-4d3b-5e8f-9a71-0c2d4e6f8a10")

ITEM_CHUNK = 2_000
BATCHES_PER_TRANSACTION = 20

BANDS = (70, 75, 80, 85, 90, 95, 100)
CUPS = ("A", "B", "C", "D", "E", "F")
BRIEF_SIZES = (34, 36, 38, 40, 42, 44, 46)
LUXURY_SIZES = ("XS", "S", "M", "L")

_BAND_WEIGHT = {70: 0.25, 75: 0.65, 80: 1.0, 85: 1.1, 90: 0.95, 95: 0.5, 100: 0.25}
_CUP_WEIGHT = {"A": 0.35, "B": 1.0, "C": 1.1, "D": 0.9, "E": 0.45, "F": 0.25}
_BRIEF_WEIGHT = {34: 0.3, 36: 0.75, 38: 1.0, 40: 1.0, 42: 0.8, 44: 0.45, 46: 0.25}
_LUXURY_WEIGHT = {"XS": 0.35, "S": 0.85, "M": 1.0, "L": 0.6}
# The first colour of a reference (black, mostly) sells best.
_COLOUR_WEIGHT = (1.0, 0.7, 0.45)
# Monday .. Sunday; Saturday is the big day, Sunday only counts where the store opens.
_WEEKDAY_FACTOR = (0.7, 0.85, 0.95, 0.95, 1.15, 1.7, 0.8)

Family = Literal["bra", "brief", "luxury"]


# --- The network's shape -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _StoreSpec:
    code: str
    name: str
    latitude: float
    longitude: float
    capacity: int
    safety_stock: int
    depth: float
    """Units held of a central size (85C, first colour) when fully stocked."""
    daily_units: float
    """Mean units sold on an ordinary weekday."""
    fulfils_web_orders: bool = True
    open_sundays: bool = False
    luxury: bool = False
    """Whether the store carries the silk range at all."""
    delivery_weekday: int | None = None
    """The weekday (0 = Monday) of a fortnightly transfer from the warehouse, if it gets one."""
    delivery_week: int = 0


_WAREHOUSE_DEPTH = 150.0

_STORES = (
    _StoreSpec("PAR-01", "Paris Rivoli", 48.8606, 2.3470, 140, 1, 16.0, 42.0,
               open_sundays=True, luxury=True, delivery_weekday=1, delivery_week=0),
    _StoreSpec("PAR-02", "Paris Haussmann", 48.8738, 2.3320, 160, 2, 18.0, 48.0,
               open_sundays=True, luxury=True, delivery_weekday=1, delivery_week=1),
    _StoreSpec("LYO-01", "Lyon République", 45.7620, 4.8357, 110, 1, 14.0, 32.0,
               luxury=True, delivery_weekday=2, delivery_week=0),
    _StoreSpec("MRS-01", "Marseille Saint-Ferréol", 43.2930, 5.3780, 90, 1, 12.0, 27.0,
               delivery_weekday=2, delivery_week=1),
    _StoreSpec("BDX-01", "Bordeaux Sainte-Catherine", 44.8400, -0.5740, 80, 1, 12.0, 26.0,
               delivery_weekday=3, delivery_week=0),
    _StoreSpec("LIL-01", "Lille Grand Place", 50.6370, 3.0635, 80, 1, 14.0, 25.0),
    _StoreSpec("NTE-01", "Nantes Crébillon", 47.2130, -1.5600, 60, 0, 12.0, 20.0),
    _StoreSpec("TLS-01", "Toulouse Capitole", 43.6045, 1.4440, 70, 1, 13.0, 22.0),
    _StoreSpec("NCE-01", "Nice Jean Médecin", 43.7010, 7.2680, 50, 2, 10.0, 15.0,
               luxury=True),
    _StoreSpec("STR-01", "Strasbourg Kléber", 48.5835, 7.7458, 60, 1, 10.0, 14.0),
    _StoreSpec("REN-01", "Rennes Le Bastard", 48.1115, -1.6800, 40, 0, 8.0, 10.0),
    _StoreSpec("MTP-01", "Montpellier Comédie", 43.6085, 3.8800, 25, 0, 8.0, 9.0,
               fulfils_web_orders=False),
    _StoreSpec("ANN-01", "Annecy Vieille Ville", 45.8990, 6.1280, 15, 2, 7.0, 7.0,
               fulfils_web_orders=False, luxury=True),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _ReferenceSpec:
    code: str
    name: str
    family: Family
    price_minor: int
    colours: tuple[tuple[str, str], ...]
    """(SKU code, label) of each colour, best seller first."""
    popularity: float


_NOIR = ("NOIR", "Noir")
_IVOIRE = ("IVOI", "Ivoire")
_NUDE = ("NUDE", "Nude")
_ROSE = ("ROSE", "Rose poudré")
_BLEU = ("BLEU", "Bleu nuit")
_BORD = ("BORD", "Bordeaux")
_EMER = ("EMER", "Émeraude")
_CHAMP = ("CHAM", "Champagne")

_REFERENCES = (
    _ReferenceSpec("BRA-ELO", "Soutien-gorge corbeille Éloïse", "bra", 5990,
                   (_NOIR, _IVOIRE, _ROSE), 1.0),
    _ReferenceSpec("BRA-CAP", "Soutien-gorge balconnet Capucine", "bra", 5490,
                   (_NOIR, _NUDE, _BLEU), 0.9),
    _ReferenceSpec("BRA-JOS", "Soutien-gorge emboîtant Joséphine", "bra", 6490,
                   (_NUDE, _NOIR), 0.8),
    _ReferenceSpec("BRA-MAR", "Soutien-gorge triangle Margaux", "bra", 4990,
                   (_NOIR, _BORD, _IVOIRE), 0.75),
    _ReferenceSpec("BRA-APO", "Soutien-gorge plongeant Apolline", "bra", 5990,
                   (_NOIR, _EMER), 0.6),
    _ReferenceSpec("BRA-VIC", "Soutien-gorge push-up Victoire", "bra", 5290,
                   (_NOIR, _ROSE, _NUDE), 0.7),
    _ReferenceSpec("BRA-CEL", "Soutien-gorge minimiseur Célestine", "bra", 6990,
                   (_NUDE, _NOIR), 0.5),
    _ReferenceSpec("BRA-ROM", "Soutien-gorge sans armatures Romane", "bra", 4490,
                   (_IVOIRE, _NOIR, _BLEU), 0.55),
    _ReferenceSpec("CUL-ELO", "Culotte Éloïse", "brief", 2990, (_NOIR, _IVOIRE, _ROSE), 0.9),
    _ReferenceSpec("SHO-CAP", "Shorty Capucine", "brief", 3290, (_NOIR, _NUDE, _BLEU), 0.8),
    _ReferenceSpec("STR-MAR", "String Margaux", "brief", 2490, (_NOIR, _BORD), 0.6),
    _ReferenceSpec("TAN-VIC", "Tanga Victoire", "brief", 2790, (_NOIR, _ROSE), 0.5),
    _ReferenceSpec("ROB-IMP", "Déshabillé en soie Impératrice", "luxury", 32000,
                   (_NOIR, _CHAMP), 0.06),
    _ReferenceSpec("BOD-SER", "Body dentelle de Calais Séraphine", "luxury", 18900,
                   (_NOIR, _IVOIRE), 0.1),
    _ReferenceSpec("KIM-ORC", "Kimono en soie Orchidée", "luxury", 29000, (_EMER,), 0.05),
    _ReferenceSpec("NUI-OPA", "Nuisette en soie Opaline", "luxury", 21000,
                   (_CHAMP, _NOIR), 0.08),
)  # fmt: skip

# This reference catches on over the quarter: its demand doubles from the first day to the last.
_TRENDING = "BRA-CAP"


# --- The generated network ---------------------------------------------------------------------


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


@dataclass(frozen=True)
class DemoSummary:
    """What a load did; a second load of the same seed applies nothing and replays every batch."""

    anchor: date
    locations: int
    items: int
    references: int
    batches_applied: int
    batches_replayed: int
    batches_skipped: int
    """Already in the ledger, but loaded so long ago that the ledger forgot their outcome."""
    sale_lines: int
    receipt_lines: int
    transfer_lines: int
    orders_placed: int = 0


def demo_op_id(seed: int, location: str, day: date) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"demo:{seed}:{location}:{day.isoformat()}")


def _local_moment(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def _build_locations() -> tuple[LocationIn, ...]:
    warehouse = LocationIn(
        code=WAREHOUSE,
        kind=LocationKind.WAREHOUSE,
        name="Entrepôt Lyon Saint-Priest",
        timezone="Europe/Paris",
        latitude=45.6970,
        longitude=4.9440,
        fulfils_web_orders=True,
        daily_job_capacity=2_500,
        default_safety_stock=0,
    )
    stores = tuple(
        LocationIn(
            code=spec.code,
            kind=LocationKind.STORE,
            name=spec.name,
            timezone="Europe/Paris",
            latitude=spec.latitude,
            longitude=spec.longitude,
            fulfils_web_orders=spec.fulfils_web_orders,
            daily_job_capacity=spec.capacity,
            default_safety_stock=spec.safety_stock,
        )
        for spec in _STORES
    )
    return (warehouse, *stores)


def _sizes(family: Family) -> list[tuple[str, str | None, str | None, float]]:
    """(size, size_row, size_column, demand weight) of every size of a family."""
    if family == "bra":
        return [
            (f"{band}{cup}", str(band), cup, _BAND_WEIGHT[band] * _CUP_WEIGHT[cup])
            for band in BANDS
            for cup in CUPS
        ]
    if family == "brief":
        return [(str(size), None, None, _BRIEF_WEIGHT[size]) for size in BRIEF_SIZES]
    return [(size, None, None, _LUXURY_WEIGHT[size]) for size in LUXURY_SIZES]


@dataclass(frozen=True, slots=True)
class _Sku:
    item: ItemIn
    family: Family
    weight: float
    """Relative demand: reference popularity x colour x size."""


def _build_catalog() -> list[_Sku]:
    skus: list[_Sku] = []
    number = 0
    for ref in _REFERENCES:
        for colour_rank, (colour_code, colour) in enumerate(ref.colours):
            for size, row, column, size_weight in _sizes(ref.family):
                number += 1
                gtins = [with_check_digit(f"3760000{number:05d}")]
                # A few older labels still carry the short GTIN-8 of the previous supplier.
                if number % 97 == 0:
                    gtins.append(with_check_digit(f"20{number:05d}"))
                item = ItemIn(
                    sku=f"{ref.code}-{colour_code}-{size}",
                    reference=ref.code,
                    name=ref.name,
                    size=size,
                    size_row=row,
                    size_column=column,
                    colour=colour,
                    gtins=gtins,
                    price_minor=ref.price_minor,
                )
                weight = ref.popularity * _COLOUR_WEIGHT[colour_rank] * size_weight
                skus.append(_Sku(item, ref.family, weight))
    return skus


def _initial_quantity(rng: random.Random, sku: _Sku, depth: float, luxury: bool) -> int:
    if sku.family == "luxury":
        # Silk is shown one or two pieces per size, and only where it sells.
        return round(rng.uniform(0.3, 2.4) * _LUXURY_WEIGHT[sku.item.size]) if luxury else 0
    # Smaller stores do not stock the edge of the size grid at all.
    if depth < 11.0 and sku.weight < 0.12:
        return 0
    return max(0, round(depth * sku.weight * rng.uniform(0.6, 1.4)))


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
    catalog = _build_catalog()
    locations = _build_locations()
    planner = DemoOrderPlanner(seed, locations)
    orders: list[DemoOrder] = []
    weight_of = {sku.item.sku: sku.weight for sku in catalog}
    first_day = anchor - timedelta(days=HISTORY_DAYS)
    stock_day = first_day - timedelta(days=1)

    warehouse_levels = {
        sku.item.sku: max(4, round(_WAREHOUSE_DEPTH * sku.weight * sim.rng.uniform(0.8, 1.2)))
        for sku in catalog
    }
    sim.stock_up(WAREHOUSE, stock_day, warehouse_levels)
    for spec in _STORES:
        levels = {}
        for sku in catalog:
            qty = _initial_quantity(sim.rng, sku, spec.depth, spec.luxury)
            if qty > 0:
                levels[sku.item.sku] = qty
        sim.stock_up(spec.code, stock_day, levels)

    carried = {spec.code: list(sim.target[spec.code]) for spec in _STORES}
    for index in range(HISTORY_DAYS):
        day = first_day + timedelta(days=index)
        weekday = day.weekday()
        trend = 1.0 + index / (HISTORY_DAYS - 1)
        # The supplier delivers the warehouse every fourth Monday.
        if weekday == 0 and (index // 7) % 4 == 3:
            sim.supplier_delivery(day)
        if index >= HISTORY_DAYS - ORDER_DAYS:
            orders.extend(planner.plan_day(day, sim.stock, weight_of))
        for spec in _STORES:
            if weekday == 6 and not spec.open_sundays:
                continue
            lines: list[MovementLine] = []
            fortnight = ((day.toordinal() - 1) // 7) % 2
            if spec.delivery_weekday == weekday and fortnight == spec.delivery_week:
                lines.extend(sim.replenish(spec.code))
            skus = carried[spec.code]
            cum = list(
                accumulate(
                    weight_of[sku] * (trend if sku.startswith(_TRENDING) else 1.0) for sku in skus
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


# --- Loading into a ledger ---------------------------------------------------------------------

_META = table_of(LedgerMeta)
_ORDERS = table_of(OrderRow)


def _anchor_work(tx: LedgerTx) -> date:
    """The stored anchor, or today's date in Paris stored as the anchor on a first load."""
    stored = tx.connection.execute(
        select(_META.c.value).where(_META.c.key == ANCHOR_KEY)
    ).scalar_one_or_none()
    if stored is not None:
        return date.fromisoformat(stored)
    today = tx.now.astimezone(PARIS).date()
    tx.connection.execute(_META.insert().values(key=ANCHOR_KEY, value=today.isoformat()))
    return today


def _batch_work(batch: MovementBatch) -> Work:
    submit = movements_work(DEMO_PRINCIPAL, batch)
    op_id = str(batch.op_id)

    def work(tx: LedgerTx) -> Outcome | None:
        # Stored outcomes are dropped after the idempotency retention period; movements never
        # are. Without this check a load run after that period would post the whole history again.
        posted = tx.connection.execute(
            select(MOVEMENTS.c.op_id).where(MOVEMENTS.c.op_id == op_id).limit(1)
        ).first()
        if posted is not None and tx.stored_outcome(op_id) is None:
            return None
        return submit(tx)

    return work


def _chunks(seq: Sequence[DemoBatch], size: int) -> Iterator[Sequence[DemoBatch]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


_OPENING_HOUR = 9


def _local_hour(demo_batch: DemoBatch) -> int:
    moment = demo_batch.batch.occurred_at
    assert moment is not None
    return moment.astimezone(PARIS).hour


def _load_batches(
    engine: Engine, clock: Clock, batches: Sequence[DemoBatch], counts: list[int]
) -> None:
    """Apply ``batches``; count them as [applied, replayed, skipped] into ``counts``."""
    for group in _chunks(batches, BATCHES_PER_TRANSACTION):
        works = [_batch_work(b.batch) for b in group]
        for demo_batch, (result, error) in zip(
            group, execute_batch(engine, clock, works), strict=True
        ):
            if error is not None:
                raise RuntimeError(
                    f"demo batch {demo_batch.location} {demo_batch.day} failed: {error!r}"
                ) from error
            outcome: Outcome | None = result
            if outcome is None:
                counts[2] += 1
            elif outcome.status >= 400:
                raise RuntimeError(
                    f"demo batch {demo_batch.location} {demo_batch.day} was refused: {outcome.body}"
                )
            elif outcome.replayed:
                counts[1] += 1
            else:
                counts[0] += 1


def _ended_orders(engine: Engine, orders: Sequence[DemoOrder]) -> set[str]:
    """Ids of the demo orders already loaded to their end (a load that stopped half way
    resumes the others, step by step)."""
    ids = [str(order.op_id) for order in orders]
    found: set[str] = set()
    with engine.connect() as connection:
        for start in range(0, len(ids), 500):
            found.update(
                connection.execute(
                    select(_ORDERS.c.id).where(
                        _ORDERS.c.id.in_(ids[start : start + 500]),
                        _ORDERS.c.state.in_(["closed", "follow_up"]),
                    )
                ).scalars()
            )
    return found


def load_demo_network(engine: Engine, clock: Clock, seed: int = 7) -> DemoSummary:
    """Write the demo network into the ledger behind ``engine``; safe to run again.

    The first load stores its date as the anchor; later loads reuse it, so they regenerate the
    very same batches under the same operation ids and the ledger replays each one (or, past its
    idempotency retention, the batch is found among the movements and skipped).
    """
    anchor = run_in_transaction(engine, clock, _anchor_work)
    network = build_demo_network(seed, anchor=anchor)
    run_in_transaction(
        engine, clock, lambda tx: upsert_locations(tx, DEMO_PRINCIPAL, network.locations)
    )
    for start in range(0, len(network.items), ITEM_CHUNK):
        chunk = network.items[start : start + ITEM_CHUNK]
        run_in_transaction(
            engine, clock, partial(upsert_items, principal=DEMO_PRINCIPAL, items=chunk)
        )

    counts = [0, 0, 0]
    ended = _ended_orders(engine, network.orders)
    by_day: dict[date, list[DemoOrder]] = {}
    for order in network.orders:
        by_day.setdefault(order.day, []).append(order)
    placed = 0
    for day, of_day in groupby(network.batches, key=lambda b: b.day):
        batches = list(of_day)
        # deliveries come before the shop opens, sales are posted at closing time
        morning = [b for b in batches if _local_hour(b) < _OPENING_HOUR]
        _load_batches(engine, clock, morning, counts)
        placed += load_orders(engine, by_day.get(day, []), ended)
        evening = [b for b in batches if _local_hour(b) >= _OPENING_HOUR]
        _load_batches(engine, clock, evening, counts)
    applied, replayed, skipped = counts

    return DemoSummary(
        anchor=anchor,
        locations=len(network.locations),
        items=len(network.items),
        references=len(network.references),
        batches_applied=applied,
        batches_replayed=replayed,
        batches_skipped=skipped,
        sale_lines=network.lines_of("sale"),
        receipt_lines=network.lines_of("receipt"),
        transfer_lines=network.lines_of("transfer"),
        orders_placed=placed,
    )
