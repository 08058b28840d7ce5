"""The demo network's shape: a French lingerie chain's warehouse and stores, its catalog of
references in their colours and sizes, and how deep each store stocks each SKU.

Everything here is fixed data and pure functions of it; the random draws are the caller's (see
``history``), so the same seed always gives the same network.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from ordersync.contract import ItemIn, LocationIn, LocationKind, Role, with_check_digit
from ordersync.domain.permissions import Principal

PARIS = ZoneInfo("Europe/Paris")
WAREHOUSE = "WH-LYON"

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

Family = Literal["bra", "brief", "luxury"]


@dataclass(frozen=True, slots=True)
class StoreSpec:
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


WAREHOUSE_DEPTH = 150.0

STORES = (
    StoreSpec("PAR-01", "Paris Rivoli", 48.8606, 2.3470, 140, 1, 16.0, 42.0,
              open_sundays=True, luxury=True, delivery_weekday=1, delivery_week=0),
    StoreSpec("PAR-02", "Paris Haussmann", 48.8738, 2.3320, 160, 2, 18.0, 48.0,
              open_sundays=True, luxury=True, delivery_weekday=1, delivery_week=1),
    StoreSpec("LYO-01", "Lyon République", 45.7620, 4.8357, 110, 1, 14.0, 32.0,
              luxury=True, delivery_weekday=2, delivery_week=0),
    StoreSpec("MRS-01", "Marseille Saint-Ferréol", 43.2930, 5.3780, 90, 1, 12.0, 27.0,
              delivery_weekday=2, delivery_week=1),
    StoreSpec("BDX-01", "Bordeaux Sainte-Catherine", 44.8400, -0.5740, 80, 1, 12.0, 26.0,
              delivery_weekday=3, delivery_week=0),
    StoreSpec("LIL-01", "Lille Grand Place", 50.6370, 3.0635, 80, 1, 14.0, 25.0),
    StoreSpec("NTE-01", "Nantes Crébillon", 47.2130, -1.5600, 60, 0, 12.0, 20.0),
    StoreSpec("TLS-01", "Toulouse Capitole", 43.6045, 1.4440, 70, 1, 13.0, 22.0),
    StoreSpec("NCE-01", "Nice Jean Médecin", 43.7010, 7.2680, 50, 2, 10.0, 15.0,
              luxury=True),
    StoreSpec("STR-01", "Strasbourg Kléber", 48.5835, 7.7458, 60, 1, 10.0, 14.0),
    StoreSpec("REN-01", "Rennes Le Bastard", 48.1115, -1.6800, 40, 0, 8.0, 10.0),
    StoreSpec("MTP-01", "Montpellier Comédie", 43.6085, 3.8800, 25, 0, 8.0, 9.0,
              fulfils_web_orders=False),
    StoreSpec("ANN-01", "Annecy Vieille Ville", 45.8990, 6.1280, 15, 2, 7.0, 7.0,
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
TRENDING = "BRA-CAP"


def build_locations() -> tuple[LocationIn, ...]:
    """The warehouse first, then every store."""
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
        for spec in STORES
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
class Sku:
    item: ItemIn
    family: Family
    weight: float
    """Relative demand: reference popularity x colour x size."""


def build_catalog() -> list[Sku]:
    """Every SKU of every reference, colour by colour and size by size, with its GTINs."""
    skus: list[Sku] = []
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
                skus.append(Sku(item, ref.family, weight))
    return skus


def initial_quantity(rng: random.Random, sku: Sku, depth: float, luxury: bool) -> int:
    """Units of ``sku`` a location stocks when full, given its ``depth`` and whether it carries
    the ``luxury`` range."""
    if sku.family == "luxury":
        # Silk is shown one or two pieces per size, and only where it sells.
        return round(rng.uniform(0.3, 2.4) * _LUXURY_WEIGHT[sku.item.size]) if luxury else 0
    # Smaller stores do not stock the edge of the size grid at all.
    if depth < 11.0 and sku.weight < 0.12:
        return 0
    return max(0, round(depth * sku.weight * rng.uniform(0.6, 1.4)))


def demo_principal(location: str, role: Role = Role.ADMIN) -> Principal:
    """Who the demo's operations are done by: a device named ``demo-data`` at ``location``."""
    return Principal(token_id=0, location=location, role=role, device="demo-data")
