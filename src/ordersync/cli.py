"""The ``ordersync`` command: serve, migrate, check the ledger, issue tokens, load a demo."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import platformdirs
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ordersync import counts_cli, report_cli
from ordersync.clock import SystemClock
from ordersync.config import LedgerSettings
from ordersync.contract import Role
from ordersync.db.engine import create_ledger_engine, is_sqlite
from ordersync.db.migrate import is_up_to_date, upgrade
from ordersync.db.writer import run_in_transaction
from ordersync.domain.errors import LedgerError
from ordersync.services.check import check_ledger
from ordersync.services.tokens import issue_token, revoke_token

console = Console()
errors = Console(stderr=True)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2


def _settings(args: argparse.Namespace) -> LedgerSettings:
    if args.database_url:
        # Server workers are separate processes: they read the URL from the environment.
        os.environ["ORDERSYNC_DATABASE_URL"] = args.database_url
    return LedgerSettings()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings(args)
    upgrade(settings.database_url)
    console.print(f"database is at the latest schema: {_safe_url(settings.database_url)}")
    return EXIT_OK


class SchemaMissingError(Exception):
    pass


def _require_schema(engine: Engine) -> None:
    if not is_up_to_date(engine):
        raise SchemaMissingError(
            "the ledger database is missing or not at the latest schema: "
            "run `ordersync db upgrade` first"
        )


def _open_existing(url: str, *, writer: bool) -> Engine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).expanduser().exists():
            raise SchemaMissingError(
                f"no ledger database at {database}: run `ordersync db upgrade` to create it"
            )
    engine = create_ledger_engine(url, writer=writer)
    try:
        _require_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = _open_existing(settings.database_url, writer=False)
    try:
        with engine.connect() as connection, connection.begin():
            report = check_ledger(connection)
    finally:
        engine.dispose()
    if report.ok:
        console.print(
            f"ledger is consistent: {report.positions} positions agree with "
            f"{report.movements} movements and the pending reservations"
        )
        return EXIT_OK
    errors.print(f"[bold red]{len(report.discrepancies)} discrepancies[/]")
    for discrepancy in report.discrepancies[:200]:
        errors.print(f"  {discrepancy.describe()}")
    return EXIT_FAILED


def cmd_token_create(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = _open_existing(settings.database_url, writer=True)
    try:
        created = run_in_transaction(
            engine,
            SystemClock(),
            lambda tx: issue_token(tx, args.location, Role(args.role), args.device),
        )
    finally:
        engine.dispose()
    console.print(
        f"token {created.token_id} for {created.role.value} device {created.device!r} "
        f"at {created.location} (shown once; the ledger keeps only its hash):",
        highlight=False,
    )
    print(created.token)
    return EXIT_OK


def cmd_token_revoke(args: argparse.Namespace) -> int:
    settings = _settings(args)
    engine = _open_existing(settings.database_url, writer=True)
    try:
        run_in_transaction(engine, SystemClock(), lambda tx: revoke_token(tx, args.token_id))
    finally:
        engine.dispose()
    console.print(f"token {args.token_id} revoked")
    return EXIT_OK


def cmd_demo_data(args: argparse.Namespace) -> int:
    from ordersync.demo import load_demo_network

    settings = _settings(args)
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
    settings = _settings(args)
    engine = create_ledger_engine(settings.database_url, writer=True)
    try:
        created = run_in_transaction(
            engine, SystemClock(), lambda tx: issue_token(tx, "PAR-01", Role.MANAGER, "demo")
        )
    finally:
        engine.dispose()
    base = f"http://{args.host}:{args.port}"
    console.print(
        f"\nA manager token for store PAR-01: [bold]{created.token}[/]\n"
        f"Try:  curl -H 'Authorization: Bearer {created.token}' "
        f"{base}/v1/availability/references/BRA-ELO\n"
        f"API documentation: {base}/docs  (Ctrl+C stops the ledger)\n",
        highlight=False,
    )
    args.no_upgrade = True
    return cmd_serve(args)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings(args)
    if not args.no_upgrade:
        upgrade(settings.database_url)
    console.print(
        f"ordersync on http://{args.host}:{args.port} ({args.workers} worker(s)), "
        f"database {_safe_url(settings.database_url)}"
    )
    uvicorn.run(
        "ordersync.api.app:create_app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=args.access_log,
    )
    return EXIT_OK


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


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

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8700, help="port (default 8700)")
    serve.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    serve.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument(
        "--no-upgrade", action="store_true", help="do not migrate the schema before serving"
    )
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_upgrade = db_commands.add_parser("upgrade", help="migrate the schema to the latest version")
    db_upgrade.set_defaults(handler=cmd_db_upgrade)

    check = commands.add_parser(
        "check", help="rebuild positions from movements and reservations and compare"
    )
    check.set_defaults(handler=cmd_check)

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

    demo = commands.add_parser(
        "demo-data", help="load the demo network (safe to run again: nothing is duplicated)"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed of the demo (default 7)")
    demo.set_defaults(handler=cmd_demo_data)

    demo_run = commands.add_parser(
        "demo", help="load the demo network into a demo database and serve it on 127.0.0.1"
    )
    demo_run.add_argument("--seed", type=int, default=7, help="random seed of the demo (default 7)")
    demo_run.add_argument("--host", default="127.0.0.1", help="address to listen on")
    demo_run.add_argument("--port", type=int, default=8700, help="port (default 8700)")
    demo_run.set_defaults(
        handler=cmd_demo, workers=1, log_level="warning", access_log=False, no_upgrade=True
    )
    counts_cli.add_commands(commands)
    report_cli.add_commands(commands)
    return parser


def _fail(message: str, code: int) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except LedgerError as refusal:
        _fail(refusal.detail, EXIT_REFUSED)
    except OperationalError as error:
        _fail(f"cannot use the database: {error.orig}", EXIT_FAILED)
    except SQLAlchemyError as error:
        _fail(f"database error: {error}", EXIT_FAILED)
    except (OSError, ImportError) as error:
        _fail(f"cannot use the database: {error}", EXIT_FAILED)
    except SchemaMissingError as error:
        _fail(str(error), EXIT_FAILED)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
