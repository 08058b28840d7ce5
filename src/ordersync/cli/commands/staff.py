"""``ordersync staff add|list|set-pin|disable``: the people who sign in on the terminals.

A PIN is asked twice without echo, or read from the first line of standard input with
``--pin-stdin`` (for scripts). There is no option that takes a PIN on the command line: it would
stay in the shell's history. The ledger keeps only a verifier of it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime

from pydantic import SecretStr
from sqlalchemy import Engine

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.cli.report_options import location_code, matching
from ordersync.cli.tabular import Tabular, render_csv, render_table
from ordersync.clock import SystemClock
from ordersync.contract import Role
from ordersync.contract.staff import STAFF_CODE_PATTERN, StaffIn, StaffMember
from ordersync.db.ledger_tx import LedgerTx
from ordersync.db.writer import run_in_transaction
from ordersync.domain.errors import InvalidRequest, InvalidState, NotFound
from ordersync.services.staff import (
    PERSON_ROLES,
    StaffChangeRequest,
    disable_staff,
    list_staff,
    staff_member,
    upsert_staff,
)
from ordersync.services.staff_pins import pin_verifier, require_acceptable_pin
from ordersync.services.tokens import CLI_ACTOR

FORMATS = ("table", "csv", "json")
staff_code = matching(STAFF_CODE_PATTERN, "staff code")


def add_commands(commands: Subcommands) -> None:
    staff = commands.add_parser("staff", help="people who sign in on the terminals")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True, metavar="COMMAND")
    add = staff_commands.add_parser("add", help="add a person (asks their PIN twice)")
    add.add_argument("code", type=staff_code, help="what the person types to sign in, e.g. marie.d")
    add.add_argument("--name", required=True, help="the person's name as colleagues know it")
    add.add_argument("--role", required=True, choices=[role.value for role in PERSON_ROLES])
    add.add_argument("--location", required=True, type=location_code, help="e.g. PAR-01")
    _pin_option(add)
    add.set_defaults(handler=cmd_staff_add)
    listing = staff_commands.add_parser(
        "list", help="the people: code, name, role, location, active (never a PIN)"
    )
    listing.add_argument("--location", type=location_code, help="one location's people only")
    listing.add_argument("--format", choices=FORMATS, default="table", help="(table)")
    listing.set_defaults(handler=cmd_staff_list)
    set_pin = staff_commands.add_parser("set-pin", help="give a person a new PIN")
    set_pin.add_argument("code", type=staff_code)
    _pin_option(set_pin)
    set_pin.set_defaults(handler=cmd_staff_set_pin)
    disable = staff_commands.add_parser(
        "disable", help="stop a person signing in anywhere (their history stays)"
    )
    disable.add_argument("code", type=staff_code)
    disable.set_defaults(handler=cmd_staff_disable)


def _pin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read the PIN from the first line of standard input instead of asking",
    )


def _read_pin(args: argparse.Namespace) -> SecretStr:
    """The new PIN, once it is acceptable: from stdin, or asked twice on the terminal."""
    if args.pin_stdin:
        pin = SecretStr(sys.stdin.readline().strip())
    else:
        if not sys.stdin.isatty():
            raise InvalidRequest("no terminal to ask the PIN on: pass it with --pin-stdin")
        pin = SecretStr(getpass.getpass("PIN (4 to 8 digits): "))
        require_acceptable_pin(pin)
        if getpass.getpass("PIN again: ") != pin.get_secret_value():
            raise InvalidRequest("the two PINs differ; nothing was changed")
    require_acceptable_pin(pin)
    return pin


def cmd_staff_add(args: argparse.Namespace) -> int:
    wanted = StaffIn(name=args.name, role=Role(args.role), location=args.location)
    with existing_ledger(args, writer=True) as engine:
        if _exists(engine, args.code):  # before asking a PIN that would be of no use
            raise InvalidState(
                f"{args.code} already exists: use `ordersync staff set-pin {args.code}` "
                "for a new PIN"
            )
        verifier = pin_verifier(_read_pin(args))
        change = StaffChangeRequest(args.code, wanted, verifier)

        def add(tx: LedgerTx) -> StaffMember:
            if staff_member(tx.connection, args.code) is not None:
                raise InvalidState(f"{args.code} already exists")
            return upsert_staff(tx, CLI_ACTOR, change)

        added = run_in_transaction(engine, SystemClock(), add)
    console.print(
        f"{added.code} ({added.name}) added: {added.role.value} at {added.location}",
        highlight=False,
    )
    return EXIT_OK


def _exists(engine: Engine, code: str) -> bool:
    with engine.connect() as connection:
        return staff_member(connection, code) is not None


def cmd_staff_set_pin(args: argparse.Namespace) -> int:
    with existing_ledger(args, writer=True) as engine:
        with engine.connect() as connection:
            current = staff_member(connection, args.code)
        if current is None:
            raise NotFound(f"no person with code {args.code}")
        verifier = pin_verifier(_read_pin(args))
        wanted = StaffIn(
            name=current.name, role=current.role, location=current.location, active=current.active
        )
        run_in_transaction(
            engine,
            SystemClock(),
            lambda tx: upsert_staff(tx, CLI_ACTOR, StaffChangeRequest(args.code, wanted, verifier)),
        )
    console.print(f"{args.code} has a new PIN", highlight=False)
    return EXIT_OK


def cmd_staff_disable(args: argparse.Namespace) -> int:
    with existing_ledger(args, writer=True) as engine:
        run_in_transaction(
            engine, SystemClock(), lambda tx: disable_staff(tx, CLI_ACTOR, args.code)
        )
    console.print(f"{args.code} can no longer sign in", highlight=False)
    return EXIT_OK


def cmd_staff_list(args: argparse.Namespace) -> int:
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        people = list_staff(connection, CLI_ACTOR, args.location)
    if args.format == "json":
        print(json.dumps([person.model_dump(mode="json") for person in people], indent=2))
    elif args.format == "csv":
        columns = list(StaffMember.model_fields)
        rows = [[getattr(person, name) for name in columns] for person in people]
        print(render_csv(Tabular("", columns, rows)), end="")
    else:
        render_table(_on_screen(people), console)
        console.print(f"{len(people)} {'person' if len(people) == 1 else 'people'}")
    return EXIT_OK


SCREEN_COLUMNS = ["code", "name", "role", "location", "active", "updated"]


def _on_screen(people: list[StaffMember]) -> Tabular:
    """The table people read: the last change to the minute in UTC."""
    return Tabular(
        "",
        SCREEN_COLUMNS,
        [
            [
                person.code,
                person.name,
                person.role.value,
                person.location,
                "yes" if person.active else "no",
                _minute(person.updated_at),
            ]
            for person in people
        ],
    )


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
