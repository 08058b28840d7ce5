"""The terminal UI, which ``storeapp`` opens without a command, and ``storeapp demo``, which runs
a demo ledger on this machine and opens the terminal of one of its stores. Both import what they
run only when they run it: the terminal UI (``textual``) and the demo launcher."""

from __future__ import annotations

import argparse
from pathlib import Path

from storeapp.cli.arguments import Subcommands, add_command, add_locale_option
from storeapp.cli.session import Cli, open_tui
from storeapp.i18n import _


def cmd_tui(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        return open_tui(context, cli.translator)


def cmd_demo(cli: Cli, args: argparse.Namespace) -> int:
    # Imported on use: the launcher imports this package's session, so importing it at the top
    # would close an import cycle (and make `import storeapp.demo` fail half-way).
    from storeapp.demo import run_demo

    return run_demo(cli, args)


def add_commands(commands: Subcommands) -> None:
    demo = add_command(
        commands,
        "demo",
        cmd_demo,
        help=_("run a demo ledger on this machine and open the terminal of store PAR-01"),
        description=_(
            "Load the demo network into a ledger under the data directory, serve it on "
            "127.0.0.1, set up a terminal for store PAR-01 and open it. Running it again "
            "reuses the data."
        ),
    )
    demo.add_argument(
        "--no-tui",
        action="store_true",
        help=_("stop after the setup: print the store status, the ledger URL and token"),
    )
    demo.add_argument(
        "--folder", type=Path, help=_("demo folder (default: demo under the data directory)")
    )
    add_locale_option(demo)
    demo.add_argument(
        "--seed", type=int, default=7, help=_("random seed of the demo network (default 7)")
    )
