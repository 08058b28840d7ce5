"""Reports as rows, and the two ways the command shows rows: a rich table on screen, or CSV.

The values of a row stay what the report holds (numbers, dates, None) until they are written:
the table shows them as text, CSV as ISO dates, ``true``/``false`` and empty cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

SPARKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Tabular:
    """A report as rows: its title, column names, rows and a closing line."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    footer: str = ""


def model_rows(rows: Sequence[BaseModel]) -> Tabular:
    """One column per field of the rows' model, values as they are (an untitled table)."""
    names = list(type(rows[0]).model_fields) if rows else []
    return Tabular("", names, [[getattr(row, name) for name in names] for row in rows])


def money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.2f} {currency}"


def optional(value: Any, suffix: str = "") -> str:
    """The value with its unit, or an empty cell where there is none."""
    return "" if value is None else f"{value}{suffix}"


def percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100, 1)} %"


def spark(series: Sequence[int]) -> str:
    """A series as a line of bars, the highest value a full bar."""
    top = max(series, default=0)
    if top <= 0:
        return SPARKS[0] * len(series)
    return "".join(SPARKS[round(units / top * (len(SPARKS) - 1))] for units in series)


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def render_csv(tabular: Tabular) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(tabular.columns)
    writer.writerows([[_plain(v) for v in row] for row in tabular.rows])
    return buffer.getvalue()


def render_table(tabular: Tabular, console: Console) -> None:
    table = Table(title=tabular.title, caption=tabular.footer or None, title_justify="left")
    for column in tabular.columns:
        table.add_column(column, overflow="fold")
    for row in tabular.rows:
        table.add_row(*(str(_plain(value)) for value in row))
    console.print(table)
