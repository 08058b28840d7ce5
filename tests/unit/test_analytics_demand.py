"""Sales rate and spread on in-stock days, days of cover, the next replenishment and the risk of
running out before it, order-up-to levels and stock-outs, each against numbers worked by hand."""

from __future__ import annotations

import math
from datetime import date

import pytest

from ordersync.domain.analytics.cover import (
    assess_cover,
    days_of_cover,
    next_replenishment,
    next_review,
)
from ordersync.domain.analytics.demand import NO_SALES, Rate, daily_rate, daily_spread
from ordersync.domain.analytics.history import DayRow, History, summarize
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.domain.analytics.replenishment import plan_replenishment
from ordersync.domain.analytics.stockouts import stockouts
from ordersync.domain.errors import InvalidRequest


def d(day: int) -> date:
    return date(2026, 3, day)


# 3 on hand; 2 sold on the 2nd, the last on the 4th; empty the 5th and 6th; 5 received on the 7th,
# 1 sold on the 8th. In stock 8 days (1-4, 7-10), 4 units: 0.5 a day.
HISTORY = History(
    d(1),
    d(10),
    3,
    (
        DayRow(d(2), sold=2, closing=1),
        DayRow(d(4), sold=1, closing=0),
        DayRow(d(7), received=5, closing=5),
        DayRow(d(8), sold=1, closing=4),
    ),
)
POLICY = ReportPolicy()  # lead time 3, review 7 (Mondays), 95 %


def test_the_rate_leaves_out_the_days_the_shelf_was_empty() -> None:
    summary = summarize(HISTORY)
    assert daily_rate(summary) == Rate(4, 8)
    assert daily_rate(summary).per_day == 0.5
    # daily sales over the 8 in-stock days: 0 2 0 1 1 0 0 0 -> mean 0.5, squares 6
    # sample variance (6 - 4**2/8) / 7 = 4/7
    assert daily_spread(summary) == pytest.approx(math.sqrt(4 / 7))


def test_no_sales_no_rate_and_a_single_day_has_no_spread() -> None:
    assert daily_rate(summarize(History(d(1), d(28), 5))) == Rate(0, 28)
    assert daily_rate(summarize(History(d(1), d(28), 0))) == NO_SALES  # never in stock
    assert not NO_SALES.sells
    assert NO_SALES.per_day == 0.0
    one_day = summarize(History(d(1), d(1), 2, (DayRow(d(1), sold=2, closing=0),)))
    assert daily_rate(one_day).per_day == 2
    assert daily_spread(one_day) == 0.0


def test_reviews_fall_on_mondays_and_stock_arrives_three_days_later() -> None:
    # 2026-03-09 and 2026-03-16 are Mondays
    assert next_review(d(9), POLICY) == d(9)
    assert next_review(d(11), POLICY) == d(16)
    assert next_review(d(15), POLICY) == d(16)
    assert next_replenishment(d(11), POLICY) == d(19)
    assert next_replenishment(d(9), POLICY) == d(12)
    fortnightly = POLICY.with_values(review_days=14, lead_time_days=2)
    # 2026-03-02 is 791 days after the epoch 2024-01-01: 791 % 14 = 7, next review 7 days on
    assert next_review(d(2), fortnightly) == d(9)
    assert next_replenishment(d(2), fortnightly) == d(11)


def test_days_of_cover_count_what_a_customer_can_still_buy() -> None:
    assert days_of_cover(3, Rate(1, 2)) == 6
    assert days_of_cover(-2, Rate(1, 2)) == 0
    assert days_of_cover(7, Rate(0, 28)) is None
    # a third of a unit a day: 10 units last 30 days; 10 days need 4 units (3.33 rounded up)
    assert Rate(1, 3).days_for(10) == 30
    assert Rate(1, 3).over(10) == 4
    assert Rate(2, 6).over(9) == 3
    # 0.3 x 10 is 3.0000000000000004 in floating point; the units needed are exactly 3
    assert Rate(3, 10).over(10) == 3


@pytest.mark.parametrize(
    ("units", "at_risk", "empty_on"),
    [
        (3, True, d(17)),  # 6 days from Wednesday the 11th: empty on the 17th, stock on the 19th
        (4, False, None),  # 8 days: empty on the 19th, the very day stock arrives
        (0, True, d(11)),  # already empty
    ],
)
def test_at_risk_when_the_shelf_is_empty_before_the_next_replenishment(
    units: int, at_risk: bool, empty_on: date | None
) -> None:
    cover = assess_cover(d(11), units, Rate(1, 2), POLICY)
    assert cover.next_replenishment == d(19)
    assert cover.at_risk is at_risk
    assert cover.stockout_by == empty_on


def test_what_does_not_sell_is_never_at_risk() -> None:
    cover = assess_cover(d(11), 0, NO_SALES, POLICY)
    assert cover.days is None
    assert not cover.at_risk


def test_order_up_to_covers_lead_time_review_and_safety() -> None:
    summary = summarize(HISTORY)
    plan = plan_replenishment(summary, on_hand=4, reserved=1, policy=POLICY)
    # z(95 %) = 1.6449; spread sqrt(4/7) = 0.7559; safety 1.6449 * 0.7559 * sqrt(10) = 3.93
    # S = ceil(0.5 * 10 + 3.93) = 9; sellable 4 - 1 = 3: order 6
    assert plan.safety_units == 4
    assert plan.order_up_to == 9
    assert plan.suggested_qty == 6


def test_zero_sales_orders_nothing_and_steady_sales_need_no_safety() -> None:
    idle = plan_replenishment(summarize(History(d(1), d(28), 5)), 5, 0, POLICY)
    assert (idle.order_up_to, idle.safety_units, idle.suggested_qty) == (0, 0, 0)
    # one a day every day for 4 days: no spread, S = 1 * 10
    steady_rows = tuple(DayRow(d(n), sold=1, closing=10 - n) for n in range(1, 5))
    steady = plan_replenishment(summarize(History(d(1), d(4), 10, steady_rows)), 6, 2, POLICY)
    assert (steady.order_up_to, steady.safety_units, steady.suggested_qty) == (10, 0, 6)


def test_a_higher_service_level_keeps_more_safety_stock() -> None:
    summary = summarize(HISTORY)
    strict = plan_replenishment(summary, 4, 1, POLICY.with_values(service_level=0.99))
    # z(99 %) = 2.3263: safety 2.3263 * 0.7559 * 3.1623 = 5.56 -> 6; S = ceil(10.56) = 11
    assert (strict.safety_units, strict.order_up_to) == (6, 11)


def test_policy_values_out_of_range_are_refused() -> None:
    with pytest.raises(InvalidRequest):
        ReportPolicy(review_days=0)
    with pytest.raises(InvalidRequest):
        ReportPolicy(service_level=1.0)
    assert POLICY.protection_days == 10
    assert POLICY.z == pytest.approx(1.6449, abs=1e-4)


def test_stockouts_and_their_lost_sales() -> None:
    [stockout] = stockouts(summarize(HISTORY), HISTORY.end, on_hand_now=4)
    assert (stockout.first_day, stockout.last_day, stockout.days_out) == (d(5), d(6), 2)
    assert not stockout.ongoing
    assert stockout.daily_rate == Rate(4, 8)
    assert stockout.lost_units == 1
    assert stockout.lost_value_minor(5990) == 5990


def test_a_stockout_still_running_at_the_end_of_the_window_is_ongoing() -> None:
    # 2 sold on the 1st and 2nd each (4 on hand), empty from the 3rd to the 10th
    history = History(
        d(1), d(10), 4, (DayRow(d(1), sold=2, closing=2), DayRow(d(2), sold=2, closing=0))
    )
    [stockout] = stockouts(summarize(history), history.end, on_hand_now=0)
    assert (stockout.first_day, stockout.last_day, stockout.days_out) == (d(3), d(10), 8)
    assert stockout.ongoing
    # 4 units over 2 in-stock days: 2 a day, 16 units lost, at 29.90
    assert stockout.lost_units == 16
    assert stockout.lost_value_minor(2990) == 47840
    # received this morning: the stock-out ended today, after the window
    [ended] = stockouts(summarize(history), history.end, on_hand_now=3)
    assert not ended.ongoing


def test_no_stockout_for_a_new_item_before_its_first_receipt() -> None:
    history = History(d(1), d(10), None, (DayRow(d(8), received=2, closing=2),))
    assert stockouts(summarize(history), history.end, on_hand_now=2) == []
