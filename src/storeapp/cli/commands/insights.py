"""``storeapp insights``: the ledger's sales reports for this store, for managers: what runs out
before its next delivery, units sold a day per size, what to reorder, the transfers rebalancing
suggests for a reference, stock-outs and the sales they lost, what counts found against the
record. The ledger's 403 exits 5 ("managers only"); ``--json`` prints the report for scripts
(times in UTC, money in minor units).

``request-rebalancing REFERENCE LINE`` and ``request-replenishment`` turn a report's lines into
a transfer request queued in the outbox (as the terminal's ``t`` key does): a manager's device
or a manager signed in with ``--as``; anyone else exits 5, an already requested line exits 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from rich.table import Table
from rich.text import Text

from ordersync.contract.report_windows import (
    SALES_TREND_WINDOW,
    STOCKOUTS_WINDOW,
    TREND_RECENT_WINDOW,
    VARIANCE_WINDOW,
)
from storeapp.cli.arguments import Subcommands, add_command, add_json_option
from storeapp.cli.output import headed_table, print_json
from storeapp.cli.session import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    Cli,
    CliError,
    answered,
)
from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.services.report_requests import (
    ReportRequests,
    RequestMade,
    RequestRefusal,
    RequestRefused,
)
from storeapp.services.reports import Answer
from storeapp.wording.figures import (
    NO_VALUE,
    change_text,
    cover_days,
    day_text,
    number,
    percent,
    rate,
    signed,
)
from storeapp.wording.manager import (
    rebalancing_caption,
    replenishment_caption,
    request_made,
    request_refusal,
    risk_caption,
    transfer_reason,
    trend_row_label,
    trend_title,
)

T = TypeVar("T")
SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(series: list[int]) -> str:
    """Units per day as one character each (the highest day is a full block)."""
    most = max(series, default=0)
    if most <= 0:
        return SPARKS[0] * len(series)
    return "".join(SPARKS[min(round(v / most * 7), 7)] if v > 0 else " " for v in series)


def _report(
    cli: Cli, args: argparse.Namespace, ask: Callable[[StoreContext], Answer[T]]
) -> T | None:
    """The report to print as tables; None once it was printed as JSON (``--json``)."""
    with cli.store() as context:
        report = answered(ask(context))
    if args.json:
        print_json(cli, report)
        return None
    return report


def cmd_insights_risk(cli: Cli, args: argparse.Namespace) -> int:
    report = _report(cli, args, lambda context: context.reports.stockout_risk())
    if report is None:
        return EXIT_OK
    if not report.rows:
        cli.say(risk_caption(report))
        return EXIT_OK
    table = headed_table(
        (
            _("SKU"),
            _("Item"),
            _("Size"),
            _("On hand"),
            _("A day"),
            _("Cover"),
            _("Runs out"),
            _("Delivery"),
        ),
        title=risk_caption(report),
    )
    for row in report.rows:  # the ledger's order: what the risk costs first
        table.add_row(
            row.sku,
            row.name,
            row.size,
            number(row.on_hand),
            rate(row.daily_rate),
            Text(cover_days(row.days_of_cover), style="bold red"),
            NO_VALUE if row.stockout_by is None else day_text(row.stockout_by),
            day_text(row.next_replenishment),
        )
    cli.out.print(table)
    return EXIT_OK


def cmd_insights_trend(cli: Cli, args: argparse.Namespace) -> int:
    trend = _report(
        cli,
        args,
        lambda context: context.reports.trend(
            args.reference, days=args.days, recent_days=args.recent
        ),
    )
    if trend is None:
        return EXIT_OK
    cli.say(trend_title(trend), style="bold")
    table = Table(box=None, padding=(0, 2, 0, 0))
    table.add_column(_("Size"))
    table.add_column(_("Per day"))
    table.add_column(_("Total"), justify="right")
    table.add_column(_("Last {days} days", days=trend.recent_days), justify="right")
    table.add_column(_("Change"), justify="right")
    table.add_row(
        Text(_("All sizes"), style="bold"),
        sparkline(trend.series),
        number(sum(trend.series)),
        "",
        "",
    )
    for row in trend.rows:
        table.add_row(
            trend_row_label(row),
            sparkline(row.series),
            number(row.total),
            number(row.recent_units),
            change_text(row.change_pct),
        )
    cli.out.print(table)
    return EXIT_OK


def cmd_insights_replenishment(cli: Cli, args: argparse.Namespace) -> int:
    report = _report(cli, args, lambda context: context.reports.replenishment())
    if report is None:
        return EXIT_OK
    rows = [row for row in report.rows if row.suggested_qty > 0]
    if not rows:
        cli.say(replenishment_caption(rows))
        return EXIT_OK
    table = headed_table(
        (
            _("SKU"),
            _("Item"),
            _("A day"),
            _("On hand"),
            _("Reserved"),
            _("Up to"),
            _("Order"),
        ),
        title=replenishment_caption(rows),
    )
    for row in sorted(rows, key=lambda r: -r.suggested_qty):
        table.add_row(
            row.sku,
            row.name,
            rate(row.daily_rate),
            number(row.on_hand),
            number(row.reserved),
            number(row.order_up_to),
            Text(number(row.suggested_qty), style="bold"),
        )
    cli.out.print(table)
    return EXIT_OK


def cmd_insights_rebalancing(cli: Cli, args: argparse.Namespace) -> int:
    report = _report(cli, args, lambda context: context.reports.rebalancing(args.reference))
    if report is None:
        return EXIT_OK
    if not report.rows:
        cli.say(rebalancing_caption(args.reference, report))
        return EXIT_OK
    table = headed_table(
        (_("Line"), _("SKU"), _("Size"), _("From"), _("To"), _("Qty"), _("Why")),
        title=rebalancing_caption(args.reference, report),
    )
    for line, row in enumerate(report.rows, start=1):
        table.add_row(
            number(line),
            row.sku,
            row.size,
            row.from_location,
            row.to_location,
            Text(number(row.qty), style="bold"),
            transfer_reason(row.reason),
        )
    cli.out.print(table)
    return EXIT_OK


def _requests(context: StoreContext) -> ReportRequests:
    return ReportRequests(context.engine, context.location, context.now, context.shift)


def _made(cli: Cli, make: Callable[[], RequestMade]) -> int:
    try:
        made = make()
    except RequestRefused as refused:
        code = EXIT_REFUSED if refused.refusal is RequestRefusal.MANAGERS_ONLY else EXIT_FAILED
        raise CliError(request_refusal(refused), code) from None
    cli.say(request_made(made), style="bold")
    return EXIT_OK


def cmd_request_rebalancing(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        report = answered(context.reports.rebalancing(args.reference))
        if not 1 <= args.line <= len(report.rows):
            raise CliError(
                _(
                    "no line {line} in the rebalancing of {reference} ({count} line(s))",
                    line=args.line,
                    reference=args.reference,
                    count=len(report.rows),
                ),
                EXIT_USAGE,
            )
        suggestion = report.rows[args.line - 1]
        return _made(cli, lambda: _requests(context).request_suggestion(suggestion))


def cmd_request_replenishment(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        report = answered(context.reports.replenishment())
        return _made(
            cli, lambda: _requests(context).request_replenishment(report.rows, args.source)
        )


def cmd_insights_stockouts(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    report = _report(cli, args, lambda context: context.reports.stockouts(days=args.days))
    if report is None:
        return EXIT_OK
    cli.say(
        _(
            "Sales probably lost to stock-outs from {start} to {end}: {value}",
            start=day_text(report.start),
            end=day_text(report.end),
            value=t.money(report.lost_value_minor, report.currency),
        ),
        style="bold",
    )
    if report.rows:
        table = headed_table((_("SKU"), _("Item"), _("Days out"), _("Still out"), _("Lost")))
        for row in report.rows:
            table.add_row(
                row.sku,
                row.name,
                number(row.days_out),
                _("yes") if row.ongoing else _("no"),
                t.money(row.lost_value_minor, report.currency),
            )
        cli.out.print(table)
    return EXIT_OK


def cmd_insights_variance(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    report = _report(
        cli, args, lambda context: context.reports.variance(days=args.days, period=args.period)
    )
    if report is None:
        return EXIT_OK
    periods = [period for period in report.periods if period.counts]
    if not periods:
        cli.say(_("No count recorded at {location} in that time.", location=report.location))
        return EXIT_OK
    table = headed_table(
        (_("Period"), _("Counts"), _("Units off"), _("Value off"), _("Right")),
        title=_("Counts at {location}: counted against the record", location=report.location),
    )
    for period in periods:
        table.add_row(
            period.period,
            number(period.counts),
            signed(period.units_delta),
            t.money(period.value_delta_minor, report.currency),
            NO_VALUE if period.accuracy is None else percent(period.accuracy),
        )
    cli.out.print(table)
    return EXIT_OK


def add_commands(commands: Subcommands) -> None:
    insights = commands.add_parser(
        "insights",
        help=_("stock-out risk, sales trends, what to reorder (managers)"),
        description=_("The ledger's sales reports for this store (managers only)."),
    )
    reports = insights.add_subparsers(dest="report", metavar=_("REPORT"), required=True)
    risk = add_command(
        reports, "risk", cmd_insights_risk, help=_("what runs out before its next delivery")
    )
    trend = add_command(
        reports, "trend", cmd_insights_trend, help=_("units sold a day of a reference, per size")
    )
    trend.add_argument("reference", metavar="REFERENCE", help=_("the reference"))
    trend.add_argument(
        "--days",
        type=int,
        default=SALES_TREND_WINDOW.default,
        metavar="N",
        help=_("days shown ({days})", days=SALES_TREND_WINDOW.default),
    )
    trend.add_argument(
        "--recent",
        type=int,
        default=TREND_RECENT_WINDOW.default,
        metavar="N",
        help=_("recent days compared ({days})", days=TREND_RECENT_WINDOW.default),
    )
    replenish = add_command(
        reports,
        "replenishment",
        cmd_insights_replenishment,
        help=_("how much of each item to reorder"),
    )
    rebalancing = add_command(
        reports,
        "rebalancing",
        cmd_insights_rebalancing,
        help=_("transfers suggested for a reference, from or to this store"),
    )
    rebalancing.add_argument("reference", metavar="REFERENCE", help=_("the reference"))
    request_rebalancing = add_command(
        reports,
        "request-rebalancing",
        cmd_request_rebalancing,
        help=_("request the transfer of a rebalancing line (managers)"),
        makes_operations=True,
    )
    request_rebalancing.add_argument("reference", metavar="REFERENCE", help=_("the reference"))
    request_rebalancing.add_argument(
        "line", type=int, metavar="LINE", help=_("the line's number, as `rebalancing` prints it")
    )
    request_replenishment = add_command(
        reports,
        "request-replenishment",
        cmd_request_replenishment,
        help=_("request the suggested lines from the warehouse (managers)"),
        makes_operations=True,
    )
    request_replenishment.add_argument(
        "--from",
        dest="source",
        metavar="CODE",
        help=_("the warehouse to ask (default: the nearest)"),
    )
    stockouts = add_command(
        reports, "stockouts", cmd_insights_stockouts, help=_("stock-outs and the sales they lost")
    )
    stockouts.add_argument(
        "--days",
        type=int,
        default=STOCKOUTS_WINDOW.default,
        metavar="N",
        help=_("days ({days})", days=STOCKOUTS_WINDOW.default),
    )
    variance = add_command(
        reports, "variance", cmd_insights_variance, help=_("what counts found against the record")
    )
    variance.add_argument(
        "--days",
        type=int,
        default=VARIANCE_WINDOW.default,
        metavar="N",
        help=_("days ({days})", days=VARIANCE_WINDOW.default),
    )
    variance.add_argument(
        "--period", choices=("day", "week"), default="day", help=_("one row per day or week")
    )
    for report in (risk, trend, replenish, rebalancing, stockouts, variance):
        add_json_option(report)
