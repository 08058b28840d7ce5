"""``storeapp transfer``: the transfers from and to this store; asking for one (managers), sending
one by what was picked, receiving one by what was counted, calling off one still requested
(managers). Each is recorded here at once and sent to the ledger with the next sync, which
checks who may do it.

ID is the start of a transfer's id or the short id the list shows; a GTIN does wherever a SKU
does.
"""

from __future__ import annotations

import argparse

from storeapp.cli.arguments import Subcommands, add_command, add_json_option
from storeapp.cli.motion import (
    motion_error,
    parse_lines,
    parse_reasons,
    print_documents,
    print_receipt,
    receiving_desk,
    transfer_desk,
)
from storeapp.cli.output import print_json
from storeapp.cli.session import EXIT_OK, EXIT_USAGE, Cli, CliError
from storeapp.i18n import _
from storeapp.services.motion_sheets import MotionRefusal, MotionRefused
from storeapp.wording.motion import (
    cancelled_text,
    requested_text,
    sent_text,
    shelf_short_text,
)


def _need_lines(args: argparse.Namespace) -> list[tuple[str, int]]:
    lines = parse_lines(args.line)
    if not lines:
        raise CliError(_("say which units with --line SKU=QTY"), EXIT_USAGE)
    return lines


def cmd_transfer_list(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        desk = transfer_desk(context)
        to_send, coming = desk.to_send(), desk.requested_here()
    if args.json:
        print_json(cli, {"to_send": to_send, "coming": coming})
        return EXIT_OK
    if not to_send and not coming:
        cli.say(_("No transfer to send or on its way here."))
        return EXIT_OK
    if to_send:
        print_documents(cli, to_send, _("To send ({count})", count=len(to_send)))
    if coming:
        print_documents(cli, coming, _("Coming here ({count})", count=len(coming)))
    return EXIT_OK


def cmd_transfer_request(cli: Cli, args: argparse.Namespace) -> int:
    lines = _need_lines(args)
    with cli.store() as context:
        try:
            queued = transfer_desk(context).request(
                args.from_location.upper(),
                (args.to_location or context.location).upper(),
                lines,
                note=args.note,
            )
        except MotionRefused as error:
            raise motion_error(error) from error
    cli.say(requested_text(str(queued.transfer_id)), style="bold green")
    cli.say(_("Transfer id: {id}", id=queued.transfer_id))
    return EXIT_OK


def cmd_transfer_send(cli: Cli, args: argparse.Namespace) -> int:
    lines = _need_lines(args)
    with cli.store() as context:
        try:
            sent = transfer_desk(context).send_now(args.id, lines)
        except MotionRefused as error:
            raise motion_error(error) from error
    cli.say(sent_text(sent.units), style="bold green")
    for short in sent.short:
        cli.warn(shelf_short_text(short.sku, short.on_hand, short.sending))
    return EXIT_OK


def cmd_transfer_receive(cli: Cli, args: argparse.Namespace) -> int:
    lines = _need_lines(args)
    reasons = parse_reasons(args.reason)
    with cli.store() as context:
        desk = receiving_desk(context)
        try:
            document = desk.find(args.id)
            if document.kind != "transfer":
                raise MotionRefused(MotionRefusal.NO_DOCUMENT, "not a transfer", query=args.id)
            closed = desk.receive_now(document.id, lines, reasons)
        except MotionRefused as error:
            raise motion_error(error) from error
    print_receipt(cli, closed)
    return EXIT_OK


def cmd_transfer_cancel(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        try:
            cancelled = transfer_desk(context).cancel(args.id, args.reason)
        except MotionRefused as error:
            raise motion_error(error) from error
    cli.say(cancelled_text(cancelled.transfer_id), style="bold green")
    return EXIT_OK


def _add_lines(command: argparse.ArgumentParser, help: str) -> None:
    command.add_argument("--line", action="append", metavar="SKU=QTY", help=help)


def add_commands(commands: Subcommands) -> None:
    transfer = add_command(
        commands,
        "transfer",
        cmd_transfer_list,
        help=_("transfers between this store and others: request, send, receive, cancel"),
    )
    transfer.set_defaults(json=False)
    actions = transfer.add_subparsers(dest="transfer_command", metavar=_("ACTION"))
    listing = add_command(
        actions, "list", cmd_transfer_list, help=_("transfers to send, and those coming here")
    )
    add_json_option(listing)
    request = add_command(
        actions,
        "request",
        cmd_transfer_request,
        help=_("ask for units to move from one location to another (managers)"),
        makes_operations=True,
    )
    request.add_argument("--from", dest="from_location", required=True, metavar="LOCATION")
    request.add_argument(
        "--to", dest="to_location", metavar="LOCATION", help=_("where to (this store if not given)")
    )
    _add_lines(request, _("units asked for of an item (repeat per item)"))
    request.add_argument("--note", help=_("a note for the sender (200 characters at most)"))
    send = add_command(
        actions,
        "send",
        cmd_transfer_send,
        help=_("send a transfer with the units picked"),
        makes_operations=True,
    )
    send.add_argument("id", metavar="ID", help=_("the transfer (the start of its id will do)"))
    _add_lines(send, _("units picked of an item (repeat per item)"))
    receive = add_command(
        actions,
        "receive",
        cmd_transfer_receive,
        help=_("receive a transfer with the units counted"),
        makes_operations=True,
    )
    receive.add_argument("id", metavar="ID", help=_("the transfer (the start of its id will do)"))
    _add_lines(receive, _("units counted of an item (repeat per item)"))
    receive.add_argument(
        "--reason", action="append", metavar="SKU=REASON", help=_("why an item differs")
    )
    cancel = add_command(
        actions,
        "cancel",
        cmd_transfer_cancel,
        help=_("call off a transfer still requested (managers)"),
        makes_operations=True,
    )
    cancel.add_argument("id", metavar="ID", help=_("the transfer (the start of its id will do)"))
    cancel.add_argument("--reason", required=True, metavar="TEXT", help=_("why"))
