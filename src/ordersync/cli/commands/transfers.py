"""``ordersync transfers list|request``: transfers between locations, from head office.

``ordersync transfers request --from WH --to PAR-01 --line S1=6 --line S2=4`` asks for units to
move (an admin action: it is audited at the destination, like a manager's request). The source
then sends it by scan and the destination receives it by scan, from their terminals. Running the
same command again asks again, unless it is given the same ``--op-id`` (a script's retry): the
ledger then answers with the first request.

``ordersync transfers list [--location X] [--state S ...] [--format table|json]`` shows the
latest requested first, with their lines and discrepancies.
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import UTC, datetime

from pydantic import ValidationError

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.cli.report_options import bounded, location_code, matching
from ordersync.cli.tabular import Tabular, render_table
from ordersync.clock import SystemClock
from ordersync.contract import (
    MAX_QUANTITY,
    SKU_PATTERN,
    Transfer,
    TransferOrigin,
    TransferRequest,
    TransferState,
    uuid7,
)
from ordersync.db.writer import run_in_transaction
from ordersync.domain.errors import LedgerError
from ordersync.services.document_reads import MAX_LISTED
from ordersync.services.operations import operation_work
from ordersync.services.tokens import CLI_ACTOR
from ordersync.services.transfer_views import list_transfers

FORMATS = ("table", "json")
_sku = matching(SKU_PATTERN, "SKU")
_quantity = bounded(1, MAX_QUANTITY)


def _line(text: str) -> dict[str, object]:
    """``SKU=QTY``: units of one SKU to move."""
    sku, sep, qty = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"a line is SKU=QTY, e.g. S1=3: {text!r}")
    return {"sku": _sku(sku), "qty": _quantity(qty)}


def _op_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an operation id (a UUID): {text!r}") from None


def add_commands(commands: Subcommands) -> None:
    transfers = commands.add_parser("transfers", help="transfers between locations")
    transfer_commands = transfers.add_subparsers(
        dest="transfers_command", required=True, metavar="COMMAND"
    )
    listing = transfer_commands.add_parser(
        "list", help="transfers from or to a location (or all), the latest requested first"
    )
    listing.add_argument("--location", type=location_code, help="from or to this location only")
    listing.add_argument(
        "--state",
        action="append",
        choices=[state.value for state in TransferState],
        help="only transfers in this state (may be repeated)",
    )
    listing.add_argument(
        "--limit", type=bounded(1, MAX_LISTED), default=100, help="at most this many (100)"
    )
    listing.add_argument("--format", choices=FORMATS, default="table", help="(table)")
    listing.set_defaults(handler=cmd_transfers_list)
    request = transfer_commands.add_parser(
        "request",
        help="ask for units to move from one location to another (sent and received by scan)",
        description="Request a transfer as an admin of head office. Nothing moves until the "
        "source sends it; the units are then in transit until the destination receives them.",
    )
    request.add_argument("--from", dest="from_location", required=True, type=location_code)
    request.add_argument("--to", dest="to_location", required=True, type=location_code)
    request.add_argument(
        "--line",
        dest="lines",
        action="append",
        required=True,
        type=_line,
        metavar="SKU=QTY",
        help="units of one SKU to move (repeat for each SKU)",
    )
    request.add_argument(
        "--origin",
        choices=[origin.value for origin in TransferOrigin],
        default=TransferOrigin.MANUAL.value,
        help="what the request comes from (manual)",
    )
    request.add_argument("--note", help="a note for the two stores (200 characters at most)")
    request.add_argument(
        "--op-id", type=_op_id, help="the operation id, to retry a request safely (default: new)"
    )
    request.set_defaults(handler=cmd_transfers_request)


def cmd_transfers_request(args: argparse.Namespace) -> int:
    try:
        command = TransferRequest.model_validate(
            {
                "op_id": args.op_id or uuid7(),
                "from_location": args.from_location,
                "to_location": args.to_location,
                "lines": args.lines,
                "origin": args.origin,
                "note": args.note,
            }
        )
    except ValidationError as error:
        raise LedgerError("; ".join(str(problem["msg"]) for problem in error.errors())) from None
    with existing_ledger(args, writer=True) as engine:
        outcome = run_in_transaction(
            engine, SystemClock(), operation_work("request_transfer", CLI_ACTOR, command)
        )
    if outcome.status >= 400:
        raise LedgerError(str(outcome.body.get("detail", outcome.body)))
    transfer = Transfer.model_validate(outcome.body)
    console.print(
        f"transfer {transfer.id} requested from {transfer.from_location} to "
        f"{transfer.to_location}: {_units(transfer)}"
        + (" (already requested by this operation id)" if outcome.replayed else ""),
        highlight=False,
    )
    return EXIT_OK


def cmd_transfers_list(args: argparse.Namespace) -> int:
    states = [TransferState(state) for state in args.state] if args.state else None
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        found = list_transfers(connection, CLI_ACTOR, args.location, states, args.limit)
    if args.format == "json":
        print(json.dumps([transfer.model_dump(mode="json") for transfer in found], indent=2))
        return EXIT_OK
    render_table(_on_screen(found), console)
    console.print(f"{len(found)} transfer{'' if len(found) == 1 else 's'}", highlight=False)
    return EXIT_OK


SCREEN_COLUMNS = [
    "id",
    "state",
    "from",
    "to",
    "origin",
    "lines",
    "requested",
    "sent",
    "expected",
    "received",
    "discrepancies",
]


def _units(transfer: Transfer) -> str:
    """Each line as SKU x requested (and sent, received once known)."""
    shown = []
    for line in transfer.lines:
        counts = [line.requested_qty, line.sent_qty, line.received_qty]
        known = [str(count) for count in counts if count is not None]
        shown.append(f"{line.sku} x{'/'.join(known)}")
    return ", ".join(shown)


def _minute(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _on_screen(found: list[Transfer]) -> Tabular:
    """The table people read: times to the minute in UTC; lines as requested/sent/received."""
    return Tabular(
        "",
        SCREEN_COLUMNS,
        [
            [
                str(transfer.id),
                transfer.state.value,
                transfer.from_location,
                transfer.to_location,
                transfer.origin.value,
                _units(transfer),
                _minute(transfer.requested_at),
                _minute(transfer.sent_at),
                _minute(transfer.expected_at),
                _minute(transfer.received_at),
                ", ".join(f"{d.sku} {d.kind.value}" for d in transfer.discrepancies),
            ]
            for transfer in found
        ],
    )
