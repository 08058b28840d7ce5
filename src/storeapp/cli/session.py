"""The session of one ``storeapp`` command: its consoles, settings, translator, clock and way to
the ledger (``Cli``), the exit codes, and the runner that turns every failure into one line on
stderr and its exit code.

Exit codes: 0 done; 1 failed (not found, bad input, unexpected error); 2 usage error; 3 the ledger
cannot be reached (offline); 4 another process syncs this cache; 5 the ledger refused (token,
permission); 6 this terminal is not set up; 7 the person was not signed in (unknown code, wrong
PIN, locked out); 130 interrupted.

A command that makes operations (``makes_operations`` in ``arguments.add_command``) signs its
person in when it opens the store: ``--as CODE``, the PIN asked without echo or read from
standard input. A store without staff signs nobody in, as before staff existed.

Promises kept here: a command never ends on a traceback (unless ``STOREAPP_DEBUG`` asks for it);
the store a command opens is closed when it ends; the terminal UI (and so ``textual``) is imported
only when a command opens it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfoNotFoundError

import httpx
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from storeapp import i18n
from storeapp.clock import Now
from storeapp.config import StoreSettings, config_file_path
from storeapp.context import NotSetUp, StoreContext, open_store
from storeapp.i18n import Translator, _
from storeapp.services.reports import Answer, Refusal
from storeapp.services.staff import SignInRefused
from storeapp.sync.client import LedgerRefused, LedgerUnauthorized, LedgerUnavailable
from storeapp.sync.engine import SyncLockBusy
from storeapp.wording.manager import report_refusal
from storeapp.wording.staff import sign_in_refusal

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_OFFLINE = 3
EXIT_BUSY = 4
EXIT_REFUSED = 5
EXIT_NOT_SET_UP = 6
EXIT_NOT_SIGNED_IN = 7
EXIT_INTERRUPTED = 130

T = TypeVar("T")


class CliError(Exception):
    """A failure to tell the user in one sentence, with the exit code it maps to."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def sync_hint() -> str:
    """How staff sync from a shell, for the sentences that tell them to."""
    return _("run `storeapp sync --once`")


@dataclass(frozen=True)
class SignInRequest:
    """Who a command that makes operations is run by: ``--as CODE`` (None when not given), and
    whether the PIN comes from standard input rather than a prompt."""

    code: str | None
    pin_stdin: bool


@dataclass
class Cli:
    """What every command needs: output, the settings, and how to reach the ledger."""

    out: Console
    err: Console
    translator: Translator
    settings: StoreSettings | None
    settings_error: CliError | None
    transport: httpx.BaseTransport | None
    now: Now
    sign_in: SignInRequest | None = None
    """Set for a command that makes operations: its person signs in when the store opens."""

    def say(self, message: str, style: str | None = None) -> None:
        self.out.print(Text(message, style=style or ""), soft_wrap=True)

    def warn(self, message: str) -> None:
        self.err.print(Text.assemble((_("warning: "), "bold yellow"), message), soft_wrap=True)

    def error(self, message: str) -> None:
        self.err.print(Text.assemble((_("error: "), "bold red"), message), soft_wrap=True)

    def use_translator(self, translator: Translator) -> None:
        self.translator = translator
        i18n.use(translator)

    def require_settings(self) -> StoreSettings:
        if self.settings is None:
            assert self.settings_error is not None
            raise self.settings_error
        return self.settings

    @contextmanager
    def store(self) -> Iterator[StoreContext]:
        """The store's services, closed afterwards; a clear error when setup has not been run."""
        settings = self.require_settings()
        if not settings.token:
            raise CliError(
                _(
                    "this terminal has no ledger token yet: run "
                    "`storeapp setup --ledger URL --token TOKEN`"
                ),
                EXIT_NOT_SET_UP,
            )
        try:
            context = open_store(settings, now=self.now, transport=self.transport)
        except NotSetUp as error:
            raise CliError(
                _(
                    "this terminal does not know its store yet: run "
                    "`storeapp setup --ledger URL --token TOKEN`"
                ),
                EXIT_NOT_SET_UP,
            ) from error
        try:
            if self.sign_in is not None:
                self._sign_in(context, self.sign_in)
            yield context
        finally:
            context.close()

    def _sign_in(self, context: StoreContext, request: SignInRequest) -> None:
        """Put the command's person on the shift; a store without staff has nobody to sign in."""
        if not context.staff.has_staff():
            if request.code is not None:
                self.warn(
                    _("this store has no staff yet: --as {code} is ignored", code=request.code)
                )
            return
        if request.code is None:
            raise CliError(
                _(
                    "this store signs its staff in: name yourself with --as CODE "
                    "(your PIN is asked)"
                ),
                EXIT_USAGE,
            )
        pin = _read_pin(request)
        try:
            person = context.staff.sign_in(request.code, pin)
        except SignInRefused as refused:
            raise CliError(sign_in_refusal(refused, self.now()), EXIT_NOT_SIGNED_IN) from None
        context.shift.begin(person)


Handler = Callable[[Cli, argparse.Namespace], int]
"""A command: the session and its parsed arguments in, its exit code out."""


def _read_pin(request: SignInRequest) -> str:
    """The PIN, from standard input (one line) or asked without echo; never shown nor kept."""
    if request.pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        try:
            pin = getpass.getpass(_("PIN for {code}: ", code=request.code))
        except EOFError:
            pin = ""
    if not pin:
        raise CliError(
            _("no PIN was given (type it when asked, or pipe it with --pin-stdin)"),
            EXIT_NOT_SIGNED_IN,
        )
    return pin


def load_settings() -> StoreSettings:
    """The settings from ``STOREAPP_*`` variables and the settings file, or a readable error."""
    path = config_file_path()
    try:
        return StoreSettings()
    except tomllib.TOMLDecodeError as error:
        raise CliError(
            _("the settings file {path} is not valid TOML: {error}", path=path, error=error)
        ) from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        )
        raise CliError(
            _(
                "invalid settings (file {path} or STOREAPP_* variables): {problems}",
                path=path,
                problems=problems,
            )
        ) from error
    except OSError as error:
        raise CliError(
            _("cannot read the settings file {path}: {error}", path=path, error=error)
        ) from error


def translator_for(settings: StoreSettings | None) -> Translator:
    if settings is None:
        return Translator()
    try:
        return Translator(settings.locale, settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Translator(settings.locale)


def open_session(transport: httpx.BaseTransport | None, now: Now) -> Cli:
    """The session of a command about to run: settings read (or why not) and its language in use;
    a settings error is raised only by the commands that need the settings."""
    settings: StoreSettings | None = None
    settings_error: CliError | None = None
    try:
        settings = load_settings()
    except CliError as error:
        settings_error = error
    translator = translator_for(settings)
    i18n.use(translator)
    return Cli(
        out=Console(highlight=False),
        err=Console(stderr=True, highlight=False),
        translator=translator,
        settings=settings,
        settings_error=settings_error,
        transport=transport,
        now=now,
    )


def refusal_error(refusal: Refusal | None, detail: str) -> CliError:
    """The error of a manager's read the ledger did not answer (reports, the day, count tasks)."""
    if refusal is Refusal.MANAGERS_ONLY:
        return CliError(
            _(
                "managers only: this terminal's token is not a manager's of this store "
                "(the ledger refused it)"
            ),
            EXIT_REFUSED,
        )
    if refusal is Refusal.OFFLINE:
        # ``detail`` already says what went wrong ("cannot reach the ledger: ...", "the ledger
        # did not answer in time"): said once, after the state it leaves this terminal in.
        return CliError(_("offline: {error}", error=detail), EXIT_OFFLINE)
    failed = refusal in (Refusal.UNAVAILABLE, Refusal.NOT_FOUND)
    return CliError(report_refusal(refusal, detail), EXIT_FAILED if failed else EXIT_REFUSED)


def answered(answer: Answer[T]) -> T:
    """The ledger's answer, or the ``CliError`` that says why there is none."""
    if answer.value is None:
        raise refusal_error(answer.refusal, answer.detail)
    return answer.value


def open_tui(context: StoreContext, translator: Translator) -> int:
    """Run the Textual app on ``context`` until it exits (textual is imported only here)."""
    try:
        from storeapp.tui.app import make_app
    except ImportError as error:
        raise CliError(_("the terminal UI cannot start: {error}", error=error)) from error
    app = make_app(context, translator, start_sync_worker=True)
    app.run()
    code = getattr(app, "return_code", None)
    return int(code) if isinstance(code, int) else EXIT_OK


def run_handler(cli: Cli, handler: Handler, args: argparse.Namespace) -> int:
    """Run one command; every failure ends as one line on stderr and its exit code."""
    if getattr(args, "makes_operations", False):
        cli.sign_in = SignInRequest(args.person, args.pin_stdin)
    try:
        return handler(cli, args)
    except CliError as error:
        return _fail(cli, error.message, error.code)
    except LedgerUnauthorized as error:
        return _fail(
            cli,
            _(
                "the ledger refused this device's token ({detail}): ask for a new token and "
                "run `storeapp setup` again",
                detail=error,
            ),
            EXIT_REFUSED,
        )
    except LedgerRefused as error:
        return _fail(cli, _("the ledger refused: {detail}", detail=error), EXIT_REFUSED)
    except LedgerUnavailable as error:
        return _fail(cli, _("offline: {error}", error=error), EXIT_OFFLINE)
    except SyncLockBusy as error:
        return _fail(
            cli,
            _(
                "another storeapp process (the terminal UI or `storeapp sync`) is syncing this "
                "cache ({detail}); it keeps it up to date",
                detail=error,
            ),
            EXIT_BUSY,
        )
    except KeyboardInterrupt:
        cli.err.print(Text(_("interrupted"), style="yellow"))
        return EXIT_INTERRUPTED
    except SQLAlchemyError as error:
        return _fail(
            cli,
            _(
                "the local cache cannot be used: {error}",
                error=error.__class__.__name__ + ": " + str(getattr(error, "orig", None) or error),
            ),
            EXIT_FAILED,
        )
    except OSError as error:
        return _fail(cli, _("system error: {error}", error=error), EXIT_FAILED)
    except Exception as error:
        if os.environ.get("STOREAPP_DEBUG"):
            raise
        return _fail(
            cli,
            _(
                "unexpected error: {error} (run again with STOREAPP_DEBUG=1 to see the details)",
                error=f"{type(error).__name__}: {error}",
            ),
            EXIT_FAILED,
        )


def _fail(cli: Cli, message: str, code: int) -> int:
    cli.error(message)
    return code
