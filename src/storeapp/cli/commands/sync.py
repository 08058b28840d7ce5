"""``storeapp sync`` and ``storeapp status``: send the operations waiting in the outbox and pull
the ledger's changes (once, or in rounds until Ctrl+C or SIGTERM), and what the terminal knows
about its sync without calling the ledger.

Promises kept here: the sync lock is held for the whole run and released however it ends; a
stopped loop gives the round under way twice the request timeout (and 5 s) to finish.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from storeapp.cache import outbox
from storeapp.cli.arguments import Subcommands, add_command
from storeapp.cli.output import print_status, refusal_reason
from storeapp.cli.session import EXIT_OFFLINE, EXIT_OK, Cli
from storeapp.context import StoreContext
from storeapp.i18n import _
from storeapp.sync.engine import SyncReport


def print_report(cli: Cli, report: SyncReport, refused: Sequence[outbox.Entry]) -> None:
    if report.online:
        cli.say(_("Online."), style="bold green")
    else:
        cli.say(_("Offline: {error}", error=report.error), style="bold red")
    cli.say(
        _(
            "Sent and accepted: {accepted} · refused: {refused} · changes pulled: {pulled}",
            accepted=report.accepted,
            refused=report.refused,
            pulled=report.pulled,
        )
    )
    if report.bootstrapped:
        cli.say(_("The network view was loaded from the start."))
    listed = {entry.summary for entry in refused}
    for entry in refused:
        cli.warn(
            _("refused: {summary}: {reason}", summary=entry.summary, reason=refusal_reason(entry))
        )
    for summary in report.refusals:
        if summary not in listed:
            cli.warn(_("refused: {summary}", summary=summary))


def cmd_sync(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        if args.once:
            return _sync_once(cli, context)
        return _sync_forever(cli, context)


def _sync_once(cli: Cli, context: StoreContext) -> int:
    worker = context.worker()
    worker.acquire()
    try:
        before = {entry.id for entry in outbox.needing_attention(context.engine)}
        report = context.sync.sync_once()
        refused = [e for e in outbox.needing_attention(context.engine) if e.id not in before]
    finally:
        worker.release()
    print_report(cli, report, refused)
    waiting, attention = _counts(context)
    cli.say(
        _(
            "Waiting: {waiting} · needing attention: {attention}",
            waiting=waiting,
            attention=attention,
        )
    )
    return EXIT_OK if report.online else EXIT_OFFLINE


def _counts(context: StoreContext) -> tuple[int, int]:
    with context.engine.connect() as connection:
        return outbox.counts(connection)


def _sync_forever(cli: Cli, context: StoreContext) -> int:
    last_online: list[bool | None] = [None]

    def on_report(report: SyncReport) -> None:
        changed = last_online[0] is not report.online
        last_online[0] = report.online
        if not (changed or report.accepted or report.refused or report.pulled):
            return
        moment = cli.translator.moment(cli.now(), "HH:mm:ss")
        state = _("online") if report.online else _("offline: {error}", error=report.error)
        cli.say(
            _(
                "{time} {state} · accepted {accepted} · refused {refused} · pulled {pulled}",
                time=moment,
                state=state,
                accepted=report.accepted,
                refused=report.refused,
                pulled=report.pulled,
            )
        )
        for summary in report.refusals:
            cli.warn(_("refused: {summary}", summary=summary))

    worker = context.worker(on_report=on_report)
    worker.acquire()
    failure: list[BaseException] = []

    def run_worker() -> None:
        try:
            worker.run()
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=run_worker, name="storeapp-sync", daemon=True)
    cli.say(
        _(
            "Syncing {location} with {url} every {seconds} s; Ctrl+C stops.",
            location=context.location,
            url=context.settings.ledger_url,
            seconds=cli.translator.number(context.settings.sync_interval_seconds),
        ),
    )
    previous_term = _raise_interrupt_on_sigterm()
    try:
        thread.start()
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        cli.say(_("Stopping..."))
    finally:
        worker.stop()
        thread.join(timeout=context.settings.request_timeout_seconds * 2 + 5)
        worker.release()
        _restore_sigterm(previous_term)
    if failure:
        raise failure[0]
    cli.say(_("Sync stopped."))
    return EXIT_OK


_SignalHandler = Callable[[int, FrameType | None], Any] | int | None


def _raise_interrupt_on_sigterm() -> _SignalHandler:
    """SIGTERM stops the loop like Ctrl+C (only possible from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)


def _restore_sigterm(previous: _SignalHandler) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)


def cmd_status(cli: Cli, args: argparse.Namespace) -> int:
    with cli.store() as context:
        print_status(cli, context)
    return EXIT_OK


def add_commands(commands: Subcommands) -> None:
    sync = add_command(
        commands,
        "sync",
        cmd_sync,
        help=_("send waiting operations and pull the ledger's changes"),
        description=_(
            "Send the operations waiting in the outbox and pull the ledger's changes, "
            "in rounds until Ctrl+C, or once with --once."
        ),
    )
    sync.add_argument("--once", action="store_true", help=_("one round, print its report and exit"))
    add_command(
        commands,
        "status",
        cmd_status,
        help=_("store, connection, age of the network view, waiting and refused operations"),
        description=_("What the terminal knows about its sync, without calling the ledger."),
    )
