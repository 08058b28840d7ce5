"""``ordersync token create|revoke``: the device tokens, of which the ledger keeps only hashes."""

from __future__ import annotations

import argparse

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.clock import SystemClock
from ordersync.contract import Role
from ordersync.db.writer import run_in_transaction
from ordersync.services.tokens import issue_token, revoke_token


def add_commands(commands: Subcommands) -> None:
    token = commands.add_parser("token", help="device tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    create = token_commands.add_parser(
        "create", help="issue a token bound to a location and role (printed alone on the last line)"
    )
    create.add_argument("--location", required=True, help="location code, e.g. PAR-01")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--device", default="terminal", help="a name for the device")
    create.set_defaults(handler=cmd_token_create)
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(handler=cmd_token_revoke)


def cmd_token_create(args: argparse.Namespace) -> int:
    with existing_ledger(args, writer=True) as engine:
        created = run_in_transaction(
            engine,
            SystemClock(),
            lambda tx: issue_token(tx, args.location, Role(args.role), args.device),
        )
    console.print(
        f"token {created.token_id} for {created.role.value} device {created.device!r} "
        f"at {created.location} (shown once; the ledger keeps only its hash):",
        highlight=False,
    )
    # alone on its line and without markup, so scripts can take the last line as the token
    print(created.token)
    return EXIT_OK


def cmd_token_revoke(args: argparse.Namespace) -> int:
    with existing_ledger(args, writer=True) as engine:
        run_in_transaction(engine, SystemClock(), lambda tx: revoke_token(tx, args.token_id))
    console.print(f"token {args.token_id} revoked")
    return EXIT_OK
