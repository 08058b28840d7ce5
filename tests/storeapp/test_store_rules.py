"""Pure rules of the store app, with plain values for the cache: size grids, suggestions,
distances, barcode detection, backoff and how replies are read."""

from __future__ import annotations

import random

import pytest

from ordersync.contract import SizeFit
from storeapp.services.catalog import CatalogItem, size_order
from storeapp.services.lookup import (
    OwnStock,
    haversine_km,
    looks_like_barcode,
    size_grid,
    suggest_sizes,
)
from storeapp.sync.backoff import Backoff
from storeapp.sync.client import LedgerRefused
from storeapp.sync.engine import is_ledger_verdict_on_operations, positions_in


def bra(band: str, cup: str, colour: str = "Noir") -> CatalogItem:
    return CatalogItem(
        sku=f"BRA-{colour[:4].upper()}-{band}{cup}",
        reference="BRA",
        name="Soutien-gorge",
        size=f"{band}{cup}",
        size_row=band,
        size_column=cup,
        colour=colour,
        price_minor=4990,
        currency="EUR",
    )


def stock(available: int) -> OwnStock:
    return OwnStock(
        on_hand=available, reserved=0, available=available, suspect=False, pending_delta=0
    )


def test_sizes_sort_by_number_then_letter_sizes_in_wearing_order() -> None:
    labels = ["L", "100", "XS", "85", "M", "90", "S", "B"]
    assert sorted(labels, key=size_order) == ["85", "90", "100", "XS", "S", "M", "L", "B"]


def test_a_lingerie_grid_has_bands_down_and_cups_across_with_both_availabilities() -> None:
    variants = [bra(b, c) for b in ("90", "85") for c in ("C", "B")]
    own = {v.sku: stock(1 if v.size == "85B" else 0) for v in variants}
    network = {v.sku: 7 for v in variants}
    grid = size_grid("Noir", variants, own, network)
    assert grid.rows == ["85", "90"]
    assert grid.columns == ["B", "C"]
    cell = grid.cell("85", "B")
    assert cell is not None
    assert (cell.store_available, cell.network_available) == (1, 7)
    assert grid.cell("90", "C") is not None
    assert grid.cell("95", "C") is None


def test_a_grid_never_shows_negative_availability_here() -> None:
    variant = bra("85", "B")
    grid = size_grid("Noir", [variant], {variant.sku: stock(-2)}, {variant.sku: 0})
    cell = grid.cell("85", "B")
    assert cell is not None
    assert cell.store_available == 0


def test_items_without_a_grid_show_one_row_of_sizes() -> None:
    robes = [
        CatalogItem(f"ROBE-{s}", "ROBE", "Robe", s, None, None, "Ivoire", 29000, "EUR")
        for s in ("M", "XS", "L")
    ]
    grid = size_grid("Ivoire", robes, {r.sku: stock(1) for r in robes}, {r.sku: 1 for r in robes})
    assert grid.rows == [""]
    assert grid.columns == ["XS", "M", "L"]


def test_suggestions_are_the_same_size_in_another_colour_then_sister_then_nearby_sizes() -> None:
    wanted = bra("85", "B")
    near = bra("85", "C")
    far = bra("95", "E")
    out = bra("80", "B")
    other_colour = bra("85", "B", colour="Ivoire")
    sister = bra("90", "A", colour="Ivoire")
    variants = [wanted, near, far, out, other_colour, sister, bra("90", "B"), bra("85", "E")]
    own = {v.sku: stock(0 if v in (wanted, out) else 2) for v in variants}
    network = {v.sku: 5 for v in variants}
    suggestions = suggest_sizes(wanted, variants, own, network, limit=4)
    assert [(s.colour, s.size, s.kind) for s in suggestions] == [
        ("Ivoire", "85B", SizeFit.SAME_SIZE_OTHER_COLOUR),
        ("Ivoire", "90A", SizeFit.SISTER_SIZE),
        ("Noir", "85C", SizeFit.NEIGHBOUR_SIZE),  # same band, next cup
        ("Noir", "90B", SizeFit.NEIGHBOUR_SIZE),  # same cup, next band (80B is out here)
    ]
    assert (suggestions[0].store_available, suggestions[0].network_available) == (2, 5)


def test_nothing_is_suggested_when_no_other_size_is_in_stock_here() -> None:
    wanted = bra("85", "B")
    variants = [wanted, bra("85", "C")]
    own = {v.sku: stock(0) for v in variants}
    assert suggest_sizes(wanted, variants, own, {v.sku: 9 for v in variants}) == []


def test_distances_between_french_cities_are_right_to_the_kilometre() -> None:
    paris = (48.8606, 2.3376)
    lyon = (45.7640, 4.8357)
    assert haversine_km(*paris, *lyon) == pytest.approx(392, abs=3)
    assert haversine_km(*paris, *paris) == 0


@pytest.mark.parametrize(
    ("query", "is_barcode"),
    [
        ("3760000000208", True),
        ("96385074", True),
        ("1234567", False),
        ("BRA-ELO", False),
        ("٣٧٦٠٠٠٠٠٠٠٢٠٨", False),
        ("123456789012345", False),
    ],
)
def test_only_8_to_14_ascii_digits_are_taken_for_a_barcode(query: str, is_barcode: bool) -> None:
    assert looks_like_barcode(query) is is_barcode


def test_backoff_grows_exponentially_under_a_cap_and_starts_over_after_success() -> None:
    class Highest(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    backoff = Backoff(base=1, cap=10, rng=Highest())
    assert [backoff.next_delay() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    backoff.reset()
    assert backoff.next_delay() == 1


def test_backoff_spreads_retries_with_jitter() -> None:
    delays = {Backoff(base=1, cap=60, rng=random.Random(seed)).next_delay() for seed in range(20)}
    assert len(delays) == 20
    assert all(0 <= d <= 1 for d in delays)


def test_positions_are_read_from_movement_and_count_replies_and_ignored_when_malformed() -> None:
    position = {
        "sku": "S1",
        "location": "A",
        "on_hand": 2,
        "reserved": 0,
        "safety_stock": 0,
        "available": 2,
        "suspect": False,
        "seq": 9,
        "updated_at": "2026-03-02T09:00:00Z",
    }
    assert [p.seq for p in positions_in({"positions": [position]})] == [9]
    assert [p.sku for p in positions_in({"position": position})] == ["S1"]
    assert positions_in({"id": "a reservation"}) == []
    assert positions_in({"positions": [{"sku": "S1"}]}) == []


@pytest.mark.parametrize(
    ("status", "problem_type", "verdict"),
    [
        (422, "urn:ordersync:problem:validation", True),
        (413, "urn:ordersync:problem:payload-too-large", True),
        (404, "urn:ordersync:problem:not-found", False),
        (422, "about:blank", False),
        (400, "urn:ordersync:problem:bad-request", False),
    ],
)
def test_only_the_ledgers_own_verdict_on_a_batch_sets_entries_aside(
    status: int, problem_type: str, verdict: bool
) -> None:
    refusal = LedgerRefused(status, {"type": problem_type, "status": status, "title": "x"})
    assert is_ledger_verdict_on_operations(refusal) is verdict
