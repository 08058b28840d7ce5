"""``ordersync check``: rebuild every position (on hand, units set aside per disposition,
reserved) from the movements and the pending reservations, and its incoming units from the open
documents, and compare with what is stored (read-only)."""

from __future__ import annotations

import argparse

from ordersync.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    Subcommands,
    console,
    errors,
    existing_ledger,
)
from ordersync.services.check import check_ledger

DISCREPANCIES_SHOWN = 200


def add_commands(commands: Subcommands) -> None:
    check = commands.add_parser(
        "check",
        help="rebuild positions (units set aside included) from movements and reservations, "
        "incoming units from the documents, and compare",
    )
    check.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        report = check_ledger(connection)
    if report.ok:
        console.print(
            f"ledger is consistent: {report.positions} positions agree with "
            f"{report.movements} movements (units set aside by disposition included) and the "
            "pending reservations, and the incoming "
            f"units of {report.incoming} positions with the open deliveries, transfers and "
            "promises"
        )
        return EXIT_OK
    errors.print(f"[bold red]{len(report.discrepancies)} discrepancies[/]")
    for discrepancy in report.discrepancies[:DISCREPANCIES_SHOWN]:
        errors.print(f"  {discrepancy.describe()}")
    return EXIT_FAILED
