"""The arguments several ``storeapp`` commands share, defined once: how a command family adds
its commands (``Subcommands``, ``add_command``), the options more than one command takes
(``--json``, ``--locale``, ``--qty``, and ``--as``/``--pin-stdin`` on every command that makes
an operation), and the checks of what was typed (whole numbers, a ledger
URL, a locale), each failing with the usage exit code."""

from __future__ import annotations

import argparse
from typing import Protocol

import httpx
from babel import Locale, UnknownLocaleError

from storeapp.cli.session import EXIT_USAGE, CliError, Handler
from storeapp.i18n import _


class Subcommands(Protocol):
    """Where a command family adds its commands (what ``add_subparsers`` returns)."""

    def add_parser(
        self, name: str, *, help: str | None = ..., description: str | None = ...
    ) -> argparse.ArgumentParser: ...


def add_command(
    commands: Subcommands,
    name: str,
    handler: Handler,
    *,
    help: str,
    description: str | None = None,
    makes_operations: bool = False,
) -> argparse.ArgumentParser:
    """A command named ``name`` that runs ``handler``; its arguments are added to the result.

    A command that ``makes_operations`` (a sale, an order, a count...) is made in a person's
    name: it takes ``--as CODE`` and ``--pin-stdin``, and its session signs that person in.
    """
    command = commands.add_parser(name, help=help, description=description)
    command.set_defaults(handler=handler, makes_operations=makes_operations)
    if makes_operations:
        command.add_argument(
            "--as",
            dest="person",
            metavar="CODE",
            help=_("your staff code: the operation is made in your name (your PIN is asked)"),
        )
        command.add_argument(
            "--pin-stdin",
            action="store_true",
            help=_("read the PIN from standard input instead of asking for it (scripts)"),
        )
    return command


def add_json_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--json", action="store_true", help=_("print the data as JSON"))


def add_locale_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--locale", help=_("language and formats of the screens, e.g. fr_FR or en_GB")
    )


def add_quantity_option(command: argparse.ArgumentParser, help: str) -> None:
    command.add_argument("--qty", type=positive_int, default=1, metavar="N", help=help)


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            _("{value} is not a whole number of at least 1", value=value)
        )
    return number


def counted_units(value: str) -> int:
    try:
        counted = int(value)
    except ValueError:
        counted = -1
    if counted < 0:
        raise argparse.ArgumentTypeError(
            _("{value} is not a whole number of 0 or more", value=value)
        )
    return counted


def check_ledger_url(url: str) -> str:
    """``url`` without its trailing slash, once it is an http(s) URL that names a host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise CliError(
            _("{url} is not a valid ledger URL: {error}", url=url, error=error), EXIT_USAGE
        ) from error
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise CliError(
            _("the ledger URL must start with http:// or https:// and name a host: {url}", url=url),
            EXIT_USAGE,
        )
    return url.rstrip("/")


def check_locale(value: str) -> str:
    """``value`` as Babel names a locale (``fr-FR`` becomes ``fr_FR``), once Babel knows it."""
    try:
        Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as error:
        raise CliError(
            _("unknown locale {locale} (try fr_FR or en_GB)", locale=value), EXIT_USAGE
        ) from error
    return value.replace("-", "_")
