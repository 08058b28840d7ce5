"""The ``ordersync`` command line: the parser, built from the command families, and ``main``.

Each family under ``ordersync.cli.commands`` adds its own commands; adding a family is one more
entry in ``COMMAND_FAMILIES``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from ordersync.cli.commands import (
    audit,
    check,
    counts,
    db,
    demo,
    imports,
    init,
    replenishment,
    reports,
    returns,
    serve,
    staff,
    suppliers,
    tokens,
    transfers,
)
from ordersync.cli.common import Handler, Subcommands, run_command

COMMAND_FAMILIES: tuple[Callable[[Subcommands], None], ...] = (
    serve.add_commands,
    db.add_commands,
    init.add_commands,
    imports.add_commands,
    suppliers.add_commands,
    check.add_commands,
    tokens.add_commands,
    staff.add_commands,
    demo.add_commands,
    counts.add_commands,
    transfers.add_commands,
    returns.add_commands,
    reports.add_commands,
    replenishment.add_commands,
    audit.add_commands,
)
"""In the order ``ordersync --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordersync", description="The stock ledger of the store network."
    )
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the ledger database (default: ORDERSYNC_DATABASE_URL, "
        "else a SQLite file under the platform data directory)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_commands in COMMAND_FAMILIES:
        add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return run_command(handler, args)
