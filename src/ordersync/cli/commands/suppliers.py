"""``ordersync suppliers add|list``: the suppliers deliveries may come from."""

from __future__ import annotations

import argparse
import json

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.cli.report_options import matching
from ordersync.cli.tabular import Tabular, render_table
from ordersync.clock import SystemClock
from ordersync.contract import CODE_PATTERN, SupplierIn
from ordersync.db.writer import run_in_transaction
from ordersync.services.suppliers import list_suppliers, put_supplier
from ordersync.services.tokens import CLI_ACTOR

FORMATS = ("table", "json")
supplier_code = matching(CODE_PATTERN, "supplier code (capitals, digits, '-' and '_')")


def add_commands(commands: Subcommands) -> None:
    suppliers = commands.add_parser("suppliers", help="the suppliers deliveries come from")
    verbs = suppliers.add_subparsers(dest="suppliers_command", required=True, metavar="COMMAND")
    add = verbs.add_parser(
        "add",
        help="add a supplier, or rename one",
        description="Add the supplier CODE (as the ERP names it), or give it a new name.",
    )
    add.add_argument("code", type=supplier_code, metavar="CODE", help="e.g. LISE-CHARMEL")
    add.add_argument("--name", required=True, help="the supplier's name")
    add.set_defaults(handler=cmd_suppliers_add)
    listing = verbs.add_parser("list", help="the suppliers, by code")
    listing.add_argument("--format", choices=FORMATS, default="table", help="(table)")
    listing.set_defaults(handler=cmd_suppliers_list)


def cmd_suppliers_add(args: argparse.Namespace) -> int:
    wanted = SupplierIn(name=args.name)
    with existing_ledger(args, writer=True) as engine:
        supplier = run_in_transaction(
            engine, SystemClock(), lambda tx: put_supplier(tx, CLI_ACTOR, args.code, wanted)
        )
    console.print(f"supplier {supplier.code} ({supplier.name}) saved", highlight=False)
    return EXIT_OK


def cmd_suppliers_list(args: argparse.Namespace) -> int:
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        suppliers = list_suppliers(connection, CLI_ACTOR)
    if args.format == "json":
        print(json.dumps([supplier.model_dump(mode="json") for supplier in suppliers], indent=2))
        return EXIT_OK
    rows = [
        [supplier.code, supplier.name, f"{supplier.updated_at:%Y-%m-%d %H:%M}"]
        for supplier in suppliers
    ]
    render_table(Tabular("", ["code", "name", "updated (UTC)"], rows), console)
    console.print(f"{len(suppliers)} supplier{'' if len(suppliers) == 1 else 's'}")
    return EXIT_OK
