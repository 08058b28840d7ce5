"""Reading ERP files without a ledger: the checks that refuse a file whole, line numbers of
records, delimiters, and the cells (prices, yes/no, numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordersync.imports.cells import BadValue, Cells
from ordersync.imports.csv_files import Columns, open_csv
from ordersync.imports.summary import ImportRefused

STOCK = Columns(required=("location", "sku", "on_hand"))


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is empty"),
        (b"location,sku\nA,S1\n", "lacks the required column(s) on_hand"),
        (b"location,sku,on_hand,colour\n", "unknown column(s) colour"),
        (b"location,sku,on_hand,sku\n", "names the column sku more than once"),
        (b"location,sku,on_hand\nA,caf\xe9,1\n", "is not UTF-8 text (byte 27)"),
        (b"location,sku,on_hand\nA,caf\xc3", "is not UTF-8 text (it ends inside a character)"),
        (b"\n\nlocation,sku,on_hand\n", "has no header row"),
    ],
)
def test_a_file_is_refused_whole_for(tmp_path: Path, content: bytes, reason: str) -> None:
    with pytest.raises(ImportRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        open_csv(write(tmp_path, content), STOCK)


def test_a_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="cannot read"):
        open_csv(tmp_path / "nowhere.csv", STOCK)


def test_records_carry_the_line_they_start_on_past_blank_lines_and_quoted_newlines(
    tmp_path: Path,
) -> None:
    content = b'location,sku,on_hand\nA,S1,1\n\nA,"S\n2",2\nB,S3,3\n'
    csv_file = open_csv(write(tmp_path, content), STOCK)
    assert [(line, fields) for line, fields, _ in csv_file.records()] == [
        (2, ["A", "S1", "1"]),
        (4, ["A", "S\n2", "2"]),
        (6, ["B", "S3", "3"]),
    ]


def test_a_semicolon_file_with_a_byte_order_mark_and_spaced_capitals_is_read(
    tmp_path: Path,
) -> None:
    content = "\ufeffLocation ; SKU ;On_Hand\r\nA;S1;4\r\n".encode()
    csv_file = open_csv(write(tmp_path, content), STOCK)
    assert csv_file.delimiter == ";"
    assert csv_file.positions == {"location": 0, "sku": 1, "on_hand": 2}
    assert [fields for _, fields, _ in csv_file.records()] == [["A", "S1", "4"]]


def cells(**values: str) -> Cells:
    return Cells(list(values.values()), {name: i for i, name in enumerate(values)})


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("49.90", "EUR", 4990), ("49,9", "EUR", 4990), ("0", "EUR", 0), ("1200", "JPY", 1200)],
)
def test_prices_become_minor_units_of_their_currency(text: str, currency: str, minor: int) -> None:
    assert cells(price=text).price_minor("price", currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("12.5", "JPY", "more than 0 decimals for JPY"),
        ("-1", "EUR", "a price is zero or more"),
        ("abc", "EUR", "not an amount"),
        ("NaN", "EUR", "a price is zero or more"),
    ],
)
def test_a_bad_price_says_why(text: str, currency: str, reason: str) -> None:
    with pytest.raises(BadValue, match=reason):
        cells(price=text).price_minor("price", currency)


def test_yes_no_numbers_and_text_cells() -> None:
    row = cells(web="Oui", capacity="", qty="12", name=" Lyon ", nul="a\x00b")
    with pytest.raises(BadValue, match="write yes or no"):
        row.yes_no("web", default=True)
    assert row.whole_number("capacity", low=0, high=10, default=5) == 5
    with pytest.raises(BadValue, match="it lies between 0 and 10"):
        row.whole_number("qty", low=0, high=10)
    assert row.text("name", max_length=10) == "Lyon"
    assert row.optional_text("absent", max_length=5) is None
    with pytest.raises(BadValue, match="NUL"):
        row.text("nul", max_length=10)
    assert cells(web="no").yes_no("web", default=True) is False
