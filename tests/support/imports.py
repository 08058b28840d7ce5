"""What the import tests write and read: CSV files in a test's folder, and the ledger's stock,
movements, feed and audit rows as plain values to compare."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from ordersync.services.check import check_ledger

STOCK_HEADER = ("location", "sku", "on_hand")


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    lines = [",".join(header), *(",".join(str(cell) for cell in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stock_file(path: Path, rows: Sequence[tuple[str, str, int | str]]) -> Path:
    return write_csv(path, STOCK_HEADER, rows)


def query(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def on_hand(engine: Engine) -> dict[tuple[str, str], int]:
    """Every position's on hand, by (location, sku)."""
    rows = query(engine, "SELECT location, sku, on_hand FROM positions")
    return {(location, sku): int(units) for location, sku, units in rows}


def movements(engine: Engine, kind: str | None = None) -> list[tuple[str, str, int]]:
    """(location, sku, qty) of every movement (of ``kind``), in feed order."""
    rows = query(engine, "SELECT location, sku, qty, kind FROM movements ORDER BY seq")
    return [(loc, sku, int(qty)) for loc, sku, qty, k in rows if kind is None or k == kind]


def assert_consistent(engine: Engine) -> None:
    """Positions and network totals agree with the movements and holds (``ordersync check``)."""
    with engine.connect() as connection:
        report = check_ledger(connection)
    assert report.ok, [d.describe() for d in report.discrepancies]


def feed_head(engine: Engine) -> int:
    return int(query(engine, "SELECT last_seq FROM feed_counter WHERE id = 1")[0][0])
