"""A store's day runs from its own midnight: sales posted through the ledger land on the day of
the store's calendar, and reports read "today" there, across daylight saving time changes.

A store in Paris and one in New York sell the same SKU around their midnights; the rows of
``position_days`` and the reports read from them follow each store's own calendar.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from ordersync.clock import ManualClock
from ordersync.contract import MovementBatch, uuid7
from ordersync.db.engine import create_ledger_engine
from ordersync.db.writer import run_in_transaction
from ordersync.services.catalog import upsert_items, upsert_locations
from ordersync.services.operations import operation_work
from ordersync.services.reports.cover import cover_report
from ordersync.services.reports.reads import POSITION_DAYS
from ordersync.services.reports.stockouts import stockout_report
from ordersync.services.reports.trend import sales_trend
from tests.support.ledger_harness import START, SYSTEM, item, location

SALES = [
    # (store, local time with its offset, units)
    ("PAR", "2026-03-01T08:00:00+01:00", -20),  # a receipt of 20
    ("PAR", "2026-03-01T23:30:00+01:00", 1),  # 22:30 UTC, still the 1st in Paris
    ("PAR", "2026-03-02T00:30:00+01:00", 2),  # 23:30 UTC on the 1st, the 2nd in Paris
    ("NYC", "2026-03-01T08:00:00-05:00", -20),
    ("NYC", "2026-03-01T23:30:00-05:00", 1),  # 04:30 UTC on the 2nd, still the 1st in New York
    ("NYC", "2026-03-02T00:30:00-05:00", 3),
    ("NYC", "2026-03-08T23:30:00-04:00", 4),  # clocks went forward that morning (EDT)
    ("PAR", "2026-03-29T23:30:00+02:00", 5),  # Paris clocks went forward that morning (CEST)
    ("PAR", "2026-03-30T00:15:00+02:00", 12),  # the last 12 units, on the 30th
]


def _post(engine: Engine, clock: ManualClock, store: str, moment: str, units: int) -> None:
    kind, qty = ("receipt", -units) if units < 0 else ("sale", units)
    batch = MovementBatch.model_validate(
        {
            "op_id": str(uuid7()),
            "occurred_at": moment,
            "lines": [{"kind": kind, "sku": "S1", "location": store, "qty": qty}],
        }
    )
    outcome = run_in_transaction(engine, clock, operation_work("movements", SYSTEM, batch))
    assert outcome.status == 201, outcome.body


@pytest.fixture
def engine(ledger_url: str) -> Iterator[Engine]:
    engine = create_ledger_engine(ledger_url, writer=True)
    clock = ManualClock(START)
    stores = [location("PAR"), location("NYC", timezone="America/New_York", latitude=40.7)]
    run_in_transaction(engine, clock, lambda tx: upsert_locations(tx, SYSTEM, stores))
    run_in_transaction(engine, clock, lambda tx: upsert_items(tx, SYSTEM, [item("S1")]))
    for store, moment, units in SALES:
        _post(engine, clock, store, moment, units)
    yield engine
    engine.dispose()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_each_sale_lands_on_its_stores_own_day(engine: Engine) -> None:
    with engine.connect() as connection:
        rows = connection.execute(
            select(POSITION_DAYS.c.location, POSITION_DAYS.c.day, POSITION_DAYS.c.sold_units)
            .where(POSITION_DAYS.c.sold_units > 0)
            .order_by(POSITION_DAYS.c.location, POSITION_DAYS.c.day)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("NYC", "2026-03-01", 1),
        ("NYC", "2026-03-02", 3),
        ("NYC", "2026-03-08", 4),
        ("PAR", "2026-03-01", 1),
        ("PAR", "2026-03-02", 2),
        ("PAR", "2026-03-29", 5),
        ("PAR", "2026-03-30", 12),
    ]


@pytest.mark.parametrize(
    ("now", "end", "series"),
    [
        # 23:59 in New York on the 8th (EDT): the 8th is today there, not in the series yet
        ("2026-03-09T03:59:00+00:00", "2026-03-07", [0, 1, 3, 0, 0, 0, 0, 0]),
        # midnight in New York: the 8th is complete
        ("2026-03-09T04:00:00+00:00", "2026-03-08", [1, 3, 0, 0, 0, 0, 0, 4]),
    ],
)
def test_new_yorks_trend_ends_at_new_yorks_midnight(
    engine: Engine, now: str, end: str, series: list[int]
) -> None:
    with engine.connect() as connection:
        trend = sales_trend(
            connection, utc(now), reference="REF-1", location="NYC", days=8, recent_days=4
        )
    [row] = trend.rows
    assert (str(trend.end), row.series) == (end, series)


def test_paris_counts_the_short_day_of_the_clock_change_as_one_day(engine: Engine) -> None:
    # 23:59 in Paris on the 29th is 21:59 UTC (CEST): the 29th is still today
    with engine.connect() as connection:
        before = sales_trend(connection, utc("2026-03-29T21:59:00+00:00"), reference="REF-1",
                             location="PAR", days=4, recent_days=1)  # fmt: skip
        after = sales_trend(connection, utc("2026-03-29T22:00:00+00:00"), reference="REF-1",
                            location="PAR", days=4, recent_days=1)  # fmt: skip
    assert (str(before.end), before.series) == ("2026-03-28", [0, 0, 0, 0])
    assert (str(after.end), after.series) == ("2026-03-29", [0, 0, 0, 5])
    assert (after.rows[0].recent_units, after.rows[0].change_pct) == (5, None)


def test_today_and_the_stockout_window_follow_the_store(engine: Engine) -> None:
    # 00:30 in Paris on the 31st; the 30th sold the last 12 units at a quarter past midnight
    now = utc("2026-03-30T22:30:00+00:00")
    with engine.connect() as connection:
        paris = cover_report(connection, now, location="PAR")
        new_york = cover_report(connection, now, location="NYC")
        stockouts = stockout_report(connection, utc("2026-04-02T10:00:00+00:00"), location="PAR",
                                    days=4)  # fmt: skip
    assert str(paris.as_of) == "2026-03-31"
    assert str(new_york.as_of) == "2026-03-30"
    [row] = paris.rows
    # 28 days 3-30 March, in stock every day (the 30th sold the last unit): 5 + 12 sold
    assert (row.on_hand, row.daily_rate, row.at_risk) == (0, round(17 / 28, 3), True)
    # 29 March - 1 April: the shelf was emptied on the 30th, out the 31st and 1st
    [out] = stockouts.rows
    assert (str(out.first_day), str(out.last_day), out.days_out, out.ongoing) == (
        "2026-03-31",
        "2026-04-01",
        2,
        True,
    )
    # 17 sold over 2 in-stock days (29th, 30th): 8.5 a day for 2 days
    assert out.lost_units == 17.0
