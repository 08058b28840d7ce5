"""``ordersync returns list``: the customer returns the stores recorded, from head office.

``ordersync returns list [--location X] [--days N] [--limit N] [--format table|json]`` shows the
returns of the last days (one location's, or every location's), the latest first, with what
each did not match (its flags): head office looks at those.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.cli.report_options import bounded, location_code
from ordersync.cli.tabular import Tabular, render_table
from ordersync.clock import SystemClock
from ordersync.contract import Disposition, RecordedReturn
from ordersync.db.ledger_tx import LedgerTx
from ordersync.services.document_reads import MAX_LISTED
from ordersync.services.return_views import list_returns
from ordersync.services.tokens import CLI_ACTOR

FORMATS = ("table", "json")
SCREEN_COLUMNS = ["id", "location", "occurred", "lines", "order", "sale", "flags", "device"]


def add_commands(commands: Subcommands) -> None:
    returns = commands.add_parser("returns", help="customer returns recorded by the stores")
    return_commands = returns.add_subparsers(
        dest="returns_command", required=True, metavar="COMMAND"
    )
    listing = return_commands.add_parser(
        "list", help="returns of the last days at a location (or all), the latest first"
    )
    listing.add_argument("--location", type=location_code, help="at this location only")
    listing.add_argument(
        "--days", type=bounded(1, 365), default=7, help="recorded in the last N days (7)"
    )
    listing.add_argument(
        "--limit", type=bounded(1, MAX_LISTED), default=100, help="at most this many (100)"
    )
    listing.add_argument("--format", choices=FORMATS, default="table", help="(table)")
    listing.set_defaults(handler=cmd_returns_list)


def cmd_returns_list(args: argparse.Namespace) -> int:
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        tx = LedgerTx(connection, SystemClock().now())
        found = list_returns(tx, CLI_ACTOR, args.location, args.days, args.limit)
    if args.format == "json":
        print(json.dumps([recorded.model_dump(mode="json") for recorded in found], indent=2))
        return EXIT_OK
    render_table(_on_screen(found), console)
    console.print(f"{len(found)} return{'' if len(found) == 1 else 's'}", highlight=False)
    return EXIT_OK


def _lines(recorded: RecordedReturn) -> str:
    """Each line as SKU xQTY reason, with its disposition when it was set aside."""
    return ", ".join(
        f"{line.sku} x{line.qty} {line.reason}"
        + ("" if line.disposition is Disposition.SELLABLE else f" ({line.disposition.value})")
        for line in recorded.lines
    )


def _on_screen(found: list[RecordedReturn]) -> Tabular:
    """The table people read: times to the minute in UTC."""
    return Tabular(
        "",
        SCREEN_COLUMNS,
        [
            [
                str(recorded.id),
                recorded.location,
                recorded.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
                _lines(recorded),
                "" if recorded.order_id is None else str(recorded.order_id),
                "" if recorded.sale_op_id is None else str(recorded.sale_op_id),
                ", ".join(flag.value for flag in recorded.flags),
                recorded.device,
            ]
            for recorded in found
        ],
    )
