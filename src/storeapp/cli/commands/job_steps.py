"""``storeapp short-pick`` and ``storeapp cancel-job``: a line of a job that cannot be served from
here, with its reason (not found, damaged, not the item ordered, other), and a job called off,
with the store's reason; what the terminal's x and c keys do. Both are queued for the ledger and
sent at the next sync; a job another terminal is picking, or in a state that does not allow it,
is refused before anything is queued (exit 5)."""

from __future__ import annotations

import argparse

from ordersync.contract import CancelReason, RejectReason
from ordersync.contract.vocabulary import STORE_CANCEL_REASONS
from storeapp.cli.arguments import Subcommands, add_command, positive_int
from storeapp.cli.session import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, Cli, CliError, sync_hint
from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.services.picking import MAX_NOTE, PickingRefused
from storeapp.wording.jobs import (
    cancel_reason,
    other_reason_unsaid,
    pick_refusal,
    short_pick_recorded,
    step_recorded,
)


def _job_id(context: StoreContext, reference: str) -> str:
    try:
        return context.picking.resolve(reference)
    except PickingRefused as error:
        raise CliError(pick_refusal(error, sync_hint())) from error


def cmd_short_pick(cli: Cli, args: argparse.Namespace) -> int:
    reason = RejectReason(args.reason)
    note = (args.note or "").strip() or None
    if reason is RejectReason.OTHER and note is None:
        raise CliError(other_reason_unsaid(), EXIT_USAGE)
    with cli.store() as context:
        job_id = _job_id(context, args.job)
        try:
            context.picking.short_pick(job_id, args.line, reason, note)
        except PickingRefused as error:
            raise CliError(pick_refusal(error, sync_hint()), EXIT_REFUSED) from error
    cli.say(short_pick_recorded(), style="bold green")
    return EXIT_OK


def cmd_cancel_job(cli: Cli, args: argparse.Namespace) -> int:
    reason = CancelReason(args.reason)
    with cli.store() as context:
        job_id = _job_id(context, args.job)
        try:
            recorded = context.picking.cancel(job_id, reason)
        except PickingRefused as error:
            raise CliError(pick_refusal(error, sync_hint()), EXIT_REFUSED) from error
    cli.say(step_recorded(recorded.job.state), style="bold green")
    cli.say(_("Reason: {reason}", reason=cancel_reason(reason)))
    return EXIT_OK


def _reasons(reasons: list[str]) -> str:
    """``not_found (not found), damaged (damaged), ...``: each code a command takes, and what
    it means."""
    return ", ".join(f"{code} ({cancel_reason(code)})" for code in reasons)


def add_commands(commands: Subcommands) -> None:
    short = add_command(
        commands,
        "short-pick",
        cmd_short_pick,
        help=_("short pick a line of a job: it cannot be served from here"),
        description=_(
            "A line of a job that cannot be served from this store: the ledger gives its units "
            "back, flags the shelf for a count and routes the line elsewhere. Sent at the next "
            "sync."
        ),
        makes_operations=True,
    )
    short.add_argument("job", metavar="JOB_ID", help=_("the job's id, or its first characters"))
    short.add_argument("line", metavar="LINE", type=positive_int, help=_("the line's number"))
    short_reasons = [reason.value for reason in RejectReason]
    short.add_argument(
        "--reason",
        required=True,
        choices=short_reasons,
        metavar="REASON",
        help=_("why: {reasons}", reasons=_reasons(short_reasons)),
    )
    short.add_argument(
        "--note",
        metavar="TEXT",
        help=_("a note (at most {most} characters; required for other)", most=MAX_NOTE),
    )
    cancel = add_command(
        commands,
        "cancel-job",
        cmd_cancel_job,
        help=_("cancel a picked or ready job: its units go back to the shelf"),
        description=_(
            "Cancel a job that is picked (or ready for collection), with the reason: its units "
            "go back to the shelf. Sent at the next sync."
        ),
        makes_operations=True,
    )
    cancel.add_argument("job", metavar="JOB_ID", help=_("the job's id, or its first characters"))
    cancel_reasons = [reason.value for reason in STORE_CANCEL_REASONS]
    cancel.add_argument(
        "--reason",
        required=True,
        choices=cancel_reasons,
        metavar="REASON",
        help=_("why: {reasons}", reasons=_reasons(cancel_reasons)),
    )
