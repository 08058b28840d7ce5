"""StoreApp: the store terminal. Screens are thin; the services do the work, in thread workers.

What the app itself owns: the status bar's facts (read every second and after each sync), the
thread its background sync runs in (``background_sync``), the barcode-scan detector that works on
every screen, the keys and commands available everywhere, derived from the destination table
(``destinations``): the app holds no code of its own for any one destination screen; and, in a
store with staff, who is signed in: the sign-in screen first, again after ``idle_sign_out_minutes``
without a key (over the work in progress, which stays), and a manager's PIN before a destination
for managers when an associate is signed in.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from contextlib import suppress
from functools import partial
from typing import ClassVar, cast

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState, get_current_worker

from storeapp.context import StoreContext
from storeapp.i18n import N_, Translator, _, active, use
from storeapp.services.lookup import Found, LookupResult
from storeapp.services.staff import StaffPerson
from storeapp.services.status import StoreStatus
from storeapp.tui.background_sync import BackgroundSync
from storeapp.tui.destinations import DESTINATIONS, destination_bindings, destination_screen
from storeapp.tui.messages import (
    EntryDismissed,
    JobActionDone,
    Notice,
    OfferClaimed,
    OpenItem,
    OrderFinished,
    SaleRecorded,
    ScanFinished,
    StatusRead,
    SyncReported,
)
from storeapp.tui.scan import Monotonic, ScanDetector
from storeapp.tui.screens.base import StoreModal, StoreScreen
from storeapp.tui.screens.count import CountScreen, CountSessionScreen, CountSubmitted
from storeapp.tui.screens.help import HelpScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.lookup import LookupScreen
from storeapp.tui.screens.order import OrderScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.screens.receive import MotionRecorded, SheetScreen
from storeapp.tui.screens.returns import ReturnsScreen
from storeapp.tui.screens.sign_in import SignInScreen, with_manager
from storeapp.tui.text import translate_bindings
from storeapp.wording.catalog import invalid_barcode, unknown_barcode
from storeapp.wording.staff import nobody_signed_in, signed_in_as

_InputSnapshot = tuple[Input, str, int]

KEY_NAMES = {"escape": N_("Esc"), "enter": N_("Enter"), "tab": N_("Tab")}
"""Keys named as printed on the store's keyboards (French ones say Échap, Entrée)."""
IDLE_CHECK_SECONDS = 5.0
"""How often the app looks whether its person has been idle too long."""
SIGNED_OUT_ACTIONS = frozenset({"quit"})
"""The app's only action while the sign-in screen is up."""


class StoreApp(App[None]):
    """The store terminal; build it with ``make_app`` (the CLI and the tests both do)."""

    CSS_PATH = "app.tcss"
    TITLE = "storeapp"
    BINDINGS: ClassVar[list[BindingType]] = [
        *destination_bindings(),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
    ]

    store_status: reactive[StoreStatus | None] = reactive(None, always_update=True)
    """What the status bar shows; every screen's bar watches it."""
    last_sync: reactive[SyncReported | None] = reactive(None, always_update=True)
    """The last sync report of this session, with its time."""
    person_line: reactive[str] = reactive("")
    """Who is signed in, as the status bar shows it (empty in a store without staff)."""

    def __init__(
        self,
        context: StoreContext,
        translator: Translator,
        *,
        start_sync_worker: bool = True,
        monotonic: Monotonic = time.monotonic,
        status_interval: float | None = 1.0,
        idle_clock: Monotonic = time.monotonic,
    ) -> None:
        self._previous_translator = active()
        use(translator)
        super().__init__()
        translate_bindings(self)
        self.context = context
        self.translator = translator
        self._start_sync_worker = start_sync_worker
        self._status_interval = status_interval
        self._scanner = ScanDetector(monotonic)
        self._before_scan: _InputSnapshot | None = None
        self._status_worker: Worker[None] | None = None
        self._status_again = False
        self._sync = BackgroundSync(context, self._post_from_thread)
        self._idle_clock = idle_clock
        self._last_key = idle_clock()
        self._staffed = False

    # -- screens -----------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return LookupScreen(self.context)

    def on_mount(self) -> None:
        self.title = _("storeapp · {store}", store=self.context.location)
        self.refresh_status()
        if self._status_interval:
            self.set_interval(self._status_interval, self.refresh_status)
        if self._start_sync_worker:
            self._run_sync_worker()
        self.set_interval(IDLE_CHECK_SECONDS, self.sign_out_if_idle)
        self._staff_arrived()

    async def on_unmount(self) -> None:
        self._sync.stop()
        # Wait for the sync thread to let go of the cache's lock (it may be mid-request).
        grace = self.context.settings.request_timeout_seconds + 1
        await asyncio.to_thread(self._sync.wait_finished, grace)
        use(self._previous_translator)

    @on(OpenItem)
    def open_item(self, message: OpenItem) -> None:
        self.show_item(message.sku)

    def show_item(self, sku: str) -> None:
        """Show ``sku`` on the item screen: the one on top if any, else a new one."""
        screen = self.screen
        if isinstance(screen, ItemScreen):
            screen.show_sku(sku)
        else:
            self.push_screen(ItemScreen(self.context, sku))

    def action_lookup(self) -> None:
        """Back to the lookup screen, ready for the next search."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        screen = self.screen
        if isinstance(screen, LookupScreen):
            screen.focus_query()

    def action_go(self, name: str) -> None:
        """Show the screen of the destination called ``name`` (see ``destinations``); one for
        managers asks a manager's PIN first when an associate is signed in."""
        destination = destination_screen(name)
        screen = destination.screen
        assert screen is not None
        if destination.managers:
            with_manager(
                self, self.context, _(destination.title), lambda _manager: self._bring(screen)
            )
        else:
            self._bring(screen)

    def _bring(self, kind: type[StoreScreen]) -> None:
        """Show the screen of ``kind`` in the stack (closing those above it), else a new one."""
        if any(isinstance(screen, kind) for screen in self.screen_stack):
            while not isinstance(self.screen, kind):
                self.pop_screen()
            return
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.push_screen(kind(self.context))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.key_help()))

    def key_help(self) -> list[tuple[str, str]]:
        """(key, what it does) for the screen on top, then the whole app, as help lists them."""
        screen = self.screen
        rows = screen.help_lines() if isinstance(screen, StoreScreen) else []
        keys_of: dict[str, list[str]] = {}
        for node in (screen, self):
            # Only the keys this app declares: Textual's own (focus moves, copy) are not news.
            ours = {
                binding.key
                for cls in type(node).__mro__
                if cls.__module__.startswith("storeapp.")
                for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", []))
            }
            for key, bindings in node._bindings.key_to_bindings.items():
                if key not in ours:
                    continue
                for binding in bindings:
                    if binding.description:
                        keys = keys_of.setdefault(binding.description, [])
                        if (display := self.get_key_display(binding)) not in keys:
                            keys.append(display)
        rows.extend((" ".join(keys), description) for description, keys in keys_of.items())
        scan = screen.scan_help() if isinstance(screen, StoreScreen) else None
        rows.append((_("scan"), scan or _("open the scanned item, on any screen")))
        return rows

    def get_key_display(self, binding: Binding) -> str:
        if binding.key in KEY_NAMES:
            return _(KEY_NAMES[binding.key])
        display = super().get_key_display(binding)
        # Function keys read as printed on the keyboard: F1, not f1.
        return display.upper() if re.fullmatch(r"f\d{1,2}", display) else display

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(
                CommandPalette(placeholder=_("Search for commands…"), id="--command-palette")
            )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for destination in DESTINATIONS:
            yield SystemCommand(
                _(destination.title),
                _(destination.description),
                partial(self.run_action, destination.action),
            )

    # -- staff -------------------------------------------------------------------------------

    def _staff_arrived(self) -> None:
        """In a store with staff (now, or since the last sync brought them), ask who is here."""
        if self._staffed or not self.context.staff.has_staff():
            return
        self._staffed = True
        self._show_person()
        if self.context.shift.person is None:
            self._ask_sign_in()

    def _ask_sign_in(self) -> None:
        if not any(
            isinstance(screen, SignInScreen) and screen.approval is None
            for screen in self.screen_stack
        ):
            self.push_screen(SignInScreen(self.context), self._signed_in)

    def _signed_in(self, person: StaffPerson | None) -> None:
        if person is None:
            return
        self.context.shift.begin(person)
        self._last_key = self._idle_clock()
        self._show_person()
        self.notify(_("Signed in: {person}", person=signed_in_as(person)), markup=False)

    def _show_person(self) -> None:
        person = self.context.shift.person
        if not self._staffed:
            self.person_line = ""
        else:
            self.person_line = nobody_signed_in() if person is None else signed_in_as(person)

    def action_sign_out(self) -> None:
        """Sign the person out: the sign-in screen comes over the work in progress."""
        if not self._staffed:
            self.notify(_("This store has no staff to sign in or out."), markup=False)
            return
        self.context.shift.end()
        self._show_person()
        self._ask_sign_in()

    def sign_out_if_idle(self) -> None:
        """Sign the person out once no key was pressed for ``idle_sign_out_minutes``."""
        if not self._staffed or self.context.shift.person is None:
            return
        idle = self._idle_clock() - self._last_key
        if idle >= self.context.settings.idle_sign_out_minutes * 60:
            self.action_sign_out()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing of the app is reachable from the sign-in form or a manager's approval.
        if isinstance(self.screen, SignInScreen):
            return action in SIGNED_OUT_ACTIONS
        return True

    async def action_quit(self) -> None:
        self._sync.stop()
        self.exit()

    # -- notices -------------------------------------------------------------------------

    @on(Notice)
    def _notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch what they expect; anything else is shown, never a traceback.
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.log.error("worker failed", event.worker.name, error)
            self.notify(
                _("Something went wrong: {reason}", reason=error),
                severity="error",
                markup=False,
            )

    # -- status bar ----------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Read the status bar's facts again (in a thread; at most one read at a time)."""
        if self._status_worker is not None and self._status_worker.is_running:
            self._status_again = True
            return
        self._status_again = False
        self._status_worker = self._read_status()

    @work(thread=True, group="status", exit_on_error=False)
    def _read_status(self) -> None:
        try:
            status = self.context.status.status()
        except Exception as error:
            # Shown once by the bar staying as it was; logged for the support team.
            self.log.error("cannot read the store status", error)
            return
        self.post_message(StatusRead(status))

    @on(StatusRead)
    def _status_read(self, message: StatusRead) -> None:
        self.store_status = message.status
        if self._status_again:
            self.refresh_status()

    @on(SaleRecorded)
    def _sale_recorded(self, message: SaleRecorded) -> None:
        self.refresh_status()
        self._sync.wake()

    @on(JobActionDone)
    @on(OrderFinished)
    @on(CountSubmitted)
    @on(MotionRecorded)
    @on(OfferClaimed)
    def _work_queued(
        self,
        message: JobActionDone | OrderFinished | CountSubmitted | MotionRecorded | OfferClaimed,
    ) -> None:
        # An outbox entry waits (a job's move, an order kept offline) or a job may have come
        # here (an order collected in this store): the bar counts it, the sync goes now.
        self.refresh_status()
        self._sync.wake()

    @on(EntryDismissed)
    def _entry_dismissed(self, message: EntryDismissed) -> None:
        self.refresh_status()

    # -- sync ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sync-worker", exit_on_error=False)
    def _run_sync_worker(self) -> None:
        self._sync.run()

    def _post_from_thread(self, message: Notice | SyncReported) -> None:
        # The event loop may be closed already: the app has gone, nobody is left to tell.
        with suppress(RuntimeError):
            self.post_message(message)

    def action_sync_now(self) -> None:
        self.notify(_("Syncing now…"), markup=False)
        if not self._sync.wake():
            self._sync_once()

    @work(thread=True, exclusive=True, group="sync-once", exit_on_error=False)
    def _sync_once(self) -> None:
        self._sync.sync_once()

    @on(SyncReported)
    def _sync_reported(self, message: SyncReported) -> None:
        self.last_sync = message
        self.refresh_status()
        report = message.report
        if report.refused:
            self.notify(
                _(
                    "The ledger refused {count} operation(s): see Sync status (F3).",
                    count=report.refused,
                ),
                severity="warning",
                markup=False,
            )
        if report.online and report.pulled and not self._staffed:
            self._staff_arrived()
        if report.online and (report.accepted or report.pulled):
            for screen in self.screen_stack:
                if isinstance(screen, ItemScreen):
                    screen.refresh_from_cache()

    # -- barcode scanner -----------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Keys arrive here before any widget sees them: the only place a scan can be told
        # apart whatever has the focus. Keys still go on as usual, except a scan's Enter.
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._last_key = self._idle_clock()
            # What is typed in the sign-in form is a code and a PIN, never a scan.
            if not isinstance(self.screen, SignInScreen) and self._scan_key(event):
                return
        await super().on_event(event)

    def _scan_key(self, event: events.Key) -> bool:
        """Feed the detector; True when ``event`` is the Enter that ends a scan."""
        if event.key == "enter":
            code = self._scanner.enter()
            if code is None:
                return False
            snapshot, self._before_scan = self._before_scan, None
            # The digits may still wait in the focused widget's queue: act after them.
            target = self.focused or self.screen
            target.call_later(self._scanned, code, snapshot)
            return True
        char = event.character
        if char is not None and len(char) == 1 and char in "0123456789":
            if self._scanner.digit(char):
                focused = self.focused
                self._before_scan = (
                    (focused, focused.value, focused.cursor_position)
                    if isinstance(focused, Input)
                    else None
                )
            return False
        self._scanner.other()
        return False

    def _scanned(self, code: str, snapshot: _InputSnapshot | None) -> None:
        # Runs in the focused widget's queue, maybe inside the dialog it closes: never await
        # here (waiting for that dialog to go would wait for this very callback).
        if isinstance(self.screen, StoreModal) and self.screen.take_scan(code):
            return  # a dialog that reads barcodes itself (a tracking number)
        if snapshot is not None:
            # The scanner typed into a field: give the field back what it held before.
            field, value, cursor = snapshot
            if field.is_mounted:
                field.value = value
                field.cursor_position = cursor
        # A scan wins over a dialog (help, sale quantity, command palette).
        while isinstance(self.screen, ModalScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
        screen = self.screen
        if isinstance(screen, LookupScreen):
            screen.run_query(code)
        elif isinstance(
            screen,
            PickScreen
            | CountScreen
            | CountSessionScreen
            | SheetScreen
            | ReturnsScreen
            | OrderScreen,
        ):
            screen.scan(code)  # a unit of the job, count, return or order on screen
        else:
            self._find_scanned(code)

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _find_scanned(self, code: str) -> None:
        try:
            result = self.context.lookup.find(code)
        except Exception as error:
            result = LookupResult(Found.NOT_FOUND, code, problem=str(error))
        if not get_current_worker().is_cancelled:
            self.post_message(ScanFinished(result))

    @on(ScanFinished)
    def _scan_finished(self, message: ScanFinished) -> None:
        result = message.result
        if result.found is Found.ITEM and result.item is not None:
            self.show_item(result.item.sku)
            return
        if result.found is Found.BAD_BARCODE:
            text = invalid_barcode(result.query, result.problem)
        elif result.found is Found.UNKNOWN_BARCODE:
            text = unknown_barcode(result.query)
        elif result.problem:
            text = _("The lookup failed: {reason}", reason=result.problem)
        else:
            text = _("Nothing found for “{query}”.", query=result.query)
        self.notify(text, severity="error", markup=False)


def make_app(
    context: StoreContext,
    translator: Translator,
    *,
    start_sync_worker: bool = True,
    monotonic: Monotonic = time.monotonic,
    status_interval: float | None = 1.0,
    idle_clock: Monotonic = time.monotonic,
) -> StoreApp:
    """The store terminal for ``context``, speaking ``translator``'s language.

    ``start_sync_worker=False`` leaves syncing to "sync now" (tests, a second window);
    ``monotonic`` is the clock the scan detector reads; ``status_interval`` how often the
    status bar is read again (None: only after actions and syncs); ``idle_clock`` the clock
    that tells how long no key was pressed (signing the person out after a while).
    """
    return StoreApp(
        context,
        translator,
        start_sync_worker=start_sync_worker,
        monotonic=monotonic,
        status_interval=status_interval,
        idle_clock=idle_clock,
    )
