"""The manager's commands of ``storeapp``: the day's queue (``day``), counts (``count tasks``,
``count submit``, ``count schedule``) and the sales reports (``insights risk|trend|replenishment|
stockouts|variance``). Registered by ``storeapp.cli.build_parser``; they use its session
(``Cli``), its errors and exit codes.

Reports are the ledger's and for managers: the ledger's 403 exits 5 with "managers only". The
day's queue offline prints this terminal's partial view with a warning. ``--json`` prints the
data for scripts (times in UTC, ISO 8601; money in minor units).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from babel.dates import format_date
from pydantic import BaseModel
from rich.table import Table
from rich.text import Text

from storeapp.cli import (
    EXIT_FAILED,
    EXIT_OFFLINE,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    Cli,
    CliError,
    state_name,
)
from storeapp.i18n import _
from storeapp.services.counting import CountRefusal, CountRefused
from storeapp.services.day_queue import DayJob, DayRefused, DayView, Source
from storeapp.services.reports import Answer, Refusal

T = TypeVar("T")
SPARKS = "▁▂▃▄▅▆▇█"
NO_VALUE = "–"  # noqa: RUF001 (an en dash: "no value")


# --- Shared wording ------------------------------------------------------------------------------


def _refusal_error(refusal: Refusal | None, detail: str) -> CliError:
    if refusal is Refusal.MANAGERS_ONLY:
        return CliError(
            _(
                "managers only: this terminal's token is not a manager's of this store "
                "(the ledger refused it)"
            ),
            EXIT_REFUSED,
        )
    if refusal is Refusal.OFFLINE:
        return CliError(_("cannot reach the ledger: {reason}", reason=detail), EXIT_OFFLINE)
    if refusal is Refusal.UNAVAILABLE:
        return CliError(
            _("this ledger does not offer it yet: it needs a newer version"), EXIT_FAILED
        )
    if refusal is Refusal.NOT_FOUND:
        return CliError(_("not found: {reason}", reason=detail), EXIT_FAILED)
    return CliError(_("the ledger refused: {detail}", detail=detail), EXIT_REFUSED)


def _answered(answer: Answer[T]) -> T:
    if answer.value is None:
        raise _refusal_error(answer.refusal, answer.detail)
    return answer.value


def span(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, rest = divmod(minutes, 60)
    if hours:
        return _("{hours} h {minutes:02d}", hours=hours, minutes=rest)
    return _("{minutes} min", minutes=rest)


def _due(to_due: timedelta) -> str:
    if to_due < timedelta(0):
        return _("late {span}", span=span(-to_due))
    return _("in {span}", span=span(to_due))


def sparkline(series: list[int]) -> str:
    """Units per day as one character each (the highest day is a full block)."""
    most = max(series, default=0)
    if most <= 0:
        return SPARKS[0] * len(series)
    return "".join(SPARKS[min(round(v / most * 7), 7)] if v > 0 else " " for v in series)


def _plain(value: Any) -> Any:
    """Data as JSON can hold it: dataclasses and models as objects, times as ISO strings."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return {key: _plain(item) for key, item in asdict(value).items()}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return value


def _print_json(cli: Cli, value: Any) -> None:
    cli.out.print_json(json.dumps(_plain(value), ensure_ascii=False))


# --- day -----------------------------------------------------------------------------------------


def cmd_day(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        answer = context.day.day(live=not args.offline)
    if isinstance(answer, DayRefused):
        raise _refusal_error(answer.refusal, answer.detail)
    if args.json:
        _print_json(cli, answer)
    else:
        print_day(cli, answer)
    if answer.source is Source.CACHE and not args.offline:
        cli.warn(
            _(
                "the ledger did not answer ({reason}): this is this terminal's own view",
                reason=answer.offline_reason or _("offline"),
            )
        )
    return EXIT_OK


def _job_table(cli: Cli, title: str, jobs: list[DayJob]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(_("Job"))
    table.add_column(_("State"))
    table.add_column(_("Customer"))
    table.add_column(_("Age"), justify="right")
    table.add_column(_("Due"))
    table.add_column(_("Units"), justify="right")
    for job in jobs:
        style = "bold red" if job.late else ""
        table.add_row(
            job.short_id,
            state_name(job.state),
            job.customer_name,
            span(job.age),
            Text(_due(job.to_due), style=style),
            str(job.units),
            style=style,
        )
    return table


def print_day(cli: Cli, view: DayView) -> None:
    t = cli.translator
    day = format_date(view.day, "EEEE d MMMM y", locale=t.locale)
    cli.say(
        _(
            "The day's queue of {store} ({name}), {day}",
            store=view.location,
            name=view.location_name,
            day=day,
        ),
        style="bold",
    )
    if view.source is Source.LIVE:
        cli.say(_("From the ledger at {time}.", time=t.moment(view.generated_at)), style="dim")
    else:
        age = _("never synced") if view.view_age is None else span(view.view_age)
        cli.say(
            _(
                "OFFLINE: this terminal's own view ({age} old); other devices, orders saved "
                "and count tasks are known when the ledger answers.",
                age=age,
            ),
            style="yellow",
        )
    states = ", ".join(
        _("{state}: {count}", state=state_name(state), count=count)
        for state, count in view.jobs_by_state.items()
        if count
    )
    cli.say(_("Jobs today: {states}", states=states or NO_VALUE))
    cli.say(_("Late: {count}", count=view.late_jobs), style="bold red" if view.late_jobs else "")
    if view.open_jobs:
        cli.out.print(_job_table(cli, _("Jobs to work on, late first"), view.open_jobs))
    else:
        cli.say(_("No job to work on."))
    if view.rejections:
        table = Table(title=_("Rejected today"), title_justify="left")
        for header in (_("Time"), _("Job"), _("SKU"), _("Item"), _("Qty"), _("Reason")):
            table.add_column(header)
        for rejection in view.rejections:
            table.add_row(
                NO_VALUE
                if rejection.rejected_at is None
                else t.moment(rejection.rejected_at, "HH:mm"),
                rejection.job_id[:8],
                rejection.sku,
                rejection.name,
                str(rejection.qty),
                _reject_reason(rejection.reason),
            )
        cli.out.print(table)
    else:
        cli.say(_("Nothing rejected today."))
    if view.collections_waiting:
        cli.out.print(_job_table(cli, _("Waiting for collection"), view.collections_waiting))
    else:
        cli.say(_("No collection waiting."))
    if view.store_orders is None:
        cli.say(_("Orders saved today: known when the ledger answers."), style="dim")
    else:
        cli.say(
            _(
                "Orders placed in store today: {count}, sales saved {value}",
                count=len(view.store_orders),
                value=t.money(view.store_orders_value_minor or 0, view.currency or "EUR"),
            ),
            style="bold",
        )
    if view.devices is not None:
        table = Table(title=_("Devices"), title_justify="left")
        for header in (_("Device"), _("Role"), _("Last seen"), _("To sync"), _("To check")):
            table.add_column(header)
        for device in view.devices:
            table.add_row(
                device.device,
                device.role,
                t.moment(device.last_seen_at, "HH:mm"),
                str(device.pending_ops),
                Text(
                    str(device.needs_attention), style="bold red" if device.needs_attention else ""
                ),
            )
        cli.out.print(table)
    mine = view.this_device
    cli.say(
        _(
            "This terminal: {pending} to sync, {attention} to check",
            pending=mine.pending,
            attention=mine.attention,
        )
    )
    cli.say(
        _(
            "Count tasks open: {tasks} · suspect positions: {suspect}",
            tasks=NO_VALUE if view.open_count_tasks is None else view.open_count_tasks,
            suspect=view.suspect_positions,
        )
    )


def _reject_reason(reason: str) -> str:
    names = {"not_found": _("not found"), "damaged": _("damaged"), "other": _("other reason")}
    return names.get(reason, reason)


# --- count ---------------------------------------------------------------------------------------


def _count_error(error: CountRefused) -> CliError:
    facts = error.facts
    code = error.code
    if code is CountRefusal.UNSENT_OPERATIONS:
        return CliError(
            _(
                "{count} operation(s) on {sku} made here are not sent yet: run "
                "`storeapp sync --once`, then count it (counted now, those sales would be "
                "taken twice)",
                count=facts.get("count", 0),
                sku=facts.get("sku", ""),
            )
        )
    if code is CountRefusal.NEVER_SYNCED:
        return CliError(
            _("this terminal has never synced: run `storeapp sync --once` before counting")
        )
    if code is CountRefusal.NOT_EXACT:
        return CliError(
            _(
                "{query} is not a SKU or a barcode (did you mean {sku}?)",
                query=facts.get("query", ""),
                sku=facts.get("sku", ""),
            )
        )
    if code in (CountRefusal.INVALID_BARCODE, CountRefusal.UNKNOWN_BARCODE):
        return CliError(
            _("{code} is not a barcode of this store's catalog", code=facts.get("query", ""))
        )
    if code is CountRefusal.BAD_QUANTITY:
        return CliError(_("a count is of 0 units or more"), EXIT_USAGE)
    return CliError(
        _("nothing in the catalog matches {query}", query=facts.get("query", "")), EXIT_FAILED
    )


def _task_reason(reason: str) -> str:
    names = {
        "short_pick": _("short pick"),
        "below_zero": _("sold below zero"),
        "cycle": _("cycle count"),
    }
    return names.get(reason, reason)


def cmd_count_tasks(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    with cli.store() as context:
        tasks = context.counting.tasks()
    if args.json:
        _print_json(cli, tasks)
        return EXIT_OK
    if tasks.refusal is not None and tasks.fetched_at is None:
        raise _refusal_error(tasks.refusal, tasks.detail)
    if not tasks.tasks:
        cli.say(_("No count task open."))
    else:
        table = Table(
            title=_("Count tasks ({count})", count=len(tasks.tasks)), title_justify="left"
        )
        for header in (_("SKU"), _("Item"), _("Size"), _("Why"), _("Opened"), _("Counted")):
            table.add_column(header)
        for task in tasks.tasks:
            table.add_row(
                task.sku,
                task.name,
                task.size,
                _task_reason(task.reason),
                t.moment(task.opened_at),
                _("sent with the sync") if task.submitted else "",
            )
        cli.out.print(table)
    if not tasks.live and tasks.fetched_at is not None:
        cli.warn(
            _(
                "the ledger did not answer: the list it gave at {time}",
                time=t.moment(tasks.fetched_at),
            )
        )
    return EXIT_OK


def cmd_count_submit(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        try:
            recorded = context.counting.count_now(args.item, args.counted)
        except CountRefused as error:
            raise _count_error(error) from error
        waiting = context.status.status().waiting
    cli.say(
        _(
            "Count recorded: {counted} x {sku}, as of feed position {seq}.",
            counted=recorded.counted,
            sku=recorded.sku,
            seq=recorded.as_of_seq,
        ),
        style="bold green",
    )
    cli.say(_("Waiting to be sent to the ledger: {count}", count=waiting))
    return EXIT_OK


def cmd_count_schedule(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        scheduled = _answered(context.counting.schedule(args.limit))
    cli.say(
        _(
            "{count} cycle count(s) planned at {location}, the fastest sellers first.",
            count=len(scheduled.opened),
            location=scheduled.location,
        ),
        style="bold",
    )
    for task in scheduled.opened:
        cli.say(f"  • {task.sku}")
    return EXIT_OK


def _counted(value: str) -> int:
    try:
        counted = int(value)
    except ValueError:
        counted = -1
    if counted < 0:
        raise argparse.ArgumentTypeError(
            _("{value} is not a whole number of 0 or more", value=value)
        )
    return counted


# --- insights ------------------------------------------------------------------------------------


def _day(cli: Cli, day: date) -> str:
    return format_date(day, "d MMM", locale=cli.translator.locale)


def _days(value: float | None) -> str:
    return NO_VALUE if value is None else _("{days} d", days=round(value, 1))


def cmd_insights_risk(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        report = _answered(context.reports.stockout_risk())
    if args.json:
        _print_json(cli, report)
        return EXIT_OK
    if not report.rows:
        cli.say(_("Nothing runs out before its next delivery."))
        return EXIT_OK
    table = Table(
        title=_(
            "Run out before the next delivery at {location} (sales rate of the last {days} days)",
            location=report.location,
            days=report.rate_days,
        ),
        title_justify="left",
    )
    for header in (
        _("SKU"),
        _("Item"),
        _("Size"),
        _("On hand"),
        _("A day"),
        _("Cover"),
        _("Runs out"),
        _("Delivery"),
    ):
        table.add_column(header)
    for row in sorted(report.rows, key=lambda r: (r.days_of_cover is None, r.days_of_cover)):
        table.add_row(
            row.sku,
            row.name,
            row.size,
            str(row.on_hand),
            str(round(row.daily_rate, 1)),
            Text(_days(row.days_of_cover), style="bold red"),
            NO_VALUE if row.stockout_by is None else _day(cli, row.stockout_by),
            _day(cli, row.next_replenishment),
        )
    cli.out.print(table)
    return EXIT_OK


def cmd_insights_trend(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        trend = _answered(
            context.reports.trend(args.reference, days=args.days, recent_days=args.recent)
        )
    if args.json:
        _print_json(cli, trend)
        return EXIT_OK
    cli.say(
        _(
            "{reference} ({name}), units sold a day from {start} to {end}",
            reference=trend.reference,
            name=trend.name,
            start=_day(cli, trend.start),
            end=_day(cli, trend.end),
        ),
        style="bold",
    )
    table = Table(box=None, padding=(0, 2, 0, 0))
    table.add_column(_("Size"))
    table.add_column(_("Per day"))
    table.add_column(_("Total"), justify="right")
    table.add_column(_("Last {days} days", days=trend.recent_days), justify="right")
    table.add_column(_("Change"), justify="right")
    table.add_row(
        Text(_("All sizes"), style="bold"),
        sparkline(trend.series),
        str(sum(trend.series)),
        "",
        "",
    )
    for row in trend.rows:
        change = NO_VALUE if row.change_pct is None else f"{row.change_pct:+.0f} %"
        table.add_row(
            f"{row.size} {row.location}",
            sparkline(row.series),
            str(row.total),
            str(row.recent_units),
            change,
        )
    cli.out.print(table)
    return EXIT_OK


def cmd_insights_replenishment(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        report = _answered(context.reports.replenishment())
    if args.json:
        _print_json(cli, report)
        return EXIT_OK
    rows = [row for row in report.rows if row.suggested_qty > 0]
    if not rows:
        cli.say(_("Nothing to reorder today."))
        return EXIT_OK
    table = Table(
        title=_("To reorder at {location}", location=report.location), title_justify="left"
    )
    for header in (
        _("SKU"),
        _("Item"),
        _("A day"),
        _("On hand"),
        _("Reserved"),
        _("Up to"),
        _("Order"),
    ):
        table.add_column(header)
    for row in sorted(rows, key=lambda r: -r.suggested_qty):
        table.add_row(
            row.sku,
            row.name,
            str(round(row.daily_rate, 1)),
            str(row.on_hand),
            str(row.reserved),
            str(row.order_up_to),
            Text(str(row.suggested_qty), style="bold"),
        )
    cli.out.print(table)
    return EXIT_OK


def cmd_insights_stockouts(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    with cli.store() as context:
        report = _answered(context.reports.stockouts(days=args.days))
    if args.json:
        _print_json(cli, report)
        return EXIT_OK
    cli.say(
        _(
            "Sales probably lost to stock-outs from {start} to {end}: {value}",
            start=_day(cli, report.start),
            end=_day(cli, report.end),
            value=t.money(report.lost_value_minor, report.currency),
        ),
        style="bold",
    )
    if report.rows:
        table = Table()
        for header in (_("SKU"), _("Item"), _("Days out"), _("Still out"), _("Lost")):
            table.add_column(header)
        for row in report.rows:
            table.add_row(
                row.sku,
                row.name,
                str(row.days_out),
                _("yes") if row.ongoing else _("no"),
                t.money(row.lost_value_minor, report.currency),
            )
        cli.out.print(table)
    return EXIT_OK


def cmd_insights_variance(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    with cli.store() as context:
        report = _answered(context.reports.variance(days=args.days, period=args.period))
    if args.json:
        _print_json(cli, report)
        return EXIT_OK
    periods = [period for period in report.periods if period.counts]
    if not periods:
        cli.say(_("No count recorded at {location} in that time.", location=report.location))
        return EXIT_OK
    table = Table(
        title=_("Counts at {location}: counted against the record", location=report.location),
        title_justify="left",
    )
    for header in (_("Period"), _("Counts"), _("Units off"), _("Value off"), _("Right")):
        table.add_column(header)
    for period in periods:
        table.add_row(
            period.period,
            str(period.counts),
            f"{period.units_delta:+d}",
            t.money(period.value_delta_minor, report.currency),
            NO_VALUE if period.accuracy is None else f"{period.accuracy:.0%}",
        )
    cli.out.print(table)
    return EXIT_OK


# --- Parser --------------------------------------------------------------------------------------


def add_commands(commands: Any) -> None:
    """Add ``day``, ``count`` and ``insights`` to ``storeapp``'s sub-commands."""
    day = commands.add_parser(
        "day",
        help=_("the day's queue: late jobs, rejections, collections, sales saved, devices"),
        description=_(
            "The store's day in its time zone (managers): jobs by state with their age against "
            "the service level, late first; lines rejected today and why; collections "
            "waiting; orders placed in store today and the sales they saved; the devices. "
            "Offline: this terminal's own view."
        ),
    )
    day.add_argument("--json", action="store_true", help=_("print the data as JSON"))
    day.add_argument(
        "--offline", action="store_true", help=_("this terminal's own view, without the ledger")
    )
    day.set_defaults(handler=cmd_day)

    count = commands.add_parser(
        "count",
        help=_("count tasks, and record what was found on the shelf"),
        description=_(
            "Count tasks (after a short pick, a sale below zero, or a cycle-count plan) and "
            "counts: the ledger turns what was found into the right difference, even while "
            "the store sells."
        ),
    )
    count.set_defaults(handler=cmd_count_tasks, json=False)
    actions = count.add_subparsers(dest="count_command", metavar=_("ACTION"))
    tasks = actions.add_parser("tasks", help=_("the count tasks open at this store"))
    tasks.add_argument("--json", action="store_true", help=_("print the data as JSON"))
    tasks.set_defaults(handler=cmd_count_tasks)
    submit = actions.add_parser(
        "submit",
        help=_("record a count: what was found of one item"),
        description=_(
            "Record that COUNTED units of the item were found on the shelf now; it is sent "
            "to the ledger at the next sync."
        ),
    )
    submit.add_argument("item", metavar="SKU_OR_BARCODE", help=_("SKU or barcode of the item"))
    submit.add_argument("counted", type=_counted, metavar="COUNTED", help=_("units found"))
    submit.set_defaults(handler=cmd_count_submit)
    schedule = actions.add_parser(
        "schedule", help=_("plan cycle counts, the fastest sellers first (managers)")
    )
    schedule.add_argument(
        "--limit", type=int, default=20, metavar="N", help=_("open tasks to top up to (20)")
    )
    schedule.set_defaults(handler=cmd_count_schedule)

    insights = commands.add_parser(
        "insights",
        help=_("stock-out risk, sales trends, what to reorder (managers)"),
        description=_("The ledger's sales reports for this store (managers only)."),
    )
    reports = insights.add_subparsers(dest="report", metavar=_("REPORT"), required=True)
    risk = reports.add_parser("risk", help=_("what runs out before its next delivery"))
    risk.set_defaults(handler=cmd_insights_risk)
    trend = reports.add_parser("trend", help=_("units sold a day of a reference, per size"))
    trend.add_argument("reference", metavar="REFERENCE", help=_("the reference"))
    trend.add_argument("--days", type=int, default=28, metavar="N", help=_("days shown (28)"))
    trend.add_argument(
        "--recent", type=int, default=7, metavar="N", help=_("recent days compared (7)")
    )
    trend.set_defaults(handler=cmd_insights_trend)
    replenish = reports.add_parser("replenishment", help=_("how much of each item to reorder"))
    replenish.set_defaults(handler=cmd_insights_replenishment)
    stockouts = reports.add_parser("stockouts", help=_("stock-outs and the sales they lost"))
    stockouts.add_argument("--days", type=int, default=30, metavar="N", help=_("days (30)"))
    stockouts.set_defaults(handler=cmd_insights_stockouts)
    variance = reports.add_parser("variance", help=_("what counts found against the record"))
    variance.add_argument("--days", type=int, default=28, metavar="N", help=_("days (28)"))
    variance.add_argument(
        "--period", choices=("day", "week"), default="day", help=_("one row per day or week")
    )
    variance.set_defaults(handler=cmd_insights_variance)
    for parser in (risk, trend, replenish, stockouts, variance):
        parser.add_argument("--json", action="store_true", help=_("print the data as JSON"))
