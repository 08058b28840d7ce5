"""The touchpoint reports of ``ordersync report``: their options, service calls and rows.

Each entry of ``TOUCHPOINT_REPORTS`` holds the parts of one ``ReportSpec`` of the ``report``
command (which registers them), in its field order: name, help, options, service call, table rows
and CSV rows. Every one takes ``--location`` (default: the whole network) and ``--days``
(``TOUCHPOINTS_WINDOW``, as the API); sales also ``--by day|week``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy import Connection

from ordersync.cli.report_options import ANY_LOCATION, Option, days
from ordersync.cli.tabular import Tabular, model_rows, money, optional, percent
from ordersync.contract import SalesPeriod
from ordersync.contract.report_windows import TOUCHPOINTS_WINDOW
from ordersync.contract.touchpoints import (
    Cancellations,
    OfferOutcomes,
    SplitRate,
    StoreContribution,
    TimeToCustomer,
    TouchpointSales,
)
from ordersync.services.reports.touchpoint_offers import offer_outcomes
from ordersync.services.reports.touchpoints import (
    cancellations,
    split_rate,
    store_contribution,
    time_to_customer,
    touchpoint_sales,
)


class ReportParts(NamedTuple):
    name: str
    help: str
    options: tuple[Option, ...]
    run: Callable[[Connection, argparse.Namespace, datetime], BaseModel]
    table: Callable[[Any], Tabular]
    csv: Callable[[Any], Tabular]


WINDOW = (ANY_LOCATION, days(TOUCHPOINTS_WINDOW.default))
BY = Option(
    ("--by",),
    {"choices": [period.value for period in SalesPeriod], "default": "day", "help": "(day)"},
)


def _where(location: str | None) -> str:
    return location or "the network"


def _words(value: str) -> str:
    return value.replace("_", " ")


def _sales_table(report: TouchpointSales) -> Tabular:
    return Tabular(
        f"Sales by touchpoint at {_where(report.location)}, {report.start} to {report.end}",
        [report.by.value, "location", "touchpoint", "units", "value"],
        [
            [r.period, r.location, _words(r.touchpoint), r.units,
             money(r.value_minor, report.currency)]
            for r in report.rows
        ],
        "; ".join(
            f"{_words(t.touchpoint)} {t.units} ({percent(t.unit_share) or '0 %'})"
            for t in report.totals
        ),
    )  # fmt: skip


def _contribution_table(report: StoreContribution) -> Tabular:
    return Tabular(
        f"Contribution to web orders at {_where(report.location)}, "
        f"{report.start} to {report.end}",
        ["location", "kind", "shipped", "shipped value", "collected", "collected value",
         "parcels handed over", "share of web"],
        [
            [r.location, r.kind.value, r.shipped_units,
             money(r.shipped_value_minor, report.currency), r.collected_units,
             money(r.collected_value_minor, report.currency), r.parcel_units,
             percent(r.web_share)]
            for r in report.rows
        ],
        f"{report.web_units} web units served from stock, {report.store_units} from stores "
        f"({percent(report.store_share) or 'n/a'})",
    )  # fmt: skip


def _split_table(report: SplitRate) -> Tabular:
    return Tabular(
        f"Split orders at {_where(report.location)}, {report.start} to {report.end}",
        ["location", "orders served", "split", "split rate"],
        [[r.location, r.orders, r.split_orders, percent(r.split_rate)] for r in report.rows],
        f"{report.split_orders} of {report.orders} orders split "
        f"({percent(report.split_rate) or 'n/a'})",
    )


def _time_table(report: TimeToCustomer) -> Tabular:
    return Tabular(
        f"Time to customer at {_where(report.location)}, {report.start} to {report.end}",
        ["touchpoint", "location", "until", "jobs", "median hours", "90% within hours"],
        [
            [_words(r.touchpoint), r.location, r.stage.value, r.count, r.median_hours,
             r.p90_hours]
            for r in report.rows
        ],
    )  # fmt: skip


def _cancellations_table(report: Cancellations) -> Tabular:
    return Tabular(
        f"Cancellations and short picks at {_where(report.location)}, "
        f"{report.start} to {report.end}",
        ["location", "what", "reason", "count", "units"],
        [
            [r.location or "web (home)", _words(r.source), _words(r.reason), r.count, r.units]
            for r in report.rows
        ],
        f"{sum(r.units for r in report.rows)} units",
    )


def _offers_table(report: OfferOutcomes) -> Tabular:
    return Tabular(
        f"Offers at {_where(report.location)}, {report.start} to {report.end}",
        ["location", "received", "claimed", "lost", "expired", "open", "median minutes to claim"],
        [
            [r.location, r.received, r.claimed, r.lost, r.expired, r.open,
             optional(r.median_minutes_to_claim)]
            for r in report.rows
        ],
    )  # fmt: skip


def _rows(report: Any) -> Tabular:
    return model_rows(report.rows)


TOUCHPOINT_REPORTS = (
    ReportParts(
        "touchpoint-sales",
        "units and value per touchpoint (counter, order in store, web, click & collect)",
        (*WINDOW, BY),
        lambda c, a, now: touchpoint_sales(
            c, now, location=a.location, days=a.days, by=SalesPeriod(a.by)
        ),
        _sales_table,
        _rows,
    ),
    ReportParts(
        "store-contribution",
        "units and value each location served from its stock for web orders",
        WINDOW,
        lambda c, a, now: store_contribution(c, now, location=a.location, days=a.days),
        _contribution_table,
        _rows,
    ),
    ReportParts(
        "split-rate",
        "share of orders served from more than one location",
        WINDOW,
        lambda c, a, now: split_rate(c, now, location=a.location, days=a.days),
        _split_table,
        _rows,
    ),
    ReportParts(
        "time-to-customer",
        "hours from order to shipment and to collection, per touchpoint and store",
        WINDOW,
        lambda c, a, now: time_to_customer(c, now, location=a.location, days=a.days),
        _time_table,
        _rows,
    ),
    ReportParts(
        "cancellations",
        "jobs cancelled, lines short-picked and order lines unserved, by reason and store",
        WINDOW,
        lambda c, a, now: cancellations(c, now, location=a.location, days=a.days),
        _cancellations_table,
        _rows,
    ),
    ReportParts(
        "offers",
        "offers each store received, claimed, lost or let expire, and its time to claim",
        WINDOW,
        lambda c, a, now: offer_outcomes(c, now, location=a.location, days=a.days),
        _offers_table,
        _rows,
    ),
)
