"""Locations and catalog imports on both backends: created, changed, unchanged on a second run,
bad lines (GTIN check digits, a GTIN given to two SKUs) reported while good lines apply."""

from __future__ import annotations

from pathlib import Path

from ordersync.contract import with_check_digit
from ordersync.imports import ImportKind, import_file
from tests.support.imports import feed_head, query, write_csv
from tests.support.ledger_harness import Network

LOCATION_HEADER = ("code", "name", "kind", "timezone", "latitude", "longitude")
ITEM_HEADER = ("sku", "reference", "name", "size", "size_row", "size_column", "colour", "price")
GTIN_1 = with_check_digit("376000000101")
GTIN_2 = with_check_digit("376000000102")
GTIN_3 = with_check_digit("376000000103")


def items_file(path: Path, rows: list[tuple[str, ...]]) -> Path:
    return write_csv(path, (*ITEM_HEADER, "gtins"), rows)


def test_locations_are_created_then_found_unchanged(network: Network, tmp_path: Path) -> None:
    rows = [
        ("PAR01", "Paris Haussmann", "store", "Europe/Paris", "48.87", "2.33"),
        ("WH1", "Entrepôt", "warehouse", "Europe/Paris", "47.90", "1.90"),
    ]
    first = import_file(
        network.engine,
        ImportKind.LOCATIONS,
        write_csv(tmp_path / "a.csv", LOCATION_HEADER, rows),
        clock=network.clock,
    )
    head = feed_head(network.engine)
    second = import_file(
        network.engine,
        ImportKind.LOCATIONS,
        write_csv(tmp_path / "b.csv", LOCATION_HEADER, [*rows, rows[0]]),
        clock=network.clock,
    )
    assert (first.applied, first.unchanged) == (2, 0)
    assert (second.applied, second.unchanged, second.bad) == (0, 2, 1)
    assert second.bad_lines[0].line == 4
    assert feed_head(network.engine) == head
    assert query(network.engine, "SELECT name, kind FROM locations WHERE code = 'WH1'") == [
        ("Entrepôt", "warehouse")
    ]


def test_items_with_several_gtins_are_imported_and_a_price_change_applies_alone(
    network: Network, tmp_path: Path
) -> None:
    rows = [
        ("BRA-85B", "BRA", "Balconnet", "85B", "85", "B", "noir", "49.90", f"{GTIN_1}|{GTIN_2}"),
        ("BRA-85C", "BRA", "Balconnet", "85C", "85", "C", "noir", "49.90", GTIN_3),
    ]
    first = import_file(
        network.engine, ImportKind.ITEMS, items_file(tmp_path / "a.csv", rows), clock=network.clock
    )
    cheaper = [rows[0], (*rows[1][:7], "39.90", GTIN_3)]
    second = import_file(
        network.engine,
        ImportKind.ITEMS,
        items_file(tmp_path / "b.csv", cheaper),
        clock=network.clock,
    )
    assert (first.applied, second.applied, second.unchanged) == (2, 1, 1)
    gtins = query(network.engine, "SELECT gtin FROM item_barcodes WHERE sku = 'BRA-85B'")
    assert sorted(gtins) == [(GTIN_1,), (GTIN_2,)]
    assert query(network.engine, "SELECT price_minor FROM items WHERE sku = 'BRA-85C'") == [(3990,)]


def test_bad_gtins_and_gtins_of_other_skus_are_bad_lines(network: Network, tmp_path: Path) -> None:
    owned = query(network.engine, "SELECT gtin FROM item_barcodes WHERE sku = 'S1'")[0][0]
    wrong_digit = GTIN_1[:-1] + str((int(GTIN_1[-1]) + 1) % 10)
    rows = [
        ("X1", "X", "Item", "M", "", "", "bleu", "10", wrong_digit),
        ("X2", "X", "Item", "M", "", "", "bleu", "10", owned),
        ("X3", "X", "Item", "M", "", "", "bleu", "10", GTIN_2),
        ("X4", "X", "Item", "M", "", "", "bleu", "10", GTIN_2),
        ("X5", "X", "Item", "M", "", "", "bleu", "10.999", GTIN_3),
        ("X6", "X", "Item", "M", "", "", "bleu", "10", "12345"),
    ]
    summary = import_file(
        network.engine, ImportKind.ITEMS, items_file(tmp_path / "a.csv", rows), clock=network.clock
    )
    reasons = {bad.line: bad.reason for bad in summary.bad_lines}
    assert reasons == {
        2: f"GTIN {wrong_digit}: check digit should be {GTIN_1[-1]}, not {wrong_digit[-1]}",
        3: f"GTIN {owned} already belongs to SKU S1",
        5: f"GTIN {GTIN_2} is already given to SKU X3 on line 4",
        6: "price 10.999 has more than 2 decimals for EUR",
        7: "GTIN 12345: a GTIN has 8 or 13 digits, not 5",
    }
    assert (summary.applied, summary.bad) == (1, 5)
    assert query(network.engine, "SELECT sku FROM items WHERE sku LIKE 'X%'") == [("X3",)]
