"""``ordersync counts schedule``: the cycle-count schedule, run by an operator or by cron.

``ordersync counts schedule --location PAR-01 --limit 20`` tops the store's open cycle-count
tasks up to 20, the most due positions first; ``--all`` does it for every location. Running it
again opens nothing more until tasks are counted.
"""

from __future__ import annotations

import argparse
from functools import partial

from rich.table import Table

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.clock import SystemClock
from ordersync.contract import CountScheduled
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.writer import run_in_transaction
from ordersync.services.count_schedule import schedule_counts
from ordersync.services.tokens import CLI_ACTOR

DEFAULT_LIMIT = 20
MAX_LIMIT = 500
SKUS_SHOWN = 10


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"the limit is between 1 and {MAX_LIMIT}")
    return value


def add_commands(commands: Subcommands) -> None:
    counts = commands.add_parser("counts", help="cycle counts")
    counts_commands = counts.add_subparsers(dest="counts_command", required=True, metavar="COMMAND")
    schedule = counts_commands.add_parser(
        "schedule",
        help="open cycle-count tasks for the most due positions, fast movers first",
        description="Top a location's open cycle-count tasks up to --limit, the most due "
        "positions first (fast movers are counted every 7 days, slower ones every 30 or 90).",
    )
    where = schedule.add_mutually_exclusive_group(required=True)
    where.add_argument("--location", help="location code, e.g. PAR-01")
    where.add_argument("--all", action="store_true", help="every location of the network")
    schedule.add_argument(
        "--limit",
        type=_limit,
        default=DEFAULT_LIMIT,
        help=f"open cycle tasks each location should have (default {DEFAULT_LIMIT})",
    )
    schedule.set_defaults(handler=cmd_counts_schedule)


def _schedule(location: str, limit: int, tx: LedgerTx) -> CountScheduled:
    return schedule_counts(tx, CLI_ACTOR, location, limit)


def cmd_counts_schedule(args: argparse.Namespace) -> int:
    with existing_ledger(args, writer=True) as engine:
        if args.all:
            with engine.connect() as connection:
                codes = [
                    str(code)
                    for (code,) in connection.exec_driver_sql(
                        "SELECT code FROM locations ORDER BY code"
                    )
                ]
        else:
            codes = [args.location]
        results = [
            run_in_transaction(engine, SystemClock(), partial(_schedule, code, args.limit))
            for code in codes
        ]
    table = Table(title="Cycle counts opened")
    table.add_column("location")
    table.add_column("opened", justify="right")
    table.add_column("SKUs")
    for result in results:
        skus = ", ".join(task.sku for task in result.opened[:SKUS_SHOWN])
        more = len(result.opened) - SKUS_SHOWN
        table.add_row(
            result.location,
            str(len(result.opened)),
            skus + (f" and {more} more" if more > 0 else ""),
        )
    console.print(table)
    return EXIT_OK
