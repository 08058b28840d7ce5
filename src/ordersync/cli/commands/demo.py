"""``ordersync demo-data`` and ``ordersync demo``: the demo network, loaded into the configured
database, or into a demo database of its own and served on 127.0.0.1 with a ready token.

Loading is safe to repeat: a second load replays every batch and changes nothing.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import platformdirs
from rich.table import Table

from ordersync.cli.common import (
    DEFAULT_PORT,
    EXIT_OK,
    Subcommands,
    console,
    ledger_settings,
    serve_api,
)
from ordersync.clock import SystemClock
from ordersync.contract import Role
from ordersync.db.engine import create_ledger_engine
from ordersync.db.migrate import upgrade
from ordersync.db.writer import run_in_transaction
from ordersync.demo.load import load_demo_network
from ordersync.services.tokens import issue_token

DEFAULT_SEED = 7
DEMO_STORE = "PAR-01"


def add_commands(commands: Subcommands) -> None:
    demo_data = commands.add_parser(
        "demo-data", help="load the demo network (safe to run again: nothing is duplicated)"
    )
    _add_seed(demo_data)
    demo_data.set_defaults(handler=cmd_demo_data)

    demo = commands.add_parser(
        "demo", help="load the demo network into a demo database and serve it on 127.0.0.1"
    )
    _add_seed(demo)
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on")
    demo.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    demo.set_defaults(
        handler=cmd_demo, workers=1, log_level="warning", access_log=False, no_upgrade=True
    )


def _add_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed of the demo (default {DEFAULT_SEED})",
    )


def cmd_demo_data(args: argparse.Namespace) -> int:
    settings = ledger_settings(args)
    upgrade(settings.database_url)
    engine = create_ledger_engine(settings.database_url, writer=True)
    try:
        summary = load_demo_network(engine, SystemClock(), seed=args.seed)
    finally:
        engine.dispose()
    table = Table(title="Demo network", show_header=False)
    for key, value in vars(summary).items():
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    return EXIT_OK


def demo_database_url() -> str:
    data_dir = Path(platformdirs.user_data_dir("ordersync", appauthor=False)) / "demo"
    return f"sqlite:///{data_dir / 'ledger.db'}"


def cmd_demo(args: argparse.Namespace) -> int:
    """The ledger on its demo network, with a ready token, served on 127.0.0.1."""
    if not args.database_url and "ORDERSYNC_DATABASE_URL" not in os.environ:
        args.database_url = demo_database_url()
    cmd_demo_data(args)
    settings = ledger_settings(args)
    engine = create_ledger_engine(settings.database_url, writer=True)
    try:
        created = run_in_transaction(
            engine, SystemClock(), lambda tx: issue_token(tx, DEMO_STORE, Role.MANAGER, "demo")
        )
    finally:
        engine.dispose()
    base = f"http://{args.host}:{args.port}"
    console.print(
        f"\nA manager token for store {DEMO_STORE}: [bold]{created.token}[/]\n"
        f"Try:  curl -H 'Authorization: Bearer {created.token}' "
        f"{base}/v1/availability/references/BRA-ELO\n"
        f"API documentation: {base}/docs  (Ctrl+C stops the ledger)\n",
        highlight=False,
    )
    return serve_api(args)
