"""The rules of the touchpoint reports: a served line's touchpoint and store, periods, quantiles."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from ordersync.contract import (
    Channel,
    DeliveryKind,
    JobLineState,
    LocationKind,
    SalesPeriod,
    Touchpoint,
)
from ordersync.domain.analytics.touchpoints import (
    JobLineEnd,
    credited_location,
    main_currency,
    period_of,
    quantile,
    share,
    touchpoint_of,
)

PLACED = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
SHIPPED_HOME_FROM_STORE = JobLineEnd(
    job_id="job-1",
    order_id="order-1",
    channel=Channel.WEB,
    delivery=DeliveryKind.HOME,
    placed_by="WEB",
    location="B",
    location_kind=LocationKind.STORE,
    state=JobLineState.SHIPPED,
    to_store=False,
    from_shelf=True,
    sku="S1",
    qty=2,
    price_minor=1990,
    currency="EUR",
    ended_at=datetime(2026, 3, 3, 15, 0, tzinfo=UTC),
    order_created_at=PLACED,
)


@pytest.mark.parametrize(
    ("changes", "touchpoint", "store"),
    [
        ({}, Touchpoint.WEB_FROM_STORE, "B"),
        ({"location": "WH", "location_kind": LocationKind.WAREHOUSE},
         Touchpoint.WEB_FROM_WAREHOUSE, "WH"),
        ({"location": "SUP", "location_kind": LocationKind.SUPPLIER},
         Touchpoint.WEB_DROP_SHIP, "SUP"),
        ({"channel": Channel.STORE, "placed_by": "A", "location": "WH",
          "location_kind": LocationKind.WAREHOUSE}, Touchpoint.ORDER_IN_STORE, "A"),
        ({"channel": Channel.STORE, "placed_by": "A", "location": "A",
          "delivery": DeliveryKind.COLLECT, "state": JobLineState.COLLECTED},
         Touchpoint.ORDER_IN_STORE, "A"),
        ({"delivery": DeliveryKind.COLLECT, "location": "A", "state": JobLineState.COLLECTED},
         Touchpoint.CLICK_AND_COLLECT, "A"),
        ({"delivery": DeliveryKind.COLLECT, "location": "A", "state": JobLineState.COLLECTED,
          "from_shelf": False}, Touchpoint.CLICK_AND_COLLECT, "A"),
    ],
)  # fmt: skip
def test_a_served_line_has_one_touchpoint_and_counts_for_the_store_the_customer_dealt_with(
    changes: dict[str, object], touchpoint: Touchpoint, store: str
) -> None:
    line = replace(SHIPPED_HOME_FROM_STORE, **changes)  # type: ignore[arg-type]
    assert (touchpoint_of(line), credited_location(line)) == (touchpoint, store)


def test_a_parcel_on_its_way_to_the_collection_store_has_not_reached_its_customer() -> None:
    parcel = replace(SHIPPED_HOME_FROM_STORE, delivery=DeliveryKind.COLLECT, to_store=True)
    assert touchpoint_of(parcel) is None


def test_a_line_is_worth_its_units_at_their_price() -> None:
    assert SHIPPED_HOME_FROM_STORE.value_minor == 3980


@pytest.mark.parametrize(
    ("day", "by", "period"),
    [
        (date(2026, 3, 5), SalesPeriod.DAY, ("2026-03-05", date(2026, 3, 5))),
        (date(2026, 3, 5), SalesPeriod.WEEK, ("2026-W10", date(2026, 3, 2))),
        (date(2026, 3, 8), SalesPeriod.WEEK, ("2026-W10", date(2026, 3, 2))),
        (date(2026, 3, 9), SalesPeriod.WEEK, ("2026-W11", date(2026, 3, 9))),
        # the ISO year of the first days of January can be the year before
        (date(2027, 1, 1), SalesPeriod.WEEK, ("2026-W53", date(2026, 12, 28))),
    ],
)
def test_a_day_falls_in_its_day_or_its_iso_week(
    day: date, by: SalesPeriod, period: tuple[str, date]
) -> None:
    assert period_of(day, by) == period


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([5.0], 0.5, 5.0),
        ([5.0], 0.9, 5.0),
        ([1.0, 3.0], 0.5, 2.0),
        ([10.0, 1.0, 3.0, 2.0], 0.5, 2.5),
        ([1.0, 2.0, 3.0, 10.0], 0.9, 7.9),
        ([20.0, 46.0], 0.9, 43.4),
    ],
)
def test_quantiles_interpolate_between_the_nearest_ranks(
    values: list[float], q: float, expected: float
) -> None:
    assert quantile(values, q) == pytest.approx(expected)


def test_a_share_of_nothing_is_unknown_not_zero() -> None:
    assert share(0, 0) is None
    assert share(1, 3) == 0.3333


def test_the_main_currency_holds_the_most_value_and_ties_go_by_code() -> None:
    assert main_currency(Counter(), "EUR") == "EUR"
    assert main_currency(Counter({"GBP": 10, "EUR": 30}), "EUR") == "EUR"
    assert main_currency(Counter({"GBP": 10, "CHF": 10}), "EUR") == "CHF"
