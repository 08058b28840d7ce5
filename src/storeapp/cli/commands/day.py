"""``storeapp day``: the store's day in its time zone, for managers: jobs by state with their age
against the service level (late first), lines rejected today and why, collections waiting, orders
placed in store today and the sales they saved, the devices, the deliveries expected today and
the transfers to send and to receive (late ones marked). Offline it prints this terminal's own
view with a warning; the ledger's 403 exits 5 ("managers only").

``--json`` prints the data for scripts; each job also carries ``age`` and ``to_due`` in whole
minutes (``to_due`` negative once late), the keys scripts read before jobs were the contract's
``QueueJob``.
"""

from __future__ import annotations

import argparse
from typing import Any

from babel.dates import format_date
from rich.table import Table
from rich.text import Text

from ordersync.contract import QueueJob
from storeapp.cli.arguments import Subcommands, add_command, add_json_option
from storeapp.cli.output import headed_table, plain, print_json
from storeapp.cli.session import EXIT_OK, Cli, refusal_error
from storeapp.i18n import _
from storeapp.services.day_queue import DayRefused, DayView, Source, job_age, time_to_due
from storeapp.services.motion_sheets import short_id as transfer_short_id
from storeapp.wording.figures import NO_VALUE, due_text, known_count, span
from storeapp.wording.incoming import window_text
from storeapp.wording.jobs import reject_reason, state_count, state_name
from storeapp.wording.manager import (
    collections_caption,
    day_source,
    deliveries_caption,
    devices_caption,
    late_mark,
    open_jobs_caption,
    rejections_caption,
    store_orders_caption,
    to_receive_caption,
    to_send_caption,
)


def cmd_day(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        answer = context.day.day(live=not args.offline)
    if isinstance(answer, DayRefused):
        raise refusal_error(answer.refusal, answer.detail)
    if args.json:
        print_json(cli, day_data(answer))
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


def day_data(view: DayView) -> dict[str, Any]:
    """The day as JSON holds it, each job with its ``age`` and ``to_due`` in whole minutes and
    its times written as they always were (``+00:00``, where the contract's models write ``Z``)."""
    data: dict[str, Any] = plain(view)
    for key, jobs in (
        ("open_jobs", view.open_jobs),
        ("collections_waiting", view.collections_waiting),
    ):
        for job, printed in zip(jobs, data[key], strict=True):
            printed.update(
                created_at=job.created_at.isoformat(),
                due_at=job.due_at.isoformat(),
                age=job.age_minutes,
                to_due=job.minutes_to_due,
            )
    return data


def _job_table(title: str, jobs: list[QueueJob], short_ids: dict[str, str]) -> Table:
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
            short_ids[str(job.id)],
            state_name(job.state),
            job.customer_name,
            span(job_age(job)),
            Text(due_text(time_to_due(job)), style=style),
            str(job.units),
            style=style,
        )
    return table


def print_day(cli: Cli, view: DayView) -> None:
    t = cli.translator
    short_ids = view.short_job_ids()
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
    cli.say(
        day_source(view, t.moment(view.generated_at)),
        style="dim" if view.source is Source.LIVE else "yellow",
    )
    states = ", ".join(
        state_count(state, count) for state, count in view.jobs_by_state.items() if count
    )
    cli.say(_("Jobs today: {states}", states=states or NO_VALUE))
    cli.say(_("Late: {count}", count=view.late_jobs), style="bold red" if view.late_jobs else "")
    if view.open_jobs:
        cli.out.print(_job_table(open_jobs_caption(len(view.open_jobs)), view.open_jobs, short_ids))
    else:
        cli.say(open_jobs_caption(0))
    if view.rejections:
        table = headed_table(
            (_("Time"), _("Job"), _("SKU"), _("Item"), _("Qty"), _("Reason")),
            title=rejections_caption(len(view.rejections)),
        )
        for rejection in view.rejections:
            table.add_row(
                NO_VALUE
                if rejection.rejected_at is None
                else t.moment(rejection.rejected_at, "HH:mm"),
                short_ids[rejection.job_id],
                rejection.sku,
                rejection.name,
                str(rejection.qty),
                reject_reason(rejection.reason),
            )
        cli.out.print(table)
    else:
        cli.say(rejections_caption(0))
    waiting = view.collections_waiting
    if waiting:
        cli.out.print(_job_table(collections_caption(len(waiting)), waiting, short_ids))
    else:
        cli.say(collections_caption(0))
    if view.store_orders is None:
        cli.say(store_orders_caption(view), style="dim")
    else:
        cli.say(
            _(
                "Orders placed in store today: {count}, sales saved {value}",
                count=len(view.store_orders),
                value=t.money(view.store_orders_value_minor or 0, view.currency or "EUR"),
            ),
            style="bold",
        )
    print_motion(cli, view)
    if view.devices is not None:
        table = headed_table(
            (_("Device"), _("Role"), _("Last seen"), _("To sync"), _("To check")),
            title=devices_caption(view),
        )
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
            tasks=known_count(view.open_count_tasks),
            suspect=view.suspect_positions,
        )
    )


def print_motion(cli: Cli, view: DayView) -> None:
    """Deliveries expected today, transfers to send and to receive; late ones in red."""
    t = cli.translator
    if view.deliveries:
        table = headed_table(
            (_("Reference"), _("From"), _("Expected"), _("Lines"), _("Units"), ""),
            title=deliveries_caption(view),
        )
        for delivery in view.deliveries:
            table.add_row(
                delivery.reference,
                delivery.source,
                window_text(delivery.expected_from, delivery.expected_until),
                str(delivery.lines),
                str(delivery.units),
                late_mark() if delivery.late else "",
                style="bold red" if delivery.late else "",
            )
        cli.out.print(table)
    else:
        cli.say(deliveries_caption(view))
    if view.to_send:
        table = headed_table(
            (_("Transfer"), _("To"), _("Requested"), _("Lines"), _("Units")),
            title=to_send_caption(view),
        )
        for transfer in view.to_send:
            table.add_row(
                transfer_short_id(str(transfer.id)),
                transfer.to_location,
                t.moment(transfer.requested_at, "d MMM HH:mm"),
                str(transfer.lines),
                str(transfer.units),
            )
        cli.out.print(table)
    else:
        cli.say(to_send_caption(view))
    if view.to_receive:
        table = headed_table(
            (_("Transfer"), _("From"), _("Due"), _("Units"), ""), title=to_receive_caption(view)
        )
        for transfer in view.to_receive:
            table.add_row(
                transfer_short_id(str(transfer.id)),
                transfer.from_location,
                NO_VALUE
                if transfer.expected_at is None
                else t.moment(transfer.expected_at, "d MMM HH:mm"),
                str(transfer.units),
                late_mark() if transfer.late else "",
                style="bold red" if transfer.late else "",
            )
        cli.out.print(table)
    else:
        cli.say(to_receive_caption(view))


def add_commands(commands: Subcommands) -> None:
    day = add_command(
        commands,
        "day",
        cmd_day,
        help=_(
            "the day's queue: late jobs, rejections, collections, sales saved, deliveries, "
            "transfers, devices"
        ),
        description=_(
            "The store's day in its time zone (managers): jobs by state with their age against "
            "the service level, late first; lines rejected today and why; collections "
            "waiting; orders placed in store today and the sales they saved; deliveries "
            "expected today and transfers to send and to receive, late ones marked; the "
            "devices. Offline: this terminal's own view."
        ),
    )
    add_json_option(day)
    day.add_argument(
        "--offline", action="store_true", help=_("this terminal's own view, without the ledger")
    )
