"""``storeapp receive``: what the store expects (deliveries, transfers on their way), one of them
in detail, and closing a receipt with what was counted, or a blind receipt of what arrived with
no document. A receipt is recorded here at once and sent to the ledger with the next sync.

Forms: ``receive list``, ``receive show DOC``, ``receive DOC --line SKU=QTY ... [--reason
SKU=REASON ...]``, ``receive --blind --source CODE [--reference REF] --line SKU=QTY ...``. DOC
is a delivery's reference, the start of an id, or the short id lists show; a GTIN does wherever
a SKU does.
"""

from __future__ import annotations

import argparse

from storeapp.cli.arguments import Subcommands, add_command
from storeapp.cli.motion import (
    motion_error,
    parse_lines,
    parse_reasons,
    print_documents,
    print_receipt,
    receiving_desk,
)
from storeapp.cli.output import headed_table, print_json
from storeapp.cli.session import EXIT_OK, EXIT_USAGE, Cli, CliError
from storeapp.i18n import _
from storeapp.services.motion_sheets import MotionRefused
from storeapp.wording.motion import document_name, eta_text, state_text


def _list(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        documents = receiving_desk(context).expected()
    if args.json:
        print_json(cli, documents)
        return EXIT_OK
    if not documents:
        cli.say(_("Nothing expected at this store."))
        return EXIT_OK
    print_documents(cli, documents, _("Expected here ({count})", count=len(documents)))
    return EXIT_OK


def _show(cli: Cli, args: argparse.Namespace, query: str) -> int:
    with cli.store() as context:
        try:
            document = receiving_desk(context).find(query)
        except MotionRefused as error:
            raise motion_error(error) from error
    if args.json:
        print_json(cli, document)
        return EXIT_OK
    cli.say(document_name(document), style="bold")
    cli.say(
        _(
            "{state}, from {source}, expected {eta}; id {id}",
            state=state_text(document.state),
            source=document.source,
            eta=eta_text(document),
            id=document.id,
        )
    )
    table = headed_table((_("Line"), _("SKU"), _("Expected"), _("Sent"), _("Received")))
    for line in document.lines:
        table.add_row(
            str(line.line_no),
            line.sku,
            str(line.expected),
            "" if line.sent is None else str(line.sent),
            "" if line.received is None else str(line.received),
        )
    cli.out.print(table)
    return EXIT_OK


def cmd_receive(cli: Cli, args: argparse.Namespace) -> int:
    words: list[str] = list(args.words)
    if words == ["list"] and not args.blind:
        cli.sign_in = None  # reading: nobody needs to sign in
        return _list(cli, args)
    if len(words) == 2 and words[0] == "show" and not args.blind:
        cli.sign_in = None
        return _show(cli, args, words[1])
    lines = parse_lines(args.line)
    reasons = parse_reasons(args.reason)
    if args.blind:
        if words:
            raise CliError(_("a blind receipt names no document"), EXIT_USAGE)
        if not args.source:
            raise CliError(
                _("a blind receipt needs --source (a supplier code or a location)"), EXIT_USAGE
            )
    elif len(words) != 1:
        raise CliError(
            _("say what to receive: receive list | show DOC | DOC --line SKU=QTY | --blind"),
            EXIT_USAGE,
        )
    if not lines:
        raise CliError(_("say what arrived with --line SKU=QTY"), EXIT_USAGE)
    with cli.store() as context:
        desk = receiving_desk(context)
        try:
            if args.blind:
                closed = desk.receive_blind(args.source, args.reference, lines, reasons)
            else:
                closed = desk.receive_now(words[0], lines, reasons)
        except MotionRefused as error:
            raise motion_error(error) from error
    print_receipt(cli, closed)
    return EXIT_OK


def add_commands(commands: Subcommands) -> None:
    receive = add_command(
        commands,
        "receive",
        cmd_receive,
        help=_("deliveries and transfers expected here, and receiving them"),
        description=_(
            "receive list: what the store expects, soonest first. receive show DOC: one "
            "document. receive DOC --line SKU=QTY ...: close its receipt with what was counted. "
            "receive --blind --source CODE --line SKU=QTY ...: what arrived with no document. "
            "DOC is a delivery reference or an id (its start will do)."
        ),
        makes_operations=True,
    )
    receive.add_argument(
        "words", nargs="*", metavar="list | show DOC | DOC", help=_("what to do, and which one")
    )
    receive.add_argument(
        "--line",
        action="append",
        metavar="SKU=QTY",
        help=_("units counted of an item (repeat per item; a barcode does for the SKU)"),
    )
    receive.add_argument(
        "--reason",
        action="append",
        metavar="SKU=REASON",
        help=_(
            "why an item differs from the document: missing, damaged, extra, wrong_item, "
            "not_in_stock, other"
        ),
    )
    receive.add_argument("--blind", action="store_true", help=_("a delivery no document announced"))
    receive.add_argument(
        "--source", metavar="CODE", help=_("who sent a blind delivery: supplier or location")
    )
    receive.add_argument(
        "--reference", metavar="REF", help=_("the number on a blind delivery's paperwork")
    )
    receive.add_argument("--json", action="store_true", help=_("print the data as JSON"))
