"""``ordersync token create|revoke|list``: the device tokens, of which the ledger keeps only
hashes. A token is printed once, by ``create``; ``list`` shows everything else about each one."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from ordersync.cli.common import EXIT_OK, Subcommands, console, existing_ledger
from ordersync.cli.report_options import location_code
from ordersync.cli.tabular import Tabular, render_csv, render_table
from ordersync.clock import SystemClock
from ordersync.contract import Role, TokenInfo
from ordersync.db.writer import run_in_transaction
from ordersync.services.tokens import CLI_ACTOR, issue_token, list_tokens, revoke_token

FORMATS = ("table", "csv", "json")


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
    listing = token_commands.add_parser(
        "list", help="the tokens: location, role, device, created, last used (never the secret)"
    )
    listing.add_argument("--location", type=location_code, help="one location's tokens only")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    listing.add_argument("--format", choices=FORMATS, default="table", help="(table)")
    listing.set_defaults(handler=cmd_token_list)


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


def cmd_token_list(args: argparse.Namespace) -> int:
    with (
        existing_ledger(args, writer=False) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        tokens = list_tokens(connection, CLI_ACTOR, args.location, include_revoked=args.all)
    columns = list(TokenInfo.model_fields)
    rows = Tabular("", columns, [[getattr(token, name) for name in columns] for token in tokens])
    if args.format == "json":
        print(json.dumps([token.model_dump(mode="json") for token in tokens], indent=2))
    elif args.format == "csv":
        print(render_csv(rows), end="")
    else:
        render_table(_on_screen(tokens), console)
        console.print(f"{len(tokens)} {'token' if len(tokens) == 1 else 'tokens'}")
    return EXIT_OK


SCREEN_COLUMNS = ["id", "location", "role", "device", "created", "last used", "revoked"]


def _on_screen(tokens: list[TokenInfo]) -> Tabular:
    """The table people read: times to the minute in UTC, so a row fits an 80-column terminal."""
    return Tabular(
        "",
        SCREEN_COLUMNS,
        [
            [
                token.token_id,
                token.location,
                token.role.value,
                token.device,
                _minute(token.created_at),
                _minute(token.last_used_at),
                _minute(token.revoked_at),
            ]
            for token in tokens
        ],
    )


def _minute(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
