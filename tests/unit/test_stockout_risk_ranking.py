"""What a stock-out risk costs (rate x price x days out), the key the risk list is ranked by."""

from __future__ import annotations

from datetime import date

from ordersync.domain.analytics.cover import Cover, assess_cover, value_at_risk_minor
from ordersync.domain.analytics.demand import NO_SALES, Rate
from ordersync.domain.analytics.policy import ReportPolicy

TODAY = date(2026, 3, 2)  # a review day: the next replenishment arrives on 5 March
POLICY = ReportPolicy(lead_time_days=3, review_days=7, review_epoch=TODAY)


def test_an_empty_shelf_that_sells_costs_its_sales_until_the_delivery() -> None:
    rate = Rate(units=14, days=28)  # half a unit a day
    cover = assess_cover(TODAY, 0, rate, POLICY)
    assert (cover.stockout_by, cover.next_replenishment) == (TODAY, date(2026, 3, 5))
    assert cover.days_out == 3
    # 0.5 a day x 40.00 x 3 days = 60.00
    assert value_at_risk_minor(cover, rate, 4000) == 6000


def test_stock_that_lasts_part_of_the_way_costs_only_the_days_without_it() -> None:
    rate = Rate(units=28, days=28)  # one a day, two left: gone on the 4th
    cover = assess_cover(TODAY, 2, rate, POLICY)
    assert cover.stockout_by == date(2026, 3, 4)
    assert value_at_risk_minor(cover, rate, 1000) == 1000


def test_what_sells_nothing_risks_nothing() -> None:
    cover = Cover(None, date(2026, 3, 5), TODAY)
    assert value_at_risk_minor(cover, NO_SALES, 4990) == 0


def test_what_lasts_until_the_delivery_risks_nothing() -> None:
    rate = Rate(units=1, days=28)
    cover = assess_cover(TODAY, 5, rate, POLICY)
    assert not cover.at_risk
    assert cover.days_out == 0
    assert value_at_risk_minor(cover, rate, 4990) == 0


def test_a_fast_seller_outranks_a_slow_one_out_as_long() -> None:
    slow, fast = Rate(units=1, days=25), Rate(units=9, days=28)
    slow_cover = assess_cover(TODAY, 0, slow, POLICY)
    fast_cover = assess_cover(TODAY, 0, fast, POLICY)
    assert slow_cover.days_out == fast_cover.days_out == 3
    assert value_at_risk_minor(fast_cover, fast, 4990) > value_at_risk_minor(slow_cover, slow, 4990)
