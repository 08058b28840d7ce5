"""The ``ordersync report`` commands: the ledger's reports read from its database, shown as rich
tables or written as CSV or JSON.

``ordersync report NAME [options] [--format table|csv|json] [--output FILE]``. The command opens
the database read-only (like ``ordersync check``) and asks the same services as the API; there
is no device token here: whoever can read the database file or connect to it reads every
location.

The commands are table-driven: ``REPORTS`` maps each name to a ``ReportSpec`` (its options, the
service call, how its rows look as a table and as CSV). A new report registers one more spec with
``register``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection

from ordersync.clock import SystemClock
from ordersync.contract import (
    CODE_PATTERN,
    SKU_PATTERN,
    CoverReport,
    NetworkKpis,
    RebalancingReport,
    ReplenishmentReport,
    SalesTrend,
    StockoutReport,
    VarianceReport,
)
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.services.reports.cover import cover_report, stockout_risk_report
from ordersync.services.reports.kpis import network_kpis
from ordersync.services.reports.rebalancing import rebalancing_report
from ordersync.services.reports.replenishment import replenishment_report
from ordersync.services.reports.scope import today_at
from ordersync.services.reports.stockouts import stockout_report
from ordersync.services.reports.trend import sales_trend
from ordersync.services.reports.variance import variance_report

FORMATS = ("table", "csv", "json")
SPARKS = " ▁▂▃▄▅▆▇█"


# --- the registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One command-line option of a report: ``argparse.add_argument(*flags, **settings)``."""

    flags: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Tabular:
    """A report as rows: its title, column names, rows and a closing line."""

    title: str
    columns: list[str]
    rows: list[list[Any]]
    footer: str = ""


@dataclass(frozen=True)
class ReportSpec:
    name: str
    help: str
    options: tuple[Option, ...]
    run: Callable[[Connection, argparse.Namespace, datetime], BaseModel]
    """The service call, given the read connection, the parsed options and the time now."""
    table: Callable[[Any], Tabular]
    """The rows to show on screen."""
    csv: Callable[[Any], Tabular] = lambda report: _rows_csv(report)
    """The rows as CSV: by default the contract's row fields, raw values."""


REPORTS: dict[str, ReportSpec] = {}


def register(spec: ReportSpec) -> ReportSpec:
    REPORTS[spec.name] = spec
    return spec


# --- option types ------------------------------------------------------------------------------


def _matching(pattern: str, what: str) -> Callable[[str], str]:
    import re

    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if len(text) > 64 or not compiled.match(text):
            raise argparse.ArgumentTypeError(f"not a valid {what}: {text!r}")
        return text

    return check


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return check


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


location_code = _matching(CODE_PATTERN, "location code")
reference_code = _matching(SKU_PATTERN, "reference")

LOCATION = Option(("--location",), {"type": location_code, "required": True, "help": "e.g. PAR-01"})
ANY_LOCATION = Option(
    ("--location",),
    {"type": location_code, "help": "one location (default: the whole network)"},
)
REFERENCE = Option(
    ("--reference",), {"type": reference_code, "required": True, "help": "e.g. BRA-ELO"}
)


def _days(default: int, what: str = "complete days before today") -> Option:
    return Option(
        ("--days",), {"type": _bounded(1, 365), "default": default, "help": f"{what} ({default})"}
    )


def _limit(default: int, high: int = 10_000) -> Option:
    return Option(
        ("--limit",), {"type": _bounded(1, high), "default": default, "help": f"rows ({default})"}
    )


_DEFAULTS = ReportPolicy()
POLICY = (
    Option(
        ("--rate-days",),
        {
            "type": _bounded(1, 365),
            "help": f"days of sales the rate is taken over ({_DEFAULTS.rate_days})",
        },
    ),
    Option(
        ("--lead-time-days",),
        {
            "type": _bounded(0, 180),
            "help": f"days from order to shelf ({_DEFAULTS.lead_time_days})",
        },
    ),
    Option(
        ("--review-days",),
        {"type": _bounded(1, 180), "help": f"days between reviews ({_DEFAULTS.review_days})"},
    ),
)
SERVICE_LEVEL = Option(
    ("--service-level",),
    {
        "type": _bounded(50, 99),
        "help": f"percent chance of not running out ({round(_DEFAULTS.service_level * 100)})",
    },
)


def _policy(args: argparse.Namespace) -> ReportPolicy:
    level = getattr(args, "service_level", None)
    return _DEFAULTS.with_values(
        rate_days=args.rate_days,
        lead_time_days=args.lead_time_days,
        review_days=args.review_days,
        service_level=None if level is None else level / 100,
    )


# --- how values look ---------------------------------------------------------------------------


def money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.2f} {currency}"


def _maybe(value: Any, suffix: str = "") -> str:
    return "" if value is None else f"{value}{suffix}"


def percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100, 1)} %"


def spark(series: Sequence[int]) -> str:
    top = max(series, default=0)
    if top <= 0:
        return SPARKS[0] * len(series)
    return "".join(SPARKS[round(units / top * (len(SPARKS) - 1))] for units in series)


# --- the reports -------------------------------------------------------------------------------


def _trend_table(report: SalesTrend) -> Tabular:
    rows = [
        [r.sku, r.size, r.location, r.total, r.recent_units, r.previous_units,
         _maybe(r.change_pct, " %"), spark(r.series)]
        for r in report.rows
    ]  # fmt: skip
    return Tabular(
        f"Sales of {report.reference} ({report.name}), {report.start} to {report.end}",
        ["sku", "size", "location", "total", f"last {report.recent_days} d", "before",
         "change", "per day"],
        rows,
        f"{sum(report.series)} units; per day: {spark(report.series)}",
    )  # fmt: skip


def _trend_csv(report: SalesTrend) -> Tabular:
    days = [report.start + timedelta(days=n) for n in range(len(report.series))]
    return Tabular(
        "",
        ["sku", "size", "location", "total", "recent_units", "previous_units", "change_pct",
         *(day.isoformat() for day in days)],
        [
            [r.sku, r.size, r.location, r.total, r.recent_units, r.previous_units,
             _maybe(r.change_pct), *r.series]
            for r in report.rows
        ],
    )  # fmt: skip


def _cover_table(report: CoverReport) -> Tabular:
    return Tabular(
        f"Days of cover at {report.location} on {report.as_of} "
        f"(rate over {report.rate_days} days)",
        ["sku", "name", "size", "on hand", "available", "per day", "days of cover",
         "next delivery", "empty by", "at risk"],
        [
            [r.sku, r.name, r.size, r.on_hand, r.available, r.daily_rate,
             _maybe(r.days_of_cover), r.next_replenishment, _maybe(r.stockout_by),
             "yes" if r.at_risk else ""]
            for r in report.rows
        ],
        f"{len(report.rows)} positions, {sum(r.at_risk for r in report.rows)} at risk",
    )  # fmt: skip


def _fields(rows: Sequence[BaseModel]) -> Tabular:
    """Rows as CSV: one column per field of the contract's row, values as they are."""
    names = list(type(rows[0]).model_fields) if rows else []
    return Tabular("", names, [[getattr(row, name) for name in names] for row in rows])


def _rows_csv(report: Any) -> Tabular:
    return _fields(report.rows)


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
         "reserved", "order"],
        [
            [r.sku, r.name, r.daily_rate, r.lead_time_days, r.review_days, r.safety_units,
             r.order_up_to, r.on_hand, r.reserved, r.suggested_qty]
            for r in report.rows
        ],
        f"{sum(r.suggested_qty for r in report.rows)} units to order",
    )  # fmt: skip


def _rebalancing_table(report: RebalancingReport) -> Tabular:
    return Tabular(
        f"Rebalancing on {report.as_of}",
        ["sku", "size", "from", "to", "units", "why", "cover there", "cover here"],
        [
            [r.sku, r.size, r.from_location, r.to_location, r.qty,
             r.reason.replace("_", " "), _maybe(r.from_days_of_cover),
             _maybe(r.to_days_of_cover)]
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
             _maybe(k.avg_assign_to_ship_hours)]
            for k in report.locations
        ],
        f"fill rate {percent(report.fill_rate) or 'n/a'} ({report.lines_fulfilled} of "
        f"{report.order_lines} lines); orders saved in store: {report.store_orders} "
        f"({money(report.store_orders_value_minor, report.currency)}); hours from assignment "
        f"to shipment: {_maybe(report.avg_assign_to_ship_hours) or 'n/a'}",
    )  # fmt: skip


def _kpis_csv(report: NetworkKpis) -> Tabular:
    return _fields(report.locations)


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


def _variance_csv(report: VarianceReport) -> Tabular:
    return _fields(report.periods)


def _variance(connection: Connection, args: argparse.Namespace, now: datetime) -> BaseModel:
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
            _days(28),
            Option(
                ("--recent-days",),
                {"type": _bounded(1, 182), "default": 7, "help": "the recent period (7)"},
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
        (LOCATION, *POLICY, _limit(500)),
        lambda c, a, now: cover_report(
            c, now, location=a.location, policy=_policy(a), limit=a.limit
        ),
        _cover_table,
        _rows_csv,
    )
)
register(
    ReportSpec(
        "stockout-risk",
        "positions that run out before their next replenishment",
        (LOCATION, *POLICY, _limit(500)),
        lambda c, a, now: stockout_risk_report(
            c, now, location=a.location, policy=_policy(a), limit=a.limit
        ),
        _cover_table,
        _rows_csv,
    )
)
register(
    ReportSpec(
        "stockouts",
        "stock-outs that happened and the sales they probably cost",
        (LOCATION, _days(28), _limit(500)),
        lambda c, a, now: stockout_report(c, now, location=a.location, days=a.days, limit=a.limit),
        _stockouts_table,
    )
)
register(
    ReportSpec(
        "replenishment",
        "what to order: up to a level covering lead time, review period and safety stock",
        (LOCATION, *POLICY, SERVICE_LEVEL, _limit(1000)),
        lambda c, a, now: replenishment_report(
            c, now, location=a.location, policy=_policy(a), limit=a.limit
        ),
        _replenishment_table,
    )
)
register(
    ReportSpec(
        "rebalancing",
        "transfers between stores: sleeping stock and broken size runs",
        (REFERENCE, *POLICY, _limit(100, 1000)),
        lambda c, a, now: rebalancing_report(
            c, now, reference=a.reference, policy=_policy(a), limit=a.limit
        ),
        _rebalancing_table,
    )
)
register(
    ReportSpec(
        "kpis",
        "fill rate, short picks per location, orders saved in store, hours to shipment",
        (ANY_LOCATION, _days(30)),
        lambda c, a, now: network_kpis(c, now, days=a.days, location=a.location),
        _kpis_table,
        _kpis_csv,
    )
)
register(
    ReportSpec(
        "variance",
        "counted against expected at a location, per day or week",
        (
            LOCATION,
            _days(28, "days ending today"),
            Option(("--start",), {"type": _day, "help": "first day (YYYY-MM-DD)"}),
            Option(("--end",), {"type": _day, "help": "last day (default: today)"}),
            Option(("--period",), {"choices": ["day", "week"], "default": "day"}),
        ),
        _variance,
        _variance_table,
        _variance_csv,
    )
)


# --- the command -------------------------------------------------------------------------------


def add_commands(commands: Any) -> None:
    """Register ``report`` and one subcommand per report on the ``ordersync`` parser."""
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


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def render_csv(tabular: Tabular) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(tabular.columns)
    writer.writerows([[_plain(v) for v in row] for row in tabular.rows])
    return buffer.getvalue()


def render_table(tabular: Tabular, console: Console) -> None:
    table = Table(title=tabular.title, caption=tabular.footer or None, title_justify="left")
    for column in tabular.columns:
        table.add_column(column, overflow="fold")
    for row in tabular.rows:
        table.add_row(*(str(_plain(value)) for value in row))
    console.print(table)


def _write(spec: ReportSpec, report: BaseModel, fmt: str, out: TextIO, width: int | None) -> None:
    if fmt == "json":
        out.write(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        out.write(render_csv(spec.csv(report)))
    else:
        render_table(spec.table(report), Console(file=out, width=width, highlight=False))


def cmd_report(args: argparse.Namespace) -> int:
    # The command's shared helpers live in ordersync.cli, which imports this module.
    from ordersync.cli import EXIT_FAILED, EXIT_OK, _open_existing, _settings, errors

    spec = REPORTS[args.report]
    settings = _settings(args)
    engine = _open_existing(settings.database_url, writer=False)
    try:
        with engine.connect() as connection, connection.begin():
            report = spec.run(connection, args, SystemClock().now())
    finally:
        engine.dispose()
    if args.output is None:
        _write(spec, report, args.format, sys.stdout, None)
        return EXIT_OK
    try:
        with args.output.open("w", encoding="utf-8", newline="") as out:
            _write(spec, report, args.format, out, 200)
    except OSError as error:
        errors.print(f"[bold red]error:[/] cannot write {args.output}: {error.strerror}")
        return EXIT_FAILED
    return EXIT_OK
