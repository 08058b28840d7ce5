"""The touchpoints page: how the network's customers were served, store and web.

Built on the ledger's touchpoint reports (``TOUCHPOINT_SALES``, ``STORE_CONTRIBUTION``,
``SPLIT_RATE``, ``TIME_TO_CUSTOMER``, ``CANCELLATIONS``, ``OFFER_OUTCOMES``) with their shared
default window, so the page, the API and the CLI give the same figures. An admin sees the
network; a store manager their own store's share.

Each touchpoint has one colour (``TOUCHPOINT_COLOURS``) in every chart. Counter sales outnumber
every kind of order by far (98 % of units on the demo network): drawn on one scale the orders
read as flat lines at zero, so counter sales have their own chart and the orders theirs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from ordersync.contract import LocationKind, Role
from ordersync.contract.touchpoints import (
    Cancellations,
    OfferOutcomes,
    SplitRate,
    StoreContribution,
    TimeToCustomer,
    Touchpoint,
    TouchpointSales,
)
from ordersync.services.reports.access import (
    CANCELLATIONS,
    OFFER_OUTCOMES,
    SPLIT_RATE,
    STORE_CONTRIBUTION,
    TIME_TO_CUSTOMER,
    TOUCHPOINT_SALES,
)
from ordersync.web import wording
from ordersync.web.charts import ChartKind, ChartSpec, Series
from ordersync.web.page_data import PageData
from ordersync.web.tables import Column, Table, money_text
from ordersync.web.viewer import Viewer

TOUCHPOINT_COLOURS: dict[Touchpoint, str] = {
    # colour-blind safe (Okabe-Ito), one per touchpoint whatever the chart
    Touchpoint.COUNTER_SALE: "#0072b2",
    Touchpoint.ORDER_IN_STORE: "#e69f00",
    Touchpoint.WEB_FROM_WAREHOUSE: "#009e73",
    Touchpoint.WEB_FROM_STORE: "#cc79a7",
    Touchpoint.WEB_DROP_SHIP: "#56b4e9",
    Touchpoint.CLICK_AND_COLLECT: "#d55e00",
}
SHIPPED_BY_KIND = {
    LocationKind.WAREHOUSE: Touchpoint.WEB_FROM_WAREHOUSE,
    LocationKind.STORE: Touchpoint.WEB_FROM_STORE,
    LocationKind.SUPPLIER: Touchpoint.WEB_DROP_SHIP,
}
"""What a location's shipped web units are, as a touchpoint, by the kind of location."""


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100


def _label(touchpoint: Touchpoint) -> str:
    return wording.TOUCHPOINT_LABELS.get(touchpoint.value, touchpoint.value)


def _share_text(share: float | None) -> str:
    return wording.NOT_AVAILABLE if share is None else f"{share * 100:.1f} %"


def _numeric_from(headings: tuple[str, ...], first: int) -> tuple[Column, ...]:
    return tuple(Column(heading, numeric=i >= first) for i, heading in enumerate(headings))


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _sales(page: PageData, sales: TouchpointSales) -> None:
    page.notes.append(
        wording.TOUCHPOINTS_WINDOW_NOTE.format(
            start=sales.start, end=sales.end, currency=sales.currency
        )
    )
    totals = page.add_table(
        Table(
            "touchpoint-sales",
            wording.TOTALS_CAPTION,
            _numeric_from(wording.TOTALS_HEADINGS, 1),
            empty_text=wording.NO_SALES,
        )
    )
    for total in sales.totals:
        totals.add(
            [
                _label(total.touchpoint),
                total.units,
                money_text(total.value_minor),
                _percent(total.unit_share),
            ]
        )
    served = [total.touchpoint for total in sales.totals if total.units]
    units: dict[str, Counter[Touchpoint]] = defaultdict(Counter)
    values: Counter[str] = Counter()
    per_day: dict[Touchpoint, Counter[date]] = defaultdict(Counter)
    for row in sales.rows:
        units[row.location][row.touchpoint] += row.units
        values[row.location] += row.value_minor
        per_day[row.touchpoint][row.start] += row.units
    by_store = page.add_table(
        Table(
            "sales-by-store",
            wording.BY_STORE_CAPTION,
            _numeric_from(
                (
                    wording.BY_STORE_FIRST,
                    *(_label(touchpoint) for touchpoint in served),
                    *wording.BY_STORE_LAST,
                ),
                1,
            ),
            empty_text=wording.NO_SALES,
        )
    )
    ranked = sorted(units, key=lambda code: (-sum(units[code].values()), code))
    for code in ranked:
        by_store.add(
            [
                code,
                *(units[code][touchpoint] for touchpoint in served),
                sum(units[code].values()),
                money_text(values[code]),
            ]
        )
    days = _days(sales.start, sales.end)
    day_labels = tuple(day.strftime("%m-%d") for day in days)

    def trend(touchpoints: Sequence[Touchpoint], title: str) -> ChartSpec:
        return ChartSpec(
            ChartKind.LINES,
            title,
            day_labels,
            tuple(
                Series(
                    _label(touchpoint),
                    tuple(float(per_day[touchpoint][day]) for day in days),
                    TOUCHPOINT_COLOURS[touchpoint],
                )
                for touchpoint in touchpoints
            ),
            wording.UNITS_AXIS,
        )

    counter = [touchpoint for touchpoint in served if touchpoint is Touchpoint.COUNTER_SALE]
    ordered = [touchpoint for touchpoint in served if touchpoint is not Touchpoint.COUNTER_SALE]
    page.charts["trend"] = trend(counter, wording.TREND_CHART_TITLE)
    page.charts["order-trend"] = trend(ordered, wording.ORDER_TREND_CHART_TITLE)
    page.charts["stores"] = ChartSpec(
        ChartKind.BARS,
        wording.STORES_CHART_TITLE,
        tuple(ranked),
        (Series(wording.UNITS_AXIS, tuple(float(sum(units[c].values())) for c in ranked)),),
        wording.UNITS_AXIS,
    )


def _contribution(page: PageData, contribution: StoreContribution) -> None:
    page.notes.append(
        wording.CONTRIBUTION_NOTE.format(
            store_units=contribution.store_units,
            web_units=contribution.web_units,
            share=_share_text(contribution.store_share),
        )
    )
    table = page.add_table(
        Table(
            "store-contribution",
            wording.CONTRIBUTION_CAPTION,
            _numeric_from(wording.CONTRIBUTION_HEADINGS, 2),
            empty_text=wording.NO_ROWS,
        )
    )
    for row in contribution.rows:
        table.add(
            [
                row.location,
                row.kind.value,
                row.shipped_units,
                money_text(row.shipped_value_minor),
                row.collected_units,
                money_text(row.collected_value_minor),
                row.parcel_units,
                _percent(row.web_share),
            ]
        )
    shipped: dict[Touchpoint, list[float]] = {
        touchpoint: [0.0] * len(contribution.rows) for touchpoint in SHIPPED_BY_KIND.values()
    }
    for index, row in enumerate(contribution.rows):
        shipped[SHIPPED_BY_KIND[row.kind]][index] = float(row.shipped_units)
    collected = tuple(float(row.collected_units) for row in contribution.rows)
    parts = [(touchpoint, tuple(values)) for touchpoint, values in shipped.items() if any(values)]
    if any(collected):
        parts.append((Touchpoint.CLICK_AND_COLLECT, collected))
    page.charts["web-contribution"] = ChartSpec(
        ChartKind.BARS,
        wording.CONTRIBUTION_CHART_TITLE,
        tuple(row.location for row in contribution.rows),
        tuple(
            Series(_label(touchpoint), values, TOUCHPOINT_COLOURS[touchpoint])
            for touchpoint, values in parts
        ),
        wording.UNITS_AXIS,
        stacked=True,
    )


def _split(page: PageData, split: SplitRate) -> None:
    page.notes.append(
        wording.SPLIT_NOTE.format(
            split_orders=split.split_orders,
            orders=split.orders,
            rate=_share_text(split.split_rate),
        )
    )
    table = page.add_table(
        Table(
            "split-rate",
            wording.SPLIT_CAPTION,
            _numeric_from(wording.SPLIT_HEADINGS, 1),
            empty_text=wording.NO_ROWS,
        )
    )
    for row in split.rows:
        table.add([row.location, row.orders, row.split_orders, _percent(row.split_rate)])


def _timing(page: PageData, timing: TimeToCustomer) -> None:
    table = page.add_table(
        Table(
            "time-to-customer",
            wording.TIME_CAPTION,
            _numeric_from(wording.TIME_HEADINGS, 3),
            empty_text=wording.NO_ROWS,
        )
    )
    for row in timing.rows:
        table.add(
            [
                _label(row.touchpoint),
                row.location,
                row.stage.value,
                row.count,
                row.median_hours,
                row.p90_hours,
            ]
        )


def _cancellations(page: PageData, cancelled: Cancellations) -> None:
    table = page.add_table(
        Table(
            "cancellations",
            wording.CANCELLATIONS_CAPTION,
            _numeric_from(wording.CANCELLATION_HEADINGS, 3),
            empty_text=wording.NO_ROWS,
        )
    )
    for row in cancelled.rows:
        table.add(
            [
                row.location or wording.HOME_DELIVERY,
                wording.CANCELLATION_SOURCES.get(row.source.value, row.source.value),
                row.reason,
                row.count,
                row.units,
            ]
        )


def _offers(page: PageData, offers: OfferOutcomes) -> None:
    table = page.add_table(
        Table(
            "offers",
            wording.OFFERS_CAPTION,
            _numeric_from(wording.OFFER_HEADINGS, 1),
            empty_text=wording.NO_ROWS,
        )
    )
    for row in offers.rows:
        table.add(
            [
                row.location,
                row.received,
                row.claimed,
                row.lost,
                row.expired,
                row.open,
                row.median_minutes_to_claim,
            ]
        )


def touchpoints_page(connection: Connection, viewer: Viewer, now: datetime) -> PageData:
    page = PageData(wording.TITLE_TOUCHPOINTS)
    principal = viewer.principal
    where = None if principal.role is Role.ADMIN else principal.location
    _sales(page, TOUCHPOINT_SALES(connection, principal, now, location=where))
    _contribution(page, STORE_CONTRIBUTION(connection, principal, now, location=where))
    _split(page, SPLIT_RATE(connection, principal, now, location=where))
    _timing(page, TIME_TO_CUSTOMER(connection, principal, now, location=where))
    _cancellations(page, CANCELLATIONS(connection, principal, now, location=where))
    _offers(page, OFFER_OUTCOMES(connection, principal, now, location=where))
    return page
