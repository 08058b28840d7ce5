"""What every ``ordersync`` command shares: its settings, the ledger it opens, where it writes,
its exit codes, how a failure reaches the operator, and the HTTP server ``serve`` and ``demo``
both start.

Promises kept here: a command that needs an existing ledger never creates or migrates one (it
says to run ``ordersync db upgrade``); every engine a command opens is disposed of when it ends;
a refusal, a database error or a missing schema ends the command with one readable line on
stderr and its exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, Protocol

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ordersync.config import LedgerSettings
from ordersync.db.engine import create_ledger_engine, is_sqlite
from ordersync.db.migrate import is_up_to_date, upgrade
from ordersync.domain.errors import LedgerError

console = Console()
errors = Console(stderr=True)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130

DEFAULT_PORT = 8700

Handler = Callable[[argparse.Namespace], int]
"""A command: its parsed arguments in, its exit code out."""


class Subcommands(Protocol):
    """Where a command family adds its commands (what ``add_subparsers`` returns)."""

    def add_parser(
        self, name: str, *, help: str | None = ..., description: str | None = ...
    ) -> argparse.ArgumentParser: ...


class SchemaMissingError(Exception):
    """The database has no ledger, or not at the latest schema."""


def ledger_settings(args: argparse.Namespace) -> LedgerSettings:
    """The settings, with ``--database-url`` (when given) in place of ORDERSYNC_DATABASE_URL."""
    if args.database_url:
        # Server workers are separate processes: they read the URL from the environment.
        os.environ["ORDERSYNC_DATABASE_URL"] = args.database_url
    return LedgerSettings()


def safe_url(url: str) -> str:
    """The URL as it may be shown: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def _open_existing(url: str, *, writer: bool) -> Engine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).expanduser().exists():
            raise SchemaMissingError(
                f"no ledger database at {database}: run `ordersync db upgrade` to create it"
            )
    engine = create_ledger_engine(url, writer=writer)
    try:
        if not is_up_to_date(engine):
            raise SchemaMissingError(
                "the ledger database is missing or not at the latest schema: "
                "run `ordersync db upgrade` first"
            )
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def existing_ledger(args: argparse.Namespace, *, writer: bool) -> Iterator[Engine]:
    """An engine on the ledger the arguments name, which must exist at the latest schema."""
    engine = _open_existing(ledger_settings(args).database_url, writer=writer)
    try:
        yield engine
    finally:
        engine.dispose()


def serve_api(args: argparse.Namespace) -> int:
    """Serve the HTTP API on ``args.host``:``args.port`` until interrupted, migrating the schema
    first unless ``args.no_upgrade``."""
    # importing uvicorn takes about 0.15 s: only the commands that serve should pay it
    import uvicorn

    settings = ledger_settings(args)
    if not args.no_upgrade:
        upgrade(settings.database_url)
    console.print(
        f"ordersync on http://{args.host}:{args.port} ({args.workers} worker(s)), "
        f"database {safe_url(settings.database_url)}"
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


def _fail(message: str, code: int) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise SystemExit(code)


def run_command(handler: Handler, args: argparse.Namespace) -> int:
    """Run one command; a failure becomes a readable message and its exit code."""
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
        return EXIT_INTERRUPTED
