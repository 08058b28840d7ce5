"""A table as the pages show it and as its CSV download carries it: one model for both.

Every cell goes through ``cell_text`` once, so the HTML table and the CSV file hold the very same
strings, row for row; an empty cell is an empty string in both. The one difference: a text cell
that a spreadsheet would run as a formula gets a leading apostrophe in the CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

Cell = str | int | float | date | datetime | None


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def money_text(minor: int) -> str:
    """An amount in minor units as a plain decimal (``1234`` -> ``12.34``): the same in CSV."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


@dataclass(frozen=True, slots=True)
class Column:
    heading: str
    numeric: bool = False
    unbroken: bool = False
    """A code or a date: read as one word, never wrapped over two lines."""


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    store: str | None = None
    """The store the row is about: the page marks the row with it and links its first cell."""
    flagged: bool = False
    """Worth the reader's eye (late, offline, at risk): the page highlights it."""


@dataclass(frozen=True, slots=True)
class Table:
    table_id: str
    """The table's HTML id and the stem of its CSV file name."""
    caption: str
    columns: tuple[Column, ...]
    rows: list[Row] = field(default_factory=list)
    empty_text: str = "Nothing to show."
    links_stores: bool = False
    shown: int | None = None
    """The page shows this many rows at most (the CSV download always holds them all)."""
    legend: str = ""
    """What a highlighted row means, said under the table when one is."""

    @property
    def shown_rows(self) -> list[Row]:
        return self.rows if self.shown is None else self.rows[: self.shown]

    @property
    def is_cut(self) -> bool:
        return self.shown is not None and len(self.rows) > self.shown

    @property
    def has_flagged(self) -> bool:
        return any(row.flagged for row in self.rows)

    def add(self, cells: Sequence[Cell], store: str | None = None, flagged: bool = False) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.table_id}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(Row(tuple(cell_text(cell) for cell in cells), store, flagged))

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([column.heading for column in self.columns])
        writer.writerows([_inert(cell) for cell in row.cells] for row in self.rows)
        return buffer.getvalue()


_FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def _inert(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a catalog name could start with ``=``)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
