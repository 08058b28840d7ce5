"""How a table and a chart are shown: a long table cut on the page but whole in its CSV, codes
and dates kept on one line, highlighted rows explained, and a chart's series in their colours
with the legend off the data."""

from __future__ import annotations

import csv
import io

from ordersync.contract.touchpoints import Touchpoint
from ordersync.web import wording
from ordersync.web.charts import ChartCache, ChartKind, ChartSpec, Series
from ordersync.web.rendering import environment
from ordersync.web.tables import Column, Table
from ordersync.web.touchpoint_view import TOUCHPOINT_COLOURS
from tests.web.hq_browser import parse

ONE_TABLE = '{% from "_table.html" import data_table %}{{ data_table(table, "/hq/stock") }}'


def shown(table: Table) -> str:
    return environment().from_string(ONE_TABLE).render(table=table)


def long_table(rows: int, shown_rows: int | None) -> Table:
    table = Table(
        "stockout-risk",
        "Risk",
        (Column("SKU", unbroken=True), Column("Units", numeric=True)),
        shown=shown_rows,
        legend="Highlighted: overdrawn.",
    )
    for n in range(rows):
        table.add([f"SKU-{n:03d}", n], flagged=n == 1)
    return table


def test_a_long_table_shows_its_first_rows_and_says_the_csv_holds_them_all() -> None:
    table = long_table(5, 3)

    html = shown(table)
    downloaded = list(csv.reader(io.StringIO(table.csv_text())))

    assert parse(html).tables["stockout-risk"].rows[1:] == [
        ["SKU-000", "0"],
        ["SKU-001", "1"],
        ["SKU-002", "2"],
    ]
    assert wording.ROWS_CUT.format(shown=3, total=5) in html
    assert [row[0] for row in downloaded[1:]] == [f"SKU-{n:03d}" for n in range(5)]


def test_a_table_that_fits_says_nothing_about_rows_left_out() -> None:
    html = shown(long_table(3, 3))

    assert "CSV download holds" not in html
    assert len(parse(html).tables["stockout-risk"].rows) == 4


def test_codes_stay_on_one_line_and_a_highlight_is_explained() -> None:
    html = shown(long_table(3, None))

    assert '<td class="unbroken">SKU-000</td>' in html
    assert '<td class="num">0</td>' in html
    assert "Highlighted: overdrawn." in html
    assert html.count('class="flagged"') == 1


def test_no_highlight_no_legend() -> None:
    table = long_table(1, None)

    assert "Highlighted: overdrawn." not in shown(table)


def test_each_series_is_drawn_in_its_own_colour_with_its_legend() -> None:
    colours = list(TOUCHPOINT_COLOURS.values())[:3]
    spec = ChartSpec(
        ChartKind.BARS,
        "Web units",
        ("A", "B"),
        tuple(Series(f"part {n}", (1.0, 2.0), colour) for n, colour in enumerate(colours)),
        "units",
        stacked=True,
    )

    svg = ChartCache().svg(spec).decode()

    for n, colour in enumerate(colours):
        assert f"fill: {colour}" in svg, colour
        assert f"part {n}" in svg


def test_every_touchpoint_has_a_colour_of_its_own() -> None:
    assert set(TOUCHPOINT_COLOURS) == set(Touchpoint)
    assert len(set(TOUCHPOINT_COLOURS.values())) == len(TOUCHPOINT_COLOURS)
