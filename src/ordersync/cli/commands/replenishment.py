"""``ordersync replenishment transfer|purchase-order``: a location's replenishment suggestions
turned into a document, from the server's command line (acting as the admin, like every
``ordersync`` command).

- ``transfer --location X [--from WH] [--sku S ...] [--op-id ID]`` requests the suggested lines by
  one transfer from the nearest warehouse (or ``--from``), through the same operation as
  ``POST /v1/locations/X/replenishment/transfer``: run again with the same ``--op-id``, it
  answers with the same transfer and requests nothing more.
- ``purchase-order --location X [--output FILE]`` writes the suggested lines as a purchase order
  draft (CSV) for the buyer's ERP, like ``GET /v1/locations/X/replenishment/purchase-order.csv``.
"""

from __future__ import annotations

import argparse
import sys
import uuid

from rich.table import Table

from ordersync.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    Subcommands,
    console,
    errors,
    existing_ledger,
)
from ordersync.cli.report_options import location_code, matching
from ordersync.clock import SystemClock
from ordersync.contract import SKU_PATTERN, ReplenishmentTransfer, Transfer, uuid7
from ordersync.db.writer import run_in_transaction
from ordersync.services.operations import operation_work
from ordersync.services.replenishment_documents import purchase_order
from ordersync.services.tokens import CLI_ACTOR


def _op_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {text!r}") from None


def add_commands(commands: Subcommands) -> None:
    family = commands.add_parser(
        "replenishment", help="turn replenishment suggestions into a transfer or purchase order"
    )
    actions = family.add_subparsers(dest="replenishment_command", required=True, metavar="COMMAND")
    transfer = actions.add_parser(
        "transfer",
        help="request the suggested lines by one transfer from a warehouse",
        description="Request a location's suggested lines by one transfer (origin "
        "replenishment) from the nearest warehouse, or from --from.",
    )
    transfer.add_argument("--location", type=location_code, required=True, help="e.g. PAR-01")
    transfer.add_argument(
        "--from",
        dest="from_location",
        type=location_code,
        help="where the units come from (default: the nearest warehouse)",
    )
    transfer.add_argument(
        "--sku",
        dest="skus",
        action="append",
        type=matching(SKU_PATTERN, "SKU"),
        help="only this suggested SKU (repeat for more; default: every suggested line)",
    )
    transfer.add_argument(
        "--op-id",
        type=_op_id,
        help="the operation id (the transfer's id); the same id again changes nothing",
    )
    transfer.set_defaults(handler=cmd_replenishment_transfer)
    order = actions.add_parser(
        "purchase-order",
        help="write the suggested lines as a purchase order draft (CSV)",
        description="Write a location's suggested lines as a purchase order draft for the "
        "buyer's ERP: UTF-8 CSV, a header row then one row per SKU.",
    )
    order.add_argument("--location", type=location_code, required=True, help="e.g. PAR-01")
    order.add_argument("--output", help="write to this file (default: the screen)")
    order.set_defaults(handler=cmd_purchase_order)


def cmd_replenishment_transfer(args: argparse.Namespace) -> int:
    command = ReplenishmentTransfer(
        op_id=args.op_id or uuid7(), from_location=args.from_location, skus=args.skus
    )
    work = operation_work("replenishment_transfer", CLI_ACTOR, command, location=args.location)
    with existing_ledger(args, writer=True) as engine:
        outcome = run_in_transaction(engine, SystemClock(), work)
    if outcome.status >= 400:
        errors.print(f"[bold red]refused:[/] {outcome.body['detail']}", highlight=False)
        return EXIT_REFUSED
    transfer = Transfer.model_validate(outcome.body)
    # the heading on a line of its own: a table title would wrap to the width of two columns
    console.print(
        f"Transfer {transfer.id} from {transfer.from_location} to {transfer.to_location}"
        + (" (already requested)" if outcome.replayed else ""),
        highlight=False,
        soft_wrap=True,
    )
    table = Table()
    table.add_column("sku")
    table.add_column("units", justify="right")
    for line in transfer.lines:
        table.add_row(line.sku, str(line.requested_qty))
    console.print(table)
    return EXIT_OK


def cmd_purchase_order(args: argparse.Namespace) -> int:
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        draft = purchase_order(connection, CLI_ACTOR, SystemClock().now(), args.location)
    if args.output is None:
        sys.stdout.write(draft.text)
        return EXIT_OK
    try:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            out.write(draft.text)
    except OSError as error:
        errors.print(f"[bold red]error:[/] cannot write {args.output}: {error.strerror}")
        return EXIT_FAILED
    console.print(
        f"{draft.lines} lines for {draft.location} written to {args.output}", highlight=False
    )
    return EXIT_OK
