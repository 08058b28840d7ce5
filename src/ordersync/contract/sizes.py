"""Which other sizes fit a customer whose size is not there: one ranking, used by the ledger for
the alternatives of an order it cannot serve and by the store terminal for the item screen's
suggestions, so both offer the same sizes in the same order.

The rule (``rank_sizes``), for a wanted variant of a reference:

1. ``SAME_SIZE_OTHER_COLOUR``: the same size in another colour of the reference;
2. ``SISTER_SIZE`` (lingerie, band x cup): the band one step down with the cup one step up (75C ->
   70D), then the band one step up with the cup one step down (75C -> 80B): the same cup volume on
   another band. The wanted colour's sister sizes first, then other colours';
3. ``NEIGHBOUR_SIZE``: the same band with the next cup, then the same cup with the next band, then
   farther sizes by grid distance (band steps + cup steps); within each, the wanted colour first.
   Without a grid (S, M, L or 36, 38), by distance in the reference's size run.

Steps are taken in the reference's own run, never by arithmetic: bands are the distinct bands its
variants carry in numeric order (70, 75, 85 when it has no 80: 75 and 85 are one step apart), cups
its distinct cups in lingerie order (AA, A, B, C, D, DD, E, F, FF, G...). Ties are broken by
colour, then place in the run, then SKU, so the same stock always gives the same list.

Fit comes before colour: a customer who wants 75A Noir is offered Ivoire 75A and Noir 75B before
85C or 80B, however many units of those the network holds. Which candidates are in stock (and how
many units are enough) is the caller's business: this module only orders what it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar


class SizeFit(StrEnum):
    """How an offered size relates to the one the customer wanted."""

    SAME_SIZE_OTHER_COLOUR = "same_size_other_colour"
    SISTER_SIZE = "sister_size"
    """Lingerie: band one step down and cup one step up, or band up and cup down."""
    NEIGHBOUR_SIZE = "neighbour_size"


class Sized(Protocol):
    """What the ranking reads of a variant: a catalog item, a cached item, a row of the ledger."""

    @property
    def sku(self) -> str: ...

    @property
    def size(self) -> str: ...

    @property
    def size_row(self) -> str | None: ...

    @property
    def size_column(self) -> str | None: ...

    @property
    def colour(self) -> str: ...


V = TypeVar("V", bound=Sized)


@dataclass(frozen=True, slots=True)
class SizedVariant:
    """A size/colour variant for callers that read the catalog as plain rows."""

    sku: str
    size: str
    size_row: str | None
    size_column: str | None
    colour: str


@dataclass(frozen=True, slots=True)
class SizeSuggestion(Generic[V]):
    """One offered variant and why it is offered."""

    variant: V
    kind: SizeFit


_LETTER_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL")
_NUMBER = re.compile(r"^\d+(\.\d+)?")


def size_order(label: str) -> tuple[int, float, str]:
    """Sort key for size labels: numbers by value, letter sizes XXS..4XL in wearing order, others
    by name (also the order of bands: 70, 75, ... 100)."""
    upper = label.strip().upper()
    if upper in _LETTER_SIZES:
        return (1, float(_LETTER_SIZES.index(upper)), upper)
    number = _NUMBER.match(upper)
    if number:
        return (0, float(number.group(0)), upper)
    return (2, 0.0, upper)


def cup_order(cup: str) -> tuple[int, str, int, float, str]:
    """Sort key for cups: letters in order with doubled letters after their letter (D, DD, DDD,
    E) except AA, which is smaller than A; numbered cups by value; anything else by name."""
    upper = cup.strip().upper()
    if upper.isascii() and upper.isalpha() and len(set(upper)) == 1:
        letter, repeat = upper[0], len(upper)
        return (0, letter, -repeat if letter == "A" else repeat, 0.0, upper)
    number = _NUMBER.match(upper)
    if number:
        return (1, "", 0, float(number.group(0)), upper)
    return (2, upper, 0, 0.0, upper)


@dataclass(frozen=True, slots=True)
class SizeRun:
    """The bands, cups and plain sizes a reference is made in, each in its wearing order."""

    bands: tuple[str, ...]
    cups: tuple[str, ...]
    sizes: tuple[str, ...]

    @classmethod
    def of(cls, variants: Iterable[Sized]) -> SizeRun:
        bands: set[str] = set()
        cups: set[str] = set()
        sizes: set[str] = set()
        for variant in variants:
            sizes.add(variant.size)
            grid = _grid(variant)
            if grid is not None:
                bands.add(grid[0])
                cups.add(grid[1])
        return cls(
            bands=tuple(sorted(bands, key=size_order)),
            cups=tuple(sorted(cups, key=cup_order)),
            sizes=tuple(sorted(sizes, key=size_order)),
        )


def rank_sizes(
    wanted: Sized, candidates: Iterable[V], run: Iterable[Sized] = ()
) -> list[SizeSuggestion[V]]:
    """``candidates`` (variants of ``wanted``'s reference) best fit first, each with its kind.

    ``run`` is every variant of the reference, in stock or not: steps are counted in the sizes it
    is made in, so a band nobody holds today is still a step. Omitted, the candidates make the
    run. The wanted SKU itself and any other SKU of the same size and colour are left out: they are
    not another size."""
    offered = [c for c in candidates if not _same_variant(wanted, c)]
    sizes = SizeRun.of([wanted, *offered, *run])
    ranked = sorted(
        ((_rank(wanted, candidate, sizes), candidate) for candidate in offered),
        key=lambda pair: (pair[0][1], pair[1].sku),
    )
    return [SizeSuggestion(variant=candidate, kind=rank[0]) for rank, candidate in ranked]


def _rank(wanted: Sized, candidate: Sized, sizes: SizeRun) -> tuple[SizeFit, tuple[object, ...]]:
    """The kind of ``candidate`` and its sort key (everything but the final SKU tie-break)."""
    other_colour = int(candidate.colour != wanted.colour)
    colour = candidate.colour
    wanted_grid, grid = _grid(wanted), _grid(candidate)
    if wanted_grid is not None and grid is not None:
        band, cup = _steps(wanted_grid, grid, sizes)
        place = (sizes.bands.index(grid[0]), sizes.cups.index(grid[1]))
        if band == cup == 0:
            return SizeFit.SAME_SIZE_OTHER_COLOUR, (0, colour, place)
        if (band, cup) in ((-1, 1), (1, -1)):
            # Band down and cup up first: the order the fitting rule is taught in.
            return SizeFit.SISTER_SIZE, (1, other_colour, int(band > 0), colour, place)
        step = 0 if band == 0 and abs(cup) == 1 else 1 if cup == 0 and abs(band) == 1 else 2
        distance = abs(band) + abs(cup)
        return SizeFit.NEIGHBOUR_SIZE, (2, step, distance, other_colour, colour, place)
    # No grid on one side: the size labels in the reference's run.
    position = sizes.sizes.index(candidate.size)
    distance = abs(position - sizes.sizes.index(wanted.size))
    if distance == 0:
        return SizeFit.SAME_SIZE_OTHER_COLOUR, (0, colour, (position,))
    return SizeFit.NEIGHBOUR_SIZE, (2, 2, distance, other_colour, colour, (position,))


def _grid(variant: Sized) -> tuple[str, str] | None:
    """The variant's (band, cup), or None for a size without a grid."""
    if variant.size_row and variant.size_column:
        return variant.size_row, variant.size_column
    return None


def _steps(wanted: tuple[str, str], other: tuple[str, str], sizes: SizeRun) -> tuple[int, int]:
    """Band steps and cup steps from ``wanted`` to ``other`` in the reference's run."""
    return (
        sizes.bands.index(other[0]) - sizes.bands.index(wanted[0]),
        sizes.cups.index(other[1]) - sizes.cups.index(wanted[1]),
    )


def _same_variant(wanted: Sized, candidate: Sized) -> bool:
    if candidate.sku == wanted.sku:
        return True
    if candidate.colour != wanted.colour:
        return False
    wanted_grid, grid = _grid(wanted), _grid(candidate)
    if wanted_grid is not None and grid is not None:
        return wanted_grid == grid
    return candidate.size == wanted.size
