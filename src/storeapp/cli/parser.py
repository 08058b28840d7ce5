"""The ``storeapp`` command line: the translated parser, built from the command families, and the
entry points ``run`` (what tests call, with the ledger's transport and the clock injected) and
``main`` (the console script's).

Each family under ``storeapp.cli.commands`` adds its own commands; adding a family is one more
entry in ``COMMAND_FAMILIES``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import httpx

from storeapp import i18n
from storeapp.cli.arguments import Subcommands
from storeapp.cli.commands import (
    counter,
    counts,
    day,
    insights,
    job_steps,
    jobs,
    lookup,
    offers,
    orders,
    receiving,
    sales,
    setup,
    shipping,
    sync,
    transfers,
    tui,
)
from storeapp.cli.session import EXIT_OK, EXIT_USAGE, Handler, open_session, run_handler
from storeapp.clock import Now, utc_now
from storeapp.i18n import _

COMMAND_FAMILIES: tuple[Callable[[Subcommands], None], ...] = (
    setup.add_commands,
    lookup.add_commands,
    sync.add_commands,
    sales.add_commands,
    counter.add_commands,
    jobs.add_commands,
    offers.add_commands,
    job_steps.add_commands,
    shipping.add_commands,
    orders.add_commands,
    tui.add_commands,
    day.add_commands,
    counts.add_commands,
    receiving.add_commands,
    transfers.add_commands,
    insights.add_commands,
)
"""In the order ``storeapp --help`` lists them."""


class _Formatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with translated help, usage and error lines (its sub-commands' parsers too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = _("arguments")
        self._optionals.title = _("options")
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help=_("show this help and exit"),
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, _("{prog}: error: {problem}", prog=self.prog, problem=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="storeapp",
        description=_(
            "The store terminal: look items up, sell, order and sync with the ledger. "
            "Without a command it opens the terminal UI."
        ),
        epilog=_(
            "exit codes: 0 done, 1 failed or not found, 2 usage error, 3 ledger unreachable, "
            "4 another process syncs, 5 refused by the ledger, 6 not set up, 7 not signed in, "
            "130 interrupted"
        ),
    )
    parser.set_defaults(handler=tui.cmd_tui)
    commands = parser.add_subparsers(dest="command", title=_("commands"), metavar=_("COMMAND"))
    for add_commands in COMMAND_FAMILIES:
        add_commands(commands)
    return parser


def run(
    argv: Sequence[str] | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    now: Now = utc_now,
) -> int:
    """``main`` with what tests inject: the HTTP transport to the ledger and the clock. The
    language in use before the call is in use again after it."""
    previous = i18n.active()
    try:
        cli = open_session(transport, now)
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else EXIT_USAGE if stop.code else EXIT_OK
        handler: Handler = args.handler
        return run_handler(cli, handler, args)
    finally:
        i18n.use(previous)


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv)
