"""``storeapp setup``: connect this terminal to the ledger and load its store's stock (the use
case is ``storeapp.services.setup``; this module checks what was typed and prints the outcome)."""

from __future__ import annotations

import argparse

from rich.text import Text

from storeapp.cli.arguments import (
    Subcommands,
    add_command,
    add_locale_option,
    check_ledger_url,
    check_locale,
)
from storeapp.cli.session import (
    EXIT_OFFLINE,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    Cli,
    CliError,
    translator_for,
)
from storeapp.i18n import _
from storeapp.services.setup import SetupOutcome, ViewReset, setup_store
from storeapp.sync.client import LedgerRefused, LedgerUnauthorized, LedgerUnavailable


def cmd_setup(cli: Cli, args: argparse.Namespace) -> int:
    base = cli.require_settings()
    url = check_ledger_url(args.ledger)
    token = args.token.strip()
    if not token:
        raise CliError(_("the token is empty"), EXIT_USAGE)
    locale = check_locale(args.locale) if args.locale else None
    try:
        outcome = setup_store(base, url, token, locale=locale, transport=cli.transport, now=cli.now)
    except LedgerUnauthorized as error:
        raise CliError(
            _(
                "the ledger at {url} refused this token ({detail}); nothing was saved",
                url=url,
                detail=error,
            ),
            EXIT_REFUSED,
        ) from error
    except LedgerRefused as error:
        raise CliError(
            _("the ledger at {url} refused: {detail}; nothing was saved", url=url, detail=error),
            EXIT_REFUSED,
        ) from error
    except LedgerUnavailable as error:
        raise CliError(
            _(
                "cannot reach the ledger at {url}: {reason}; nothing was saved",
                url=url,
                reason=error,
            ),
            EXIT_OFFLINE,
        ) from error
    if locale:
        cli.use_translator(translator_for(outcome.settings))
    print_setup(cli, outcome)
    if not outcome.report.online:
        cli.err.print(
            Text(
                _(
                    "the first sync did not finish: {error}. The settings are saved; run "
                    "`storeapp sync --once` when the ledger can be reached.",
                    error=outcome.report.error,
                ),
                style="bold red",
            ),
            soft_wrap=True,
        )
        return EXIT_OFFLINE
    return EXIT_OK


def reset_text(outcome: SetupOutcome) -> str | None:
    """Why setup reset the cache's view of the network, or None when it kept it."""
    if outcome.reset is ViewReset.OTHER_STORE:
        return _(
            "this cache held the view of store {old}; it was reset for store {new}",
            old=outcome.previous_location,
            new=outcome.who.location,
        )
    if outcome.reset is ViewReset.OTHER_LEDGER:
        return _("this cache came from another ledger; its view was reset")
    return None


def print_setup(cli: Cli, outcome: SetupOutcome) -> None:
    who = outcome.who
    cli.say(
        _(
            "This terminal is {device} ({role}) of store {location}, on the ledger {ledger_id}.",
            device=who.device,
            role=who.role.value,
            location=who.location,
            ledger_id=who.ledger_id,
        )
    )
    cli.say(_("Settings saved in {path}", path=outcome.config_path))
    reset = reset_text(outcome)
    if reset is not None:
        cli.warn(reset)
        if outcome.kept_waiting:
            cli.warn(
                _(
                    "{count} operation(s) waiting to be sent were kept; they go to the ledger "
                    "at the next sync",
                    count=outcome.kept_waiting,
                )
            )
    report = outcome.report
    if report.online:
        cache = outcome.cache
        cli.say(
            _(
                "Store {location} ({name}) — catalog: {items} items · positions: {positions} · "
                "units on hand: {units} · changes pulled: {pulled}",
                location=who.location,
                name=cache.store_name,
                items=cache.items,
                positions=cache.positions,
                units=cache.units,
                pulled=report.pulled,
            ),
            style="bold green",
        )
    for summary in report.refusals:
        cli.warn(_("refused by the ledger: {summary}", summary=summary))


def add_commands(commands: Subcommands) -> None:
    setup = add_command(
        commands,
        "setup",
        cmd_setup,
        help=_("connect this terminal to the ledger and load its store's stock"),
        description=_(
            "Ask the ledger which store and role the token belongs to, save the ledger URL and "
            "token in the settings file, and load the store's view of the network."
        ),
    )
    setup.add_argument("--ledger", required=True, metavar="URL", help=_("base URL of the ledger"))
    setup.add_argument(
        "--token", required=True, help=_("this device's token (from `ordersync token create`)")
    )
    add_locale_option(setup)
