"""``storeapp count``: the count tasks open at this store (after a short pick, a sale below zero,
or a cycle-count plan), recording what was found on the shelf, and planning cycle counts
(managers). The ledger turns a count into the right difference, even while the store sells.

Without the ledger, ``count tasks`` prints the list it last gave, with a warning.
"""

from __future__ import annotations

import argparse

from storeapp.cli.arguments import Subcommands, add_command, add_json_option, counted_units
from storeapp.cli.output import headed_table, print_json
from storeapp.cli.session import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Cli,
    CliError,
    answered,
    refusal_error,
    sync_hint,
)
from storeapp.i18n import _
from storeapp.services.counting import CountRefusal, CountRefused
from storeapp.wording.counts import count_refusal, submitted_text, task_reason


def _count_error(error: CountRefused) -> CliError:
    usage = error.code is CountRefusal.BAD_QUANTITY
    return CliError(count_refusal(error, sync_hint()), EXIT_USAGE if usage else EXIT_FAILED)


def cmd_count_tasks(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    with cli.store() as context:
        tasks = context.counting.tasks()
    if args.json:
        print_json(cli, tasks)
        return EXIT_OK
    if tasks.refusal is not None and tasks.fetched_at is None:
        raise refusal_error(tasks.refusal, tasks.detail)
    if not tasks.tasks:
        cli.say(_("No count task open."))
    else:
        table = headed_table(
            (_("SKU"), _("Item"), _("Size"), _("Why"), _("Opened"), _("Counted")),
            title=_("Count tasks ({count})", count=len(tasks.tasks)),
        )
        for task in tasks.tasks:
            table.add_row(
                task.sku,
                task.name,
                task.size,
                task_reason(task.reason),
                t.moment(task.opened_at),
                submitted_text(task.submitted),
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
        scheduled = answered(context.counting.schedule(args.limit))
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


def add_commands(commands: Subcommands) -> None:
    count = add_command(
        commands,
        "count",
        cmd_count_tasks,
        help=_("count tasks, and record what was found on the shelf"),
        description=_(
            "Count tasks (after a short pick, a sale below zero, or a cycle-count plan) and "
            "counts: the ledger turns what was found into the right difference, even while "
            "the store sells."
        ),
    )
    count.set_defaults(json=False)
    actions = count.add_subparsers(dest="count_command", metavar=_("ACTION"))
    tasks = add_command(
        actions, "tasks", cmd_count_tasks, help=_("the count tasks open at this store")
    )
    add_json_option(tasks)
    submit = add_command(
        actions,
        "submit",
        cmd_count_submit,
        help=_("record a count: what was found of one item"),
        description=_(
            "Record that COUNTED units of the item were found on the shelf now; it is sent "
            "to the ledger at the next sync."
        ),
        makes_operations=True,
    )
    submit.add_argument("item", metavar="SKU_OR_BARCODE", help=_("SKU or barcode of the item"))
    submit.add_argument("counted", type=counted_units, metavar="COUNTED", help=_("units found"))
    schedule = add_command(
        actions,
        "schedule",
        cmd_count_schedule,
        help=_("plan cycle counts, the fastest sellers first (managers)"),
        makes_operations=True,
    )
    schedule.add_argument(
        "--limit", type=int, default=20, metavar="N", help=_("open tasks to top up to (20)")
    )
