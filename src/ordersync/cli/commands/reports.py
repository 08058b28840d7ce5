"""``ordersync report NAME``: the ledger's reports read from its database, shown as rich tables or
written as CSV or JSON.

``ordersync report NAME [options] [--format table|csv|json] [--output FILE]``. The command opens
the database read-only (like ``ordersync check``) and asks the same services as the API; there
is no device token here: whoever can read the database file or connect to it reads every
location.

The commands are table-driven: ``REPORTS`` maps each name to a ``ReportSpec`` (its options, the
service call, how its rows look as a table and as CSV). A new report is one more
``register(ReportSpec(...))`` row below, with its table (and, if need be, CSV) rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TextIO

from pydantic import BaseModel
from rich.console import Console
from sqlalchemy import Connection

from ordersync.cli.common import EXIT_FAILED, EXIT_OK, Subcommands, errors, existing_ledger
from ordersync.cli.report_options import (
    ANY_LOCATION,
    LOCATION,
    POLICY,
    REFERENCE,
    SERVICE_LEVEL,
    Option,
    bounded,
    day,
    days,
    limit,
    policy_of,
)
from ordersync.cli.tabular import (
    Tabular,
    model_rows,
    money,
    optional,
    percent,
    render_csv,
    render_table,
    spark,
)
from ordersync.cli.touchpoint_reports import TOUCHPOINT_REPORTS
from ordersync.clock import SystemClock
from ordersync.contract import (
    CoverReport,
    NetworkKpis,
    RebalancingReport,
    ReplenishmentReport,
    ReturnRateReport,
    SalesTrend,
    StockoutReport,
    VarianceReport,
)
from ordersync.contract.report_windows import (
    KPIS_WINDOW,
    RETURNS_WINDOW,
    SALES_TREND_WINDOW,
    STOCKOUTS_WINDOW,
    TREND_RECENT_WINDOW,
    VARIANCE_WINDOW,
)
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.services.reports.cover import cover_report, stockout_risk_report
from ordersync.services.reports.kpis import network_kpis
from ordersync.services.reports.rebalancing import rebalancing_report
from ordersync.services.reports.replenishment import replenishment_report
from ordersync.services.reports.returns import return_rate_report
from ordersync.services.reports.scope import today_at
from ordersync.services.reports.stockouts import stockout_report
from ordersync.services.reports.trend import sales_trend
from ordersync.services.reports.variance import variance_report

FORMATS = ("table", "csv", "json")
FILE_WIDTH = 200
"""Columns of a table written to a file, where no terminal gives a width."""

Run = Callable[[Connection, argparse.Namespace, datetime], BaseModel]
"""A report's service call, given the read connection, the parsed options and the time now."""


def _rows_csv(report: Any) -> Tabular:
    return model_rows(report.rows)


@dataclass(frozen=True)
class ReportSpec:
    """One report of the command: its name and help, its options, its service call and how its
    reply looks as rows."""

    name: str
    help: str
    options: tuple[Option, ...]
    run: Run
    table: Callable[[Any], Tabular]
    """The rows to show on screen."""
    csv: Callable[[Any], Tabular] = _rows_csv
    """The rows as CSV: by default the contract's row fields, raw values."""


REPORTS: dict[str, ReportSpec] = {}


def register(spec: ReportSpec) -> ReportSpec:
    REPORTS[spec.name] = spec
    return spec


class _ReportAtLocation(Protocol):
    def __call__(
        self,
        connection: Connection,
        now: datetime,
        *,
        location: str,
        policy: ReportPolicy,
        limit: int,
    ) -> BaseModel: ...


def _at_location(service: _ReportAtLocation) -> Run:
    """The call of a report on one location, under the policy and row limit of the options."""

    def run(connection: Connection, args: argparse.Namespace, now: datetime) -> BaseModel:
        return service(
            connection, now, location=args.location, policy=policy_of(args), limit=args.limit
        )

    return run


# --- the reports -------------------------------------------------------------------------------


def _trend_table(report: SalesTrend) -> Tabular:
    rows = [
        [r.sku, r.size, r.colour, r.location, r.total, r.recent_units, r.previous_units,
         optional(r.change_pct, " %"), spark(r.series)]
        for r in report.rows
    ]  # fmt: skip
    return Tabular(
        f"Sales of {report.reference} ({report.name}), {report.start} to {report.end}",
        ["sku", "size", "colour", "location", "total", f"last {report.recent_days} d", "before",
         "change", "per day"],
        rows,
        f"{sum(report.series)} units; per day: {spark(report.series)}",
    )  # fmt: skip


def _trend_csv(report: SalesTrend) -> Tabular:
    dates = [report.start + timedelta(days=n) for n in range(len(report.series))]
    return Tabular(
        "",
        # colour after the figures: scripts reading the columns by position keep working
        ["sku", "size", "location", "total", "recent_units", "previous_units", "change_pct",
         "colour", *(date.isoformat() for date in dates)],
        [
            [r.sku, r.size, r.location, r.total, r.recent_units, r.previous_units,
             optional(r.change_pct), r.colour, *r.series]
            for r in report.rows
        ],
    )  # fmt: skip


def _cover_table(report: CoverReport) -> Tabular:
    return Tabular(
        f"Days of cover at {report.location} on {report.as_of} "
        f"(rate over {report.rate_days} days)",
        ["sku", "name", "size", "on hand", "available", "per day", "days of cover",
         "next delivery", "empty by", "at risk", "value at risk"],
        [
            [r.sku, r.name, r.size, r.on_hand,
             f"{r.available} (overdrawn)" if r.overdrawn else r.available, r.daily_rate,
             optional(r.days_of_cover), r.next_replenishment, optional(r.stockout_by),
             "yes" if r.at_risk else "",
             money(r.value_at_risk_minor, r.currency) if r.value_at_risk_minor else ""]
            for r in report.rows
        ],
        f"{len(report.rows)} positions, {sum(r.at_risk for r in report.rows)} at risk",
    )  # fmt: skip


def _stockouts_table(report: StockoutReport) -> Tabular:
    return Tabular(
        f"Stock-outs at {report.location}, {report.start} to {report.end}",
        ["sku", "name", "from", "to", "days out", "ongoing", "per day in stock", "lost units",
         "lost value"],
        [
            [r.sku, r.name, r.first_day, r.last_day, r.days_out, "yes" if r.ongoing else "",
             r.daily_rate, r.lost_units, money(r.lost_value_minor, report.currency)]
            for r in report.rows
        ],
        f"lost sales, estimated: {money(report.lost_value_minor, report.currency)}",
    )  # fmt: skip


def _replenishment_table(report: ReplenishmentReport) -> Tabular:
    return Tabular(
        f"Replenishment at {report.location} on {report.as_of}",
        ["sku", "name", "per day", "lead", "review", "safety", "order up to", "on hand",
         "reserved", "on order", "in transit", "requested", "order"],
        [
            [r.sku, r.name, r.daily_rate, r.lead_time_days, r.review_days, r.safety_units,
             r.order_up_to, r.on_hand, r.reserved, r.on_order, r.in_transit, r.requested,
             r.suggested_qty]
            for r in report.rows
        ],
        f"{sum(r.suggested_qty for r in report.rows)} units to order"
        + (" (demand includes shipments to stores)" if report.demand_includes_shipments else ""),
    )  # fmt: skip


def _rebalancing_table(report: RebalancingReport) -> Tabular:
    return Tabular(
        f"Rebalancing on {report.as_of}",
        ["sku", "size", "from", "to", "units", "why", "cover there", "cover at source"],
        [
            [r.sku, r.size, r.from_location, r.to_location, r.qty,
             r.reason.replace("_", " "), optional(r.to_days_of_cover, " d") or "no sales",
             optional(r.from_days_of_cover, " d") or "no sales"]
            for r in report.rows
        ],
        f"{len(report.rows)} transfers, {sum(r.qty for r in report.rows)} units",
    )  # fmt: skip


def _kpis_table(report: NetworkKpis) -> Tabular:
    return Tabular(
        f"Fulfilment, {report.start} to {report.end}",
        ["location", "jobs", "lines", "short picked", "short-pick rate", "hours to ship"],
        [
            [k.location, k.jobs, k.job_lines, k.lines_rejected, percent(k.rejection_rate),
             optional(k.avg_assign_to_ship_hours)]
            for k in report.locations
        ],
        f"fill rate {percent(report.fill_rate) or 'n/a'} ({report.lines_fulfilled} of "
        f"{report.order_lines} lines); orders saved in store: {report.store_orders} "
        f"({money(report.store_orders_value_minor, report.currency)}); hours from assignment "
        f"to shipment: {optional(report.avg_assign_to_ship_hours) or 'n/a'}",
    )  # fmt: skip


def _variance_table(report: VarianceReport) -> Tabular:
    return Tabular(
        f"Count variance at {report.location}, {report.start} to {report.end}",
        ["period", "counts", "expected", "counted", "difference", "value", "accuracy"],
        [
            [p.period, p.counts, p.units_expected, p.units_counted, p.units_delta,
             money(p.value_delta_minor, report.currency), percent(p.accuracy)]
            for p in report.periods
        ],
        f"{len(report.counts)} counts",
    )  # fmt: skip


def _returns_table(report: ReturnRateReport) -> Tabular:
    where = report.location or "the network"
    return Tabular(
        # ``since`` is a UTC moment; its date is the day before the window in zones east of UTC.
        f"Returns at {where}, the {report.days} complete days before today",
        ["reference", "name", "sold", "returned", "return rate", "reasons"],
        [
            [r.reference, r.name, r.sold_units, r.returned_units,
             percent(r.return_rate) if r.sold_units else "",
             ", ".join(f"{reason} {units}" for reason, units in r.by_reason.items())]
            for r in report.rows
        ],
        f"{sum(r.returned_units for r in report.rows)} units returned, "
        f"{sum(r.sold_units for r in report.rows)} sold of the references returned",
    )  # fmt: skip


def _returns_csv(report: ReturnRateReport) -> Tabular:
    reasons = sorted({reason for r in report.rows for reason in r.by_reason})
    return Tabular(
        "",
        ["reference", "name", "sold_units", "returned_units", "return_rate",
         *(f"reason_{reason}" for reason in reasons)],
        [
            [r.reference, r.name, r.sold_units, r.returned_units, r.return_rate,
             *(r.by_reason.get(reason, 0) for reason in reasons)]
            for r in report.rows
        ],
    )  # fmt: skip


def _variance(connection: Connection, args: argparse.Namespace, now: datetime) -> VarianceReport:
    end = args.end or today_at(connection, now, args.location)
    start = args.start or end - timedelta(days=args.days - 1)
    return variance_report(connection, args.location, start, end, period=args.period)


register(
    ReportSpec(
        "sales-trend",
        "units sold per day of a reference's sizes, and their recent change",
        (
            REFERENCE,
            ANY_LOCATION,
            days(SALES_TREND_WINDOW.default),
            Option(
                ("--recent-days",),
                {
                    "type": bounded(1, TREND_RECENT_WINDOW.longest),
                    "default": TREND_RECENT_WINDOW.default,
                    "help": f"the recent period ({TREND_RECENT_WINDOW.default})",
                },
            ),
        ),
        lambda c, a, now: sales_trend(
            c,
            now,
            reference=a.reference,
            location=a.location,
            days=a.days,
            recent_days=a.recent_days,
        ),
        _trend_table,
        _trend_csv,
    )
)
register(
    ReportSpec(
        "cover",
        "days of cover of every position at a location",
        (LOCATION, *POLICY, limit(500)),
        _at_location(cover_report),
        _cover_table,
    )
)
register(
    ReportSpec(
        "stockout-risk",
        "positions that run out before their next replenishment",
        (LOCATION, *POLICY, limit(500)),
        _at_location(stockout_risk_report),
        _cover_table,
    )
)
register(
    ReportSpec(
        "stockouts",
        "stock-outs that happened and the sales they probably cost",
        (LOCATION, days(STOCKOUTS_WINDOW.default), limit(500)),
        lambda c, a, now: stockout_report(c, now, location=a.location, days=a.days, limit=a.limit),
        _stockouts_table,
    )
)
register(
    ReportSpec(
        "replenishment",
        "what to order: up to a level covering lead time, review period and safety stock",
        (LOCATION, *POLICY, SERVICE_LEVEL, limit(1000)),
        _at_location(replenishment_report),
        _replenishment_table,
    )
)
register(
    ReportSpec(
        "rebalancing",
        "transfers between stores: sleeping stock and broken size runs",
        (REFERENCE, *POLICY, limit(100, 1000)),
        lambda c, a, now: rebalancing_report(
            c, now, reference=a.reference, policy=policy_of(a), limit=a.limit
        ),
        _rebalancing_table,
    )
)
register(
    ReportSpec(
        "kpis",
        "fill rate, short picks per location, orders saved in store, hours to shipment",
        (ANY_LOCATION, days(KPIS_WINDOW.default)),
        lambda c, a, now: network_kpis(c, now, days=a.days, location=a.location),
        _kpis_table,
        lambda report: model_rows(report.locations),
    )
)
register(
    ReportSpec(
        "returns",
        "units returned per reference against units sold, with the reasons given",
        (ANY_LOCATION, days(RETURNS_WINDOW.default), limit(500)),
        lambda c, a, now: return_rate_report(
            c, now, location=a.location, days=a.days, limit=a.limit
        ),
        _returns_table,
        _returns_csv,
    )
)
register(
    ReportSpec(
        "variance",
        "counted against expected at a location, per day or week",
        (
            LOCATION,
            days(VARIANCE_WINDOW.default, "days ending today"),
            Option(("--start",), {"type": day, "help": "first day (YYYY-MM-DD)"}),
            Option(("--end",), {"type": day, "help": "last day (default: today)"}),
            Option(("--period",), {"choices": ["day", "week"], "default": "day"}),
        ),
        _variance,
        _variance_table,
        lambda report: model_rows(report.periods),
    )
)
for parts in TOUCHPOINT_REPORTS:
    register(ReportSpec(*parts))


# --- the command -------------------------------------------------------------------------------


def add_commands(commands: Subcommands) -> None:
    """``report``, with one subcommand per registered report."""
    report = commands.add_parser(
        "report",
        help="sales intelligence and fulfilment reports",
        description="Read a report from the ledger's database (opened read-only).",
    )
    names = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    for spec in REPORTS.values():
        sub = names.add_parser(spec.name, help=spec.help, description=spec.help)
        for option in spec.options:
            sub.add_argument(*option.flags, **option.settings)
        sub.add_argument("--format", choices=FORMATS, default="table", help="(table)")
        sub.add_argument("--output", type=Path, help="write to this file instead of the screen")
        sub.set_defaults(handler=cmd_report)


def _write(spec: ReportSpec, report: BaseModel, fmt: str, out: TextIO, width: int | None) -> None:
    if fmt == "json":
        out.write(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        out.write(render_csv(spec.csv(report)))
    else:
        render_table(spec.table(report), Console(file=out, width=width, highlight=False))


def cmd_report(args: argparse.Namespace) -> int:
    spec = REPORTS[args.report]
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        report = spec.run(connection, args, SystemClock().now())
    if args.output is None:
        _write(spec, report, args.format, sys.stdout, None)
        return EXIT_OK
    try:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            _write(spec, report, args.format, out, FILE_WIDTH)
    except OSError as error:
        errors.print(f"[bold red]error:[/] cannot write {args.output}: {error.strerror}")
        return EXIT_FAILED
    return EXIT_OK
