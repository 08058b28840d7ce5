"""The demo generator: deterministic, plausible, and never selling a unit it does not have."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ordersync.contract import LocationKind, ReceiptLine, SaleLine, TransferLine, is_valid_gtin
from ordersync.demo.history import HISTORY_DAYS, DemoNetwork, build_demo_network, demo_op_id
from ordersync.demo.network import BANDS, CUPS, WAREHOUSE

PARIS = ZoneInfo("Europe/Paris")
CENTRAL = {f"{band}{cup}" for band in (80, 85, 90) for cup in "BCD"}
EDGE = {f"{band}{cup}" for band in (70, 100) for cup in "AEF"}


@pytest.fixture(scope="module")
def network() -> DemoNetwork:
    return build_demo_network(7)


def replay(network: DemoNetwork) -> dict[tuple[str, str], int]:
    """Applies every batch in order, failing on any unit taken that was not there."""
    stock: dict[tuple[str, str], int] = defaultdict(int)
    for demo_batch in network.batches:
        for line in demo_batch.batch.lines:
            if isinstance(line, ReceiptLine):
                stock[(line.location, line.sku)] += line.qty
            elif isinstance(line, SaleLine):
                key = (line.location, line.sku)
                assert stock[key] >= line.qty, f"{demo_batch.day}: sells {line.qty} of {key}"
                stock[key] -= line.qty
            elif isinstance(line, TransferLine):
                source = (line.from_location, line.sku)
                assert stock[source] >= line.qty, f"{demo_batch.day}: moves {line.qty} of {source}"
                stock[source] -= line.qty
                stock[(line.to_location, line.sku)] += line.qty
            else:
                pytest.fail(f"unexpected line {line!r}")
    return dict(stock)


def initial_receipts(network: DemoNetwork) -> dict[tuple[str, str], int]:
    stock_day = network.anchor - timedelta(days=HISTORY_DAYS + 1)
    return {
        (line.location, line.sku): line.qty
        for b in network.batches
        if b.day == stock_day
        for line in b.batch.lines
        if isinstance(line, ReceiptLine)
    }


def test_same_seed_gives_an_equal_network_and_another_seed_does_not(
    network: DemoNetwork,
) -> None:
    again = build_demo_network(7)

    assert again == network
    assert [b.batch.model_dump_json() for b in again.batches] == [
        b.batch.model_dump_json() for b in network.batches
    ]
    other = build_demo_network(8)
    assert other.items == network.items
    assert other.final_stock != network.final_stock


def test_locations_are_a_warehouse_and_real_french_stores(network: DemoNetwork) -> None:
    by_code = {loc.code: loc for loc in network.locations}
    assert by_code[WAREHOUSE].kind is LocationKind.WAREHOUSE
    assert by_code[WAREHOUSE].fulfils_web_orders
    stores = [loc for loc in network.locations if loc.kind is LocationKind.STORE]
    assert len(stores) >= 12
    assert {"PAR-01", "PAR-02", "LYO-01", "MRS-01", "BDX-01", "LIL-01", "ANN-01"} <= set(by_code)
    assert all(by_code[WAREHOUSE].daily_job_capacity > s.daily_job_capacity for s in stores)
    for loc in network.locations:
        assert loc.timezone == "Europe/Paris"
        # mainland France
        assert 42.3 < loc.latitude < 51.1
        assert -4.8 < loc.longitude < 8.3
        assert 0 <= loc.default_safety_stock <= 2
    assert abs(by_code["MRS-01"].latitude - 43.30) < 0.1
    assert abs(by_code["LIL-01"].latitude - 50.63) < 0.1
    assert by_code["BDX-01"].longitude < 0 < by_code["STR-01"].longitude
    assert 1 <= sum(not s.fulfils_web_orders for s in stores) < len(stores)
    assert len({s.daily_job_capacity for s in stores}) >= 5


def test_bras_come_in_full_band_and_cup_runs_per_colour(network: DemoNetwork) -> None:
    bras = [item for item in network.items if item.size_column is not None]
    grids: dict[tuple[str, str], set[tuple[str | None, str | None]]] = defaultdict(set)
    for item in bras:
        assert item.size == f"{item.size_row}{item.size_column}"
        assert item.sku == f"{item.reference}-{item.sku.split('-')[2]}-{item.size}"
        grids[(item.reference, item.colour)].add((item.size_row, item.size_column))
    full = {(str(band), cup) for band in BANDS for cup in CUPS}
    assert set(BANDS) == {70, 75, 80, 85, 90, 95, 100}
    assert set(CUPS) == set("ABCDEF")
    assert all(grid == full for grid in grids.values())
    colours = Counter(reference for reference, _ in grids)
    assert len(colours) >= 8
    assert all(2 <= n <= 3 for n in colours.values())
    assert "BRA-ELO-NOIR-85B" in {item.sku for item in bras}


def test_briefs_and_luxury_have_their_own_sizes_and_prices(network: DemoNetwork) -> None:
    briefs = [i for i in network.items if i.size_row is None and i.size.isdigit()]
    luxury = [i for i in network.items if i.size in {"XS", "S", "M", "L"}]
    assert {i.size for i in briefs} == {"34", "36", "38", "40", "42", "44", "46"}
    assert len({i.reference for i in briefs}) >= 3
    assert 3 <= len({i.reference for i in luxury}) <= 4
    bra_prices = [i.price_minor for i in network.items if i.size_column is not None]
    assert min(i.price_minor for i in luxury) > 2 * max(bra_prices)
    assert all(i.currency == "EUR" and i.price_minor > 0 for i in network.items)


def test_every_gtin_is_valid_and_belongs_to_one_sku(network: DemoNetwork) -> None:
    gtins = [gtin for item in network.items for gtin in item.gtins]
    assert len(gtins) == len(set(gtins))
    assert all(is_valid_gtin(gtin) for gtin in gtins)
    assert all(len(item.gtins[0]) == 13 for item in network.items)
    assert len([gtin for gtin in gtins if len(gtin) == 8]) >= 3
    assert len({item.sku for item in network.items}) == len(network.items)


def test_no_sale_or_transfer_takes_a_unit_that_is_not_there(network: DemoNetwork) -> None:
    rebuilt = replay(network)

    expected = {(location, sku): qty for location, sku, qty in network.final_stock}
    assert rebuilt == expected
    assert all(qty >= 0 for qty in rebuilt.values())


def test_after_history_some_store_sizes_are_sold_out_but_most_are_not(
    network: DemoNetwork,
) -> None:
    store_positions = [qty for location, _, qty in network.final_stock if location != WAREHOUSE]
    zero = sum(qty == 0 for qty in store_positions)
    assert zero >= 20
    assert zero < 0.4 * len(store_positions)
    assert 0 < network.units() <= 300_000


def test_initial_stock_is_deep_in_the_middle_of_the_grid_and_at_the_warehouse(
    network: DemoNetwork,
) -> None:
    initial = initial_receipts(network)
    sizes = {item.sku: item.size for item in network.items}
    store = [(key, qty) for key, qty in initial.items() if key[0] != WAREHOUSE]
    central = [qty for (_, sku), qty in store if sizes[sku] in CENTRAL]
    edge = [qty for (_, sku), qty in store if sizes[sku] in EDGE]
    assert sum(central) / len(central) > 3 * sum(edge) / max(len(edge), 1)

    per_location = Counter[str]()
    for (location, _), qty in initial.items():
        per_location[location] += qty
    assert per_location.most_common(1)[0][0] == WAREHOUSE
    assert per_location["PAR-02"] > 2 * per_location["ANN-01"]
    bra_skus = [item.sku for item in network.items if item.size_column is not None]
    absent = [sku for sku in bra_skus if ("ANN-01", sku) not in initial]
    assert absent, "small stores should not carry the whole size grid"
    assert all(("ANN-01", sku) not in initial for sku in bra_skus if sizes[sku] in {"70F"})


def test_history_is_90_days_of_one_batch_per_location_and_day(network: DemoNetwork) -> None:
    first_day = network.anchor - timedelta(days=HISTORY_DAYS)
    keys = [(b.location, b.day) for b in network.batches]
    assert len(keys) == len(set(keys))
    assert len({b.batch.op_id for b in network.batches}) == len(network.batches)
    for b in network.batches:
        assert b.batch.op_id == demo_op_id(7, b.location, b.day)
        assert b.batch.op_id.version == 5
        occurred = b.batch.occurred_at
        assert isinstance(occurred, datetime)
        assert occurred.utcoffset() == timedelta(0)
        assert occurred.astimezone(PARIS).date() == b.day
        assert 6 <= occurred.astimezone(PARIS).hour <= 20
        assert b.day < network.anchor
    sale_days = {b.day for b in network.batches if b.location == "PAR-01" and b.day >= first_day}
    assert len(sale_days) == HISTORY_DAYS
    assert 20_000 <= network.lines_of("sale") <= 40_000
    assert network.lines_of("transfer") > 0


def test_sales_follow_weekdays_a_trend_and_include_some_luxury(network: DemoNetwork) -> None:
    by_weekday = Counter[int]()
    days_per_weekday = Counter[int]()
    early = late = luxury = 0
    for b in network.batches:
        sold = sum(line.qty for line in b.batch.lines if isinstance(line, SaleLine))
        if b.location == "PAR-01" and sold:
            by_weekday[b.day.weekday()] += sold
            days_per_weekday[b.day.weekday()] += 1
        age = (network.anchor - b.day).days
        for line in b.batch.lines:
            if isinstance(line, SaleLine) and line.sku.startswith("BRA-CAP"):
                early += line.qty if age > 60 else 0
                late += line.qty if age <= 30 else 0
            if isinstance(line, SaleLine) and line.sku.split("-")[-1] in {"XS", "S", "M", "L"}:
                luxury += line.qty
    saturday = by_weekday[5] / days_per_weekday[5]
    monday = by_weekday[0] / days_per_weekday[0]
    assert saturday > 1.5 * monday
    assert late > 1.15 * early
    assert 1 <= luxury <= 200
    lyon_sundays = [b for b in network.batches if b.location == "LYO-01" and b.day.weekday() == 6]
    assert lyon_sundays == []


def test_the_anchor_only_moves_the_calendar() -> None:
    shifted = build_demo_network(7, anchor=date(2026, 6, 1))
    assert shifted.items == build_demo_network(7).items
    assert max(b.day for b in shifted.batches) == date(2026, 5, 31)
    assert min(b.day for b in shifted.batches) == date(2026, 6, 1) - timedelta(days=91)
