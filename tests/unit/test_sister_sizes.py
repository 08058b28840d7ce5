"""The size-fit ranking the ledger's alternatives and the store's suggestions share: the same size
in another colour, then sister sizes (band down + cup up, band up + cup down), then neighbouring
sizes, with bands and cups stepped in the reference's own run, against a table of band x cup
cases."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordersync.contract import (
    SizedVariant,
    SizeFit,
    SizeRun,
    cup_order,
    rank_sizes,
    size_order,
)

SAME = SizeFit.SAME_SIZE_OTHER_COLOUR
SISTER = SizeFit.SISTER_SIZE
NEAR = SizeFit.NEIGHBOUR_SIZE

GRID = re.compile(r"^(\d+)([A-Z]+)$")


def variant(label: str) -> SizedVariant:
    """``"Ivoire 75A"``: a bra of band 75, cup A; ``"Noir M"``: a size without a grid."""
    colour, size = label.split(" ")
    grid = GRID.match(size)
    return SizedVariant(
        sku=f"REF-{colour.upper()}-{size}",
        size=size,
        size_row=grid.group(1) if grid else None,
        size_column=grid.group(2) if grid else None,
        colour=colour,
    )


def grid(colours: str, bands: str, cups: str) -> list[SizedVariant]:
    """Every band x cup of a reference in each colour: ``grid("Noir Ivoire", "70 75", "A B")``."""
    return [
        variant(f"{colour} {band}{cup}")
        for colour in colours.split()
        for band in bands.split()
        for cup in cups.split()
    ]


def ranked(wanted: str, in_stock: list[str], run: list[SizedVariant] | None = None) -> list[str]:
    found = rank_sizes(variant(wanted), [variant(v) for v in in_stock], run or [])
    return [f"{s.variant.colour} {s.variant.size} {s.kind.value}" for s in found]


def expect(*pairs: tuple[str, SizeFit]) -> list[str]:
    return [f"{label} {kind.value}" for label, kind in pairs]


BRAS = grid("Noir Ivoire", "65 70 75 80 85 90", "A B C D E")
"""A full reference: six bands, five cups, two colours."""


# --- the table: band x cup cases -------------------------------------------------------------

CASES = [
    pytest.param(
        "Noir 75C",
        ["Noir 80B", "Noir 75B", "Noir 70D", "Noir 75D", "Noir 70C", "Noir 80C", "Noir 70B"],
        expect(
            ("Noir 70D", SISTER),
            ("Noir 80B", SISTER),
            ("Noir 75B", NEAR),
            ("Noir 75D", NEAR),
            ("Noir 70C", NEAR),
            ("Noir 80C", NEAR),
            ("Noir 70B", NEAR),
        ),
        id="75C: sisters 70D then 80B, then same band, then same cup, then farther",
    ),
    pytest.param(
        "Noir 75A",
        ["Noir 85C", "Noir 80B", "Ivoire 75A", "Noir 75B"],
        expect(
            ("Ivoire 75A", SAME),
            ("Noir 75B", NEAR),
            ("Noir 80B", NEAR),
            ("Noir 85C", NEAR),
        ),
        id="the issue: a 75A customer is offered Ivoire 75A and Noir 75B before 80B and 85C",
    ),
    pytest.param(
        "Noir 75A",
        ["Noir 80A", "Ivoire 70B", "Noir 70B", "Ivoire 75A", "Noir 75B", "Noir 70A"],
        expect(
            ("Ivoire 75A", SAME),
            ("Noir 70B", SISTER),
            ("Ivoire 70B", SISTER),
            ("Noir 75B", NEAR),
            ("Noir 70A", NEAR),
            ("Noir 80A", NEAR),
        ),
        id="75A: no cup below A, so the only sister is 70B, the wanted colour first",
    ),
    pytest.param(
        "Noir 75C",
        ["Ivoire 70D", "Ivoire 75C", "Noir 80B", "Ivoire 80B", "Noir 70D"],
        expect(
            ("Ivoire 75C", SAME),
            ("Noir 70D", SISTER),
            ("Noir 80B", SISTER),
            ("Ivoire 70D", SISTER),
            ("Ivoire 80B", SISTER),
        ),
        id="sister sizes in the wanted colour before sister sizes in another colour",
    ),
    pytest.param(
        "Noir 65E",
        ["Noir 70D", "Noir 65D", "Noir 70E", "Noir 90A"],
        expect(
            ("Noir 70D", SISTER),
            ("Noir 65D", NEAR),
            ("Noir 70E", NEAR),
            ("Noir 90A", NEAR),
        ),
        id="smallest band, largest cup: one sister only (band up, cup down)",
    ),
    pytest.param(
        "Noir 90A",
        ["Noir 85B", "Noir 90B", "Noir 85A", "Noir 65E"],
        expect(
            ("Noir 85B", SISTER),
            ("Noir 90B", NEAR),
            ("Noir 85A", NEAR),
            ("Noir 65E", NEAR),
        ),
        id="largest band, smallest cup: one sister only (band down, cup up)",
    ),
    pytest.param(
        "Noir 80E",
        ["Noir 85D", "Noir 75E", "Noir 85E"],
        expect(("Noir 85D", SISTER), ("Noir 75E", NEAR), ("Noir 85E", NEAR)),
        id="largest cup in a middle band: band down has no bigger cup",
    ),
    pytest.param(
        "Noir 75C",
        ["Ivoire 75D", "Noir 75B"],
        expect(("Noir 75B", NEAR), ("Ivoire 75D", NEAR)),
        id="same step: the wanted colour first",
    ),
    pytest.param(
        "Noir 75C",
        ["Ivoire 75B", "Noir 70C"],
        expect(("Ivoire 75B", NEAR), ("Noir 70C", NEAR)),
        id="fit before colour: same band next cup before same cup next band",
    ),
    pytest.param(
        "Noir 75C",
        ["Noir 75E", "Noir 80D"],
        expect(("Noir 75E", NEAR), ("Noir 80D", NEAR)),
        id="two steps away either way: ties go by place in the run",
    ),
]


@pytest.mark.parametrize(("wanted", "in_stock", "expected"), CASES)
def test_sizes_rank_same_size_then_sister_sizes_then_neighbours(
    wanted: str, in_stock: list[str], expected: list[str]
) -> None:
    assert ranked(wanted, in_stock, BRAS) == expected


@pytest.mark.parametrize(
    ("wanted", "band_run", "cup_run", "sisters"),
    [
        ("75C", "65 70 75 80 85", "A B C D E", ["70D", "80B"]),
        ("75A", "65 70 75 80 85", "A B C D E", ["70B"]),
        ("65E", "65 70 75 80 85", "A B C D E", ["70D"]),
        ("85A", "65 70 75 80 85", "A B C D E", ["80B"]),
        ("65A", "65 70 75 80 85", "A B C D E", []),
        ("75D", "70 75 80", "C D DD E", ["70DD", "80C"]),
        ("75DD", "70 75 80", "C D DD E", ["70E", "80D"]),
        ("75A", "70 75 80", "AA A B", ["70B", "80AA"]),
        ("75C", "70 75 85", "B C D", ["70D", "85B"]),
        ("90C", "85 90 95 100", "B C D", ["85D", "95B"]),
        ("95C", "85 90 95 100", "B C D", ["90D", "100B"]),
        ("32C", "30 32 34 36", "B C D", ["30D", "34B"]),
    ],
)
def test_sister_sizes_step_in_the_references_own_run_of_bands_and_cups(
    wanted: str, band_run: str, cup_run: str, sisters: list[str]
) -> None:
    everything = grid("Noir", band_run, cup_run)
    found = rank_sizes(variant(f"Noir {wanted}"), everything)
    assert [s.variant.size for s in found if s.kind is SISTER] == sisters
    # Sister sizes come right after the same size in other colours, before any neighbour.
    kinds = [s.kind for s in found]
    assert kinds == sorted(kinds, key=[SAME, SISTER, NEAR].index)


def test_a_band_nobody_holds_is_still_a_step_of_the_run() -> None:
    # 80 is made but out of stock everywhere: 85B is two bands from 75C, not its sister.
    run = grid("Noir", "70 75 80 85", "B C D")
    assert ranked("Noir 75C", ["Noir 85B"], run) == expect(("Noir 85B", NEAR))
    # Told nothing about the run, the candidates make it: 75 and 85 are then one step apart.
    assert ranked("Noir 75C", ["Noir 85B"]) == expect(("Noir 85B", SISTER))


def test_the_wanted_variant_and_its_twins_are_not_offered() -> None:
    twin = SizedVariant("REF-NOIR-75C-BIS", "75C", "75", "C", "Noir")
    found = rank_sizes(variant("Noir 75C"), [variant("Noir 75C"), twin, variant("Noir 80B")])
    assert [s.variant.sku for s in found] == ["REF-NOIR-80B"]


def test_nothing_to_rank_gives_nothing() -> None:
    assert rank_sizes(variant("Noir 75C"), [], BRAS) == []


# --- sizes without a grid --------------------------------------------------------------------


def test_plain_sizes_rank_the_same_size_in_another_colour_then_by_distance_in_the_run() -> None:
    in_stock = ["Noir XL", "Ivoire S", "Noir L", "Ivoire M", "Noir S", "Rouge M"]
    assert ranked("Noir M", in_stock) == expect(
        ("Ivoire M", SAME),
        ("Rouge M", SAME),
        ("Noir S", NEAR),
        ("Noir L", NEAR),
        ("Ivoire S", NEAR),
        ("Noir XL", NEAR),
    )


def test_numbered_plain_sizes_step_by_value_not_by_text() -> None:
    assert ranked("Noir 38", ["Noir 100", "Noir 42", "Noir 40", "Ivoire 38"]) == expect(
        ("Ivoire 38", SAME), ("Noir 40", NEAR), ("Noir 42", NEAR), ("Noir 100", NEAR)
    )


# --- the order of the run --------------------------------------------------------------------


def test_cups_follow_lingerie_order_with_doubled_letters() -> None:
    cups = ["E", "DD", "A", "AA", "D", "B", "FF", "F", "G", "DDD"]
    assert sorted(cups, key=cup_order) == ["AA", "A", "B", "D", "DD", "DDD", "E", "F", "FF", "G"]


def test_bands_and_plain_sizes_sort_by_value_then_wearing_order() -> None:
    assert sorted(["100", "70", "95", "85"], key=size_order) == ["70", "85", "95", "100"]
    assert sorted(["L", "XS", "M", "XXL", "S"], key=size_order) == ["XS", "S", "M", "L", "XXL"]


def test_the_run_is_every_band_cup_and_size_of_the_reference() -> None:
    run = SizeRun.of(grid("Noir Ivoire", "90 70 85", "C A DD D"))
    assert run.bands == ("70", "85", "90")
    assert run.cups == ("A", "C", "D", "DD")
    assert run.sizes[:3] == ("70A", "70C", "70D")


# --- determinism -----------------------------------------------------------------------------


@given(st.randoms(use_true_random=False))
def test_the_ranking_does_not_depend_on_the_order_stock_is_listed_in(
    shuffle: random.Random,
) -> None:
    wanted = variant("Noir 75C")
    listed = [v for v in BRAS if v.sku != wanted.sku]
    expected = rank_sizes(wanted, listed, BRAS)
    shuffled = list(listed)
    shuffle.shuffle(shuffled)
    assert rank_sizes(wanted, shuffled, reversed(BRAS)) == expected
    assert len(expected) == len(listed)
