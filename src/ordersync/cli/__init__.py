"""The ``ordersync`` command: serve the ledger, migrate it, check it, issue tokens, load the demo
network, schedule counts and read reports. ``main`` is the console script's entry point."""

from ordersync.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
