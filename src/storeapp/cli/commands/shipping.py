"""``storeapp pack``, ``storeapp ship`` and ``storeapp label``: a picked web order packed into
parcels, then handed to the carrier with its tracking number, which writes one carrier label per
parcel (the path is printed); ``label`` writes a shipped job's labels again (a reprint). Packing
and shipping are sent to the ledger at the next sync; a label is written from the cache alone.
"""

from __future__ import annotations

import argparse

from storeapp.cli.arguments import Subcommands, add_command, positive_int
from storeapp.cli.session import EXIT_OK, EXIT_REFUSED, Cli, CliError, sync_hint
from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.services.labels.printing import LabelRefused, LabelsWritten
from storeapp.services.picking import PickingRefused
from storeapp.wording.jobs import parcels_text, pick_refusal, step_recorded
from storeapp.wording.labels import label_failed, label_refusal, label_words, labels_to_print


def _job_id(context: StoreContext, reference: str) -> str:
    try:
        return context.picking.resolve(reference)
    except PickingRefused as error:
        raise CliError(pick_refusal(error, sync_hint())) from error


def _recorded(cli: Cli, state: str) -> None:
    cli.say(step_recorded(state), style="bold green")


def cmd_pack(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        job_id = _job_id(context, args.job)
        try:
            recorded = context.picking.pack(job_id, args.parcels, args.weight)
        except PickingRefused as error:
            raise CliError(pick_refusal(error, sync_hint()), EXIT_REFUSED) from error
    _recorded(cli, recorded.job.state)
    packed = parcels_text(recorded.job)
    if packed is not None:
        cli.say(packed)
    return EXIT_OK


def cmd_ship(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        job_id = _job_id(context, args.job)
        try:
            recorded = context.picking.ship(job_id, args.tracking)
        except PickingRefused as error:
            raise CliError(pick_refusal(error, sync_hint()), EXIT_REFUSED) from error
        _recorded(cli, recorded.job.state)
        try:
            written = context.labels.write(job_id, label_words())
        except LabelRefused as error:
            raise CliError(label_refusal(error)) from error
        except OSError as error:
            raise CliError(label_failed(error)) from error
    _print_labels(cli, written)
    return EXIT_OK


def cmd_label(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        job_id = _job_id(context, args.job)
        try:
            written = context.labels.write(job_id, label_words())
        except LabelRefused as error:
            raise CliError(label_refusal(error)) from error
    _print_labels(cli, written)
    return EXIT_OK


def _print_labels(cli: Cli, written: LabelsWritten) -> None:
    cli.say(labels_to_print(len(written.paths)))
    for path in written.paths:
        # The bare paths, one a line, for a script to hand to the printer.
        cli.out.print(str(path), markup=False, highlight=False, soft_wrap=True)


def add_commands(commands: Subcommands) -> None:
    pack = add_command(
        commands,
        "pack",
        cmd_pack,
        help=_("pack a picked job: its parcels and their weight"),
        description=_(
            "Pack a picked web order: how many parcels and their total weight in grams. "
            "It is sent to the ledger at the next sync."
        ),
        makes_operations=True,
    )
    pack.add_argument("job", metavar="JOB_ID", help=_("the job's id, or its first characters"))
    pack.add_argument(
        "--parcels", type=positive_int, default=1, metavar="N", help=_("parcels (default 1)")
    )
    pack.add_argument(
        "--weight",
        type=positive_int,
        required=True,
        metavar="GRAMS",
        help=_("the total weight of the parcels, in grams"),
    )
    ship = add_command(
        commands,
        "ship",
        cmd_ship,
        help=_("hand a packed job to the carrier and write its labels"),
        description=_(
            "Hand a packed job to the carrier with its tracking number: one label per parcel "
            "is written (the paths are printed), and the shipment is sent to the ledger at the "
            "next sync."
        ),
        makes_operations=True,
    )
    ship.add_argument("job", metavar="JOB_ID", help=_("the job's id, or its first characters"))
    ship.add_argument("tracking", metavar="TRACKING", help=_("the carrier's tracking number"))
    label = add_command(
        commands,
        "label",
        cmd_label,
        help=_("write a shipped job's carrier labels again"),
        description=_(
            "Write the carrier labels of a shipped job again, one per parcel, and print "
            "where they are."
        ),
    )
    label.add_argument("job", metavar="JOB_ID", help=_("the job's id, or its first characters"))
