"""``storeapp jobs`` and ``storeapp job``: the store's queue of jobs to pick (oldest due first,
late ones flagged, who is picking each) and one job's pick list, as of the last sync; what was
changed here and not yet confirmed by the ledger is marked. ``storeapp takeover``: a manager
takes over a job another terminal is picking (exit 5 when only a manager may)."""

from __future__ import annotations

import argparse

from rich.table import Table
from rich.text import Text

from storeapp.cli.arguments import Subcommands, add_command
from storeapp.cli.session import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, Cli, CliError, sync_hint
from storeapp.i18n import _
from storeapp.services.picking import PickingRefused, PickRefusal
from storeapp.wording.figures import NO_VALUE, view_age_text
from storeapp.wording.jobs import (
    delivery_text,
    holder_text,
    job_state_label,
    kind_name,
    late_mark,
    parcels_text,
    pick_refusal,
    reject_reason,
    state_count,
    state_name,
    tracking_text,
)


def cmd_jobs(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    with cli.store() as context:
        queue = context.picking.queue(include_done=args.all)
        status = context.status.status()
    if not queue.jobs:
        cli.say(_("No job waiting at {location}.", location=status.location))
    else:
        table = Table(
            title=_(
                "Jobs of {location} ({count}), oldest due first",
                location=status.location,
                count=len(queue.jobs),
            ),
            title_justify="left",
        )
        table.add_column(_("Job"))
        table.add_column(_("Kind"))
        table.add_column(_("State"))
        table.add_column(_("Due"))
        table.add_column(_("Customer"))
        table.add_column(_("Lines"))
        table.add_column(_("Scanned"), justify="right")
        for job in queue.jobs:
            state = Text(
                (job_state_label(job) if job.held_by is None else holder_text(job.held_by))
                + (" *" if job.unconfirmed else "")
            )
            due = Text(t.moment(job.due_at))
            if job.late:
                state.append(" · " + late_mark(), style="bold red")
                due.stylize("bold red")
            table.add_row(
                job.short_id,
                kind_name(job.kind),
                state,
                due,
                job.customer_name,
                ", ".join(f"{line.qty} x {line.sku}" for line in job.open_lines) or NO_VALUE,
                f"{job.scanned_units}/{job.units}",
            )
        cli.out.print(table)
        cli.say(
            " · ".join(state_count(state, count) for state, count in sorted(queue.counts.items()))
            + " · "
            + _("late: {count}", count=queue.late)
        )
        if queue.unconfirmed:
            cli.say(_("* changed here, not yet confirmed by the ledger"), style="dim")
    cli.say(
        _("Jobs as of the last sync: {age}", age=view_age_text(status.view_age)),
        style="yellow" if status.view_age is None else "dim",
    )
    return EXIT_OK


def cmd_job(cli: Cli, args: argparse.Namespace) -> int:
    t = cli.translator
    with cli.store() as context:
        try:
            job_id = context.picking.resolve(args.job)
        except PickingRefused as error:
            raise CliError(pick_refusal(error, sync_hint())) from error
        job = context.picking.job(job_id)
    assert job is not None
    cli.say(
        _(
            "Job {job} ({kind}) for {customer}",
            job=job.id,
            kind=kind_name(job.kind),
            customer=job.customer_name,
        ),
        style="bold",
    )
    cli.say(_("Order {order}", order=job.order_id))
    shown = job_state_label(job) if job.held_by is None else holder_text(job.held_by)
    state = _("State: {state}", state=shown)
    cli.say(state, style="bold red" if job.late else "bold")
    if job.unconfirmed:
        cli.say(
            _(
                "(the ledger last said {state}; {count} action(s) made here not yet confirmed)",
                state=state_name(job.ledger_state),
                count=job.unconfirmed,
            ),
            style="dim",
        )
    due = _("Due {when}", when=t.moment(job.due_at))
    cli.say(due + (" · " + late_mark() if job.late else ""), style="bold red" if job.late else "")
    for fact in (delivery_text(job), parcels_text(job), tracking_text(job)):
        if fact is not None:
            cli.say(fact)
    table = Table(title=_("Pick list"), title_justify="left")
    table.add_column(_("Line"), justify="right")
    table.add_column(_("SKU"))
    table.add_column(_("Name"))
    table.add_column(_("Size"))
    table.add_column(_("Colour"))
    table.add_column(_("Qty"), justify="right")
    table.add_column(_("Scanned"), justify="right")
    table.add_column(_("State"))
    for line in job.lines:
        line_state = state_name(line.state)
        if line.reject_reason:
            line_state += f" ({reject_reason(line.reject_reason)})"
        if line.unconfirmed:
            line_state += " *"
        table.add_row(
            str(line.line_no),
            line.sku,
            line.name,
            line.size,
            line.colour,
            str(line.qty),
            str(line.scanned),
            line_state,
            style="" if line.is_open else "dim",
        )
    cli.out.print(table)
    if job.allowed:
        cli.say(
            _(
                "Next: {states}",
                states=", ".join(state_name(s) for s in sorted(job.allowed)),
            ),
            style="dim",
        )
    return EXIT_OK


def cmd_takeover(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        try:
            job_id = context.picking.resolve(args.job)
            taken = context.picking.take_over(job_id)
        except PickingRefused as error:
            code = EXIT_REFUSED if error.code is PickRefusal.MANAGERS_ONLY else EXIT_FAILED
            raise CliError(pick_refusal(error, sync_hint()), code) from error
    cli.say(
        _(
            "Job {job} taken over: this terminal picks it now; the ledger hears of it with the "
            "next sync.",
            job=taken.job.short_id,
        ),
        style="bold green",
    )
    return EXIT_OK


def add_commands(commands: Subcommands) -> None:
    jobs = add_command(
        commands,
        "jobs",
        cmd_jobs,
        help=_("the store's queue of jobs to pick, oldest due first"),
        description=_(
            "The jobs the network routed to this store (web orders to ship, orders to hand "
            "over here), oldest due first, late ones flagged, as of the last sync."
        ),
    )
    jobs.add_argument(
        "--all", action="store_true", help=_("also list the jobs that are done or cancelled")
    )
    job = add_command(
        commands,
        "job",
        cmd_job,
        help=_("one job: its pick list and state"),
        description=_("A job's pick list (lines, units scanned) and its state."),
    )
    job.add_argument("job", metavar="JOB_ID", help=_("the job's id, or its first characters"))
    takeover = add_command(
        commands,
        "takeover",
        cmd_takeover,
        help=_("take over a job another terminal is picking (managers)"),
        description=_(
            "A manager takes over a job another terminal is picking: this terminal picks it "
            "from now on and the other one's next steps are refused. Managers only."
        ),
        makes_operations=True,
    )
    takeover.add_argument("job", metavar="JOB_ID", help=_("the job's id, or its first characters"))
