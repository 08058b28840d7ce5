"""The cycle-count schedule's ranking, against hand-computed classes and orders."""

from __future__ import annotations

from datetime import date

from ordersync.domain.count_schedule import AbcClass, PositionHistory, classify, due_counts

TODAY = date(2026, 3, 2)

# 100 units sold in all: a and b make the first 80%, c and d the next 15%, e the rest.
SALES = {"a": 50, "b": 30, "c": 10, "d": 5, "e": 5, "f": 0, "new": 0}


def test_fast_movers_making_the_first_80_percent_are_class_a() -> None:
    assert classify(SALES) == {
        "a": AbcClass.A,  # 0% sold before it
        "b": AbcClass.A,  # 50% before it
        "c": AbcClass.B,  # 80% before it: no longer below 80%
        "d": AbcClass.B,  # 90%
        "e": AbcClass.C,  # 95%
        "f": AbcClass.C,
        "new": AbcClass.C,
    }


def test_a_location_that_sold_nothing_has_only_class_c() -> None:
    assert classify({"x": 0, "y": 0}) == {"x": AbcClass.C, "y": AbcClass.C}
    assert classify({}) == {}


def test_equal_sellers_are_ranked_by_sku_so_the_classes_are_stable() -> None:
    # 4 x 25%: they start at 0, 25, 50 and 75%, all below 80%, so all four are A.
    assert set(classify({"d": 25, "c": 25, "b": 25, "a": 25}).values()) == {AbcClass.A}
    # 5 x 20%: a..d start at 0..60% (A), e starts at 80% (B).
    ranked = classify(dict.fromkeys("edcba", 20))
    assert ranked == {
        "a": AbcClass.A,
        "b": AbcClass.A,
        "c": AbcClass.A,
        "d": AbcClass.A,
        "e": AbcClass.B,
    }


HISTORY = [
    PositionHistory("a", 50, date(2026, 2, 10)),  # A, 20 days: 20/7 = 2.86, capped at 2
    PositionHistory("b", 30, date(2026, 2, 20)),  # A, 10 days: 10/7 = 1.43
    PositionHistory("c", 10, date(2026, 2, 25)),  # B, 5 days of 30: not due
    PositionHistory("d", 5, None),  # B, never counted: 2
    PositionHistory("e", 5, date(2025, 11, 1)),  # C, 121 days: 121/90 = 1.34
    PositionHistory("f", 0, date(2026, 1, 1)),  # C, 60 days of 90: not due
    PositionHistory("new", 0, None),  # C, a new item, no sale and no count: 2
]


def test_the_most_overdue_come_first_then_the_class_then_the_sales() -> None:
    due = due_counts(HISTORY, TODAY, limit=10)
    assert [d.sku for d in due] == ["a", "d", "new", "b", "e"]
    assert [d.days_since_count for d in due] == [20, None, None, 10, 121]
    assert [round(d.urgency, 3) for d in due] == [2.0, 2.0, 2.0, round(10 / 7, 3), 1.344]
    assert [d.abc for d in due] == [AbcClass.A, AbcClass.B, AbcClass.C, AbcClass.A, AbcClass.C]


def test_the_limit_keeps_the_most_urgent() -> None:
    assert [d.sku for d in due_counts(HISTORY, TODAY, limit=3)] == ["a", "d", "new"]
    assert due_counts(HISTORY, TODAY, limit=0) == []


def test_a_position_is_due_on_the_day_its_interval_has_passed() -> None:
    only_a = [PositionHistory("a", 1, date(2026, 2, 23))]  # the only seller: class A, 7 days
    [due] = due_counts(only_a, TODAY, limit=5)
    assert (due.days_since_count, due.urgency) == (7, 1.0)
    assert due_counts([PositionHistory("a", 1, date(2026, 2, 24))], TODAY, limit=5) == []


def test_a_count_today_is_not_due_and_new_items_still_get_counted() -> None:
    fresh = [
        PositionHistory("counted-today", 0, TODAY),
        PositionHistory("brand-new", 0, None),
    ]
    assert [d.sku for d in due_counts(fresh, TODAY, limit=5)] == ["brand-new"]
