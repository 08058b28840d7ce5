"""``ordersync init``: start an empty ledger with its head-office location and first admin token.

The command needs a ledger at the latest schema, like every command but ``db upgrade`` and
``serve`` (run ``ordersync db upgrade`` first): it never creates or migrates one itself. It
runs once: on a ledger that has any location or admin token it changes nothing, says how to add
an admin, and exits with the refusal code.
"""

from __future__ import annotations

import argparse

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.cli.report_options import location_code
from ordersync.clock import SystemClock
from ordersync.db.writer import run_in_transaction
from ordersync.services.bootstrap import head_office, initialise_ledger

LONGEST_DEVICE_NAME = 64
PARIS = (48.8566, 2.3522)
"""Where the head office is placed unless told: the default time zone's city. No order is ever
routed to it, so its position only matters to a map."""


def device_name(text: str) -> str:
    if not 1 <= len(text) <= LONGEST_DEVICE_NAME:
        raise argparse.ArgumentTypeError(f"must be 1 to {LONGEST_DEVICE_NAME} characters")
    return text


def add_commands(commands: Subcommands) -> None:
    init = commands.add_parser(
        "init",
        help="on an empty ledger, create the head office and print the first admin token",
        description="Create the head-office location and issue the first admin token, bound to "
        "it (printed alone on the last line). Runs once: refused on a ledger that has any "
        "location or admin token.",
    )
    init.add_argument("--code", type=location_code, default="HQ", help="location code (HQ)")
    init.add_argument("--name", default="Head office", help="(Head office)")
    init.add_argument("--timezone", default="Europe/Paris", help="IANA time zone (Europe/Paris)")
    init.add_argument("--latitude", type=float, default=PARIS[0], help=f"({PARIS[0]})")
    init.add_argument("--longitude", type=float, default=PARIS[1], help=f"({PARIS[1]})")
    init.add_argument(
        "--device", type=device_name, default="admin", help="a name for the admin's device (admin)"
    )
    init.set_defaults(handler=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    office = head_office(args.code, args.name, args.timezone, args.latitude, args.longitude)
    with existing_ledger(args, writer=True) as engine:
        created = run_in_transaction(
            engine, SystemClock(), lambda tx: initialise_ledger(tx, office, args.device)
        )
    console.print(
        f"head office {office.code} ({office.name}, {office.timezone}) created; admin token "
        f"{created.token_id} for device {created.device!r} (shown once; the ledger keeps only "
        "its hash):",
        highlight=False,
    )
    # alone on its line and without markup, so scripts can take the last line as the token
    print(created.token)
    return EXIT_OK
