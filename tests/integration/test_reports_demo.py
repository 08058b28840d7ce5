"""The reports on the demo network: plausible and non-empty, and consistent with the history.

The consistency checks recompute, from the ``position_days`` rows themselves and with the rules
written out again here (not with the report's own code), what the stock-out risk list and the
replenishment suggestions of the Paris Rivoli store must say on the morning after the demo's
history ends.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist

import pytest
from sqlalchemy import Engine, text

from ordersync.clock import ManualClock
from ordersync.db.engine import create_ledger_engine
from ordersync.demo.load import load_demo_network
from ordersync.services.reports.cover import cover_report, stockout_risk_report
from ordersync.services.reports.kpis import network_kpis
from ordersync.services.reports.rebalancing import rebalancing_report
from ordersync.services.reports.replenishment import replenishment_report
from ordersync.services.reports.stockouts import stockout_report
from ordersync.services.reports.trend import sales_trend
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases, backends

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)  # 10:00 in Paris, the demo's anchor day
TODAY = date(2026, 3, 2)  # a Monday: today is a review day
STORE = "PAR-01"
RATE_DAYS, LEAD, REVIEW, SERVICE = 28, 3, 7, 0.95


@pytest.fixture(scope="module", params=backends())
def demo(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[Engine]:
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    url = databases.fresh()
    engine = create_ledger_engine(url, writer=True)
    load_demo_network(engine, ManualClock(NOW))
    yield engine
    engine.dispose()
    databases.drop(url)


# --- the history, read and reckoned again ------------------------------------------------------


@dataclass
class Reckoned:
    on_hand: int
    reserved: int
    rate: float
    spread: float

    @property
    def sellable(self) -> int:
        return self.on_hand - self.reserved


def reckon(engine: Engine, location: str) -> dict[str, Reckoned]:
    """Each position's rate and spread over its in-stock days of the 28 days before today.

    A day is out of stock when it opened and closed with nothing on hand; a day without a row
    kept the last close; before its first row a position did not exist.
    """
    first = TODAY - timedelta(days=RATE_DAYS)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT sku, day, sold_units, closing_on_hand FROM position_days "
                "WHERE location = :location AND day < :today ORDER BY sku, day"
            ),
            {"location": location, "today": TODAY.isoformat()},
        ).all()
        stock = connection.execute(
            text("SELECT sku, on_hand, reserved FROM positions WHERE location = :location"),
            {"location": location},
        ).all()
    days: dict[str, dict[date, tuple[int, int]]] = defaultdict(dict)
    for sku, day, sold, closing in rows:
        days[sku][date.fromisoformat(day)] = (int(sold), int(closing))
    found = {}
    for sku, on_hand, reserved in stock:
        history = days.get(sku, {})
        close: int | None = None
        for day in sorted(d for d in history if d < first):
            close = history[day][1]
        daily: list[int] = []
        for offset in range(RATE_DAYS):
            day = first + timedelta(days=offset)
            if day in history:
                sold, closing = history[day]
                opening = 0 if close is None else close
            elif close is None:
                continue
            else:
                sold, opening, closing = 0, close, close
            close = closing
            if not (opening <= 0 and closing <= 0):
                daily.append(sold)
        rate = sum(daily) / len(daily) if daily else 0.0
        spread = 0.0
        if len(daily) >= 2:
            spread = math.sqrt(sum((x - rate) ** 2 for x in daily) / (len(daily) - 1))
        found[sku] = Reckoned(int(on_hand), int(reserved), rate, spread)
    return found


def coming(engine: Engine, location: str) -> dict[str, int]:
    """Units on their way to ``location`` (on order, in transit, requested), by SKU."""
    units: dict[str, int] = defaultdict(int)
    with engine.connect() as connection:
        for sku, qty in connection.execute(
            text(
                "SELECT sku, on_order + in_transit FROM incoming WHERE location = :location "
                "UNION ALL SELECT l.sku, l.requested_qty FROM transfer_lines l JOIN transfers t "
                "ON t.id = l.transfer_id WHERE t.to_location = :location AND t.state = 'requested'"
            ),
            {"location": location},
        ):
            units[sku] += int(qty)
    return units


def next_replenishment(today: date) -> date:
    # reviews every Monday (7 days from Monday 1 January 2024), stock 3 days later
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    return monday + timedelta(days=LEAD)


# --- consistency ---------------------------------------------------------------------------


def test_the_risk_list_is_what_the_history_says(demo: Engine) -> None:
    reckoned = reckon(demo, STORE)
    with demo.connect() as connection:
        risk = stockout_risk_report(connection, NOW, location=STORE, limit=10_000)
    arrival = next_replenishment(TODAY)
    assert arrival == date(2026, 3, 5)
    days_left = (arrival - TODAY).days
    listed = {row.sku for row in risk.rows}
    assert listed, "the demo should have positions about to run out"
    for row in risk.rows:
        position = reckoned[row.sku]
        assert row.daily_rate == pytest.approx(position.rate, abs=5.1e-4), row.sku
        assert position.rate > 0
        assert max(position.sellable, 0) / position.rate < days_left, row.sku
        assert row.next_replenishment == arrival
        assert row.stockout_by is not None
        assert row.stockout_by < arrival
    expected = {
        sku for sku, p in reckoned.items() if p.rate > 0 and max(p.sellable, 0) / p.rate < days_left
    }
    assert listed == expected


def test_replenishment_applies_the_order_up_to_formula_to_the_history(demo: Engine) -> None:
    reckoned = reckon(demo, STORE)
    on_way = coming(demo, STORE)
    assert on_way, "the demo has deliveries and a transfer on their way to the store"
    z = NormalDist().inv_cdf(SERVICE)
    protection = LEAD + REVIEW
    with demo.connect() as connection:
        plan = replenishment_report(connection, NOW, location=STORE, limit=10_000)
        risk = stockout_risk_report(connection, NOW, location=STORE, limit=10_000)
    suggested = {row.sku: row for row in plan.rows}
    assert suggested
    for sku, position in reckoned.items():
        safety = z * position.spread * math.sqrt(protection)
        level = math.ceil(position.rate * protection + safety - 1e-9)
        quantity = max(0, level - position.sellable - on_way[sku])
        if quantity == 0:
            assert sku not in suggested, sku
            continue
        row = suggested[sku]
        assert (row.order_up_to, row.suggested_qty) == (level, quantity), sku
        assert row.safety_units == math.ceil(safety - 1e-9), sku
        assert (row.on_hand, row.reserved) == (position.on_hand, position.reserved)
    # whatever runs out before the next delivery gets something ordered, unless it is on its way
    for row in risk.rows:
        assert row.sku in suggested or on_way[row.sku] > 0, row.sku


# --- plausible and non-empty ---------------------------------------------------------------


def test_the_trending_reference_sells_every_day_and_more_lately(demo: Engine) -> None:
    with demo.connect() as connection:
        trend = sales_trend(connection, NOW, reference="BRA-CAP", days=56, recent_days=28)
    assert (trend.start, trend.end) == (date(2026, 1, 5), date(2026, 3, 1))
    assert len(trend.series) == 56
    assert sum(trend.series) == sum(row.total for row in trend.rows) > 1000
    assert min(trend.series) > 0  # Sunday stores open in Paris
    recent, previous = sum(trend.series[28:]), sum(trend.series[:28])
    assert recent > previous  # demand doubles over the quarter
    assert {row.location for row in trend.rows} >= {"PAR-01", "LYO-01", "WH-LYON"}


def test_cover_stockouts_and_what_they_cost(demo: Engine) -> None:
    with demo.connect() as connection:
        cover = cover_report(connection, NOW, location=STORE, limit=10_000)
        stockouts = stockout_report(connection, NOW, location=STORE, days=28)
    assert cover.as_of == TODAY
    rated = [row for row in cover.rows if row.days_of_cover is not None]
    assert len(rated) > 100
    assert any(row.at_risk for row in rated)
    assert sum(not row.at_risk for row in rated) > sum(row.at_risk for row in rated)
    assert stockouts.rows
    assert stockouts.lost_value_minor > 0
    assert stockouts.currency == "EUR"
    assert any(row.ongoing for row in stockouts.rows)
    assert all(row.days_out >= 1 for row in stockouts.rows)
    assert stockouts.rows[0].lost_value_minor == max(r.lost_value_minor for r in stockouts.rows)


def test_rebalancing_finds_sleeping_stock_and_broken_runs(demo: Engine) -> None:
    with demo.connect() as connection:
        bras = rebalancing_report(connection, NOW, reference="BRA-ELO")
        silk = rebalancing_report(connection, NOW, reference="BOD-SER")
    assert bras.rows
    assert {row.reason for row in bras.rows} == {"sleeping_stock"}
    assert all(row.from_location != row.to_location for row in bras.rows)
    assert "WH-LYON" not in {row.from_location for row in bras.rows + silk.rows}
    assert "broken_size_run" in {row.reason for row in silk.rows}


def test_network_kpis_of_the_demo_orders(demo: Engine) -> None:
    with demo.connect() as connection:
        kpis = network_kpis(connection, NOW, days=30)
        paris = network_kpis(connection, NOW, days=30, location=STORE)
    assert kpis.order_lines > 50
    assert kpis.fill_rate is not None
    assert 0.8 < kpis.fill_rate < 1.0
    assert kpis.store_orders > 0
    assert kpis.store_orders_value_minor > 0
    assert kpis.avg_assign_to_ship_hours is not None
    assert 2 < kpis.avg_assign_to_ship_hours < 12
    codes = {row.location for row in kpis.locations}
    assert "WH-LYON" in codes
    assert len(codes) >= 8
    assert any(row.lines_rejected for row in kpis.locations)
    assert sum(row.jobs for row in kpis.locations) >= kpis.order_lines - kpis.store_orders
    assert [row.location for row in paris.locations] == [STORE]
    assert paris.order_lines < kpis.order_lines
