"""``ordersync db upgrade``: migrate the ledger's schema, creating the database if need be."""

from __future__ import annotations

import argparse

from ordersync.cli.common import EXIT_OK, Subcommands, console, ledger_settings, safe_url
from ordersync.db.migrate import upgrade


def add_commands(commands: Subcommands) -> None:
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_upgrade = db_commands.add_parser("upgrade", help="migrate the schema to the latest version")
    db_upgrade.set_defaults(handler=cmd_db_upgrade)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = ledger_settings(args)
    upgrade(settings.database_url)
    console.print(f"database is at the latest schema: {safe_url(settings.database_url)}")
    return EXIT_OK
