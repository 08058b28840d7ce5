"""StoreApp: the store terminal. Screens are thin; the services do the work, in thread workers.

What the app itself owns: the status bar's facts (read every second and after each sync), the
sync worker thread (one per cache, guarded by a file lock), the barcode-scan detector that works
on every screen, and the keys and commands available everywhere.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
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
from storeapp.i18n import Translator, _, active, use
from storeapp.services.lookup import Found, LookupResult
from storeapp.services.status import StoreStatus
from storeapp.sync.engine import SyncLockBusy, SyncReport, SyncWorker
from storeapp.tui.format import barcode_problem
from storeapp.tui.messages import (
    EntryDismissed,
    JobActionDone,
    Notice,
    OpenItem,
    OrderFinished,
    SaleRecorded,
    ScanFinished,
    StatusRead,
    SyncReported,
)
from storeapp.tui.scan import Monotonic, ScanDetector
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.count import CountScreen, CountSessionScreen, CountSubmitted
from storeapp.tui.screens.day_queue import DayQueueScreen
from storeapp.tui.screens.help import HelpScreen
from storeapp.tui.screens.insights import InsightsScreen
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.jobs import JobsScreen
from storeapp.tui.screens.lookup import LookupScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.screens.sync import SyncScreen
from storeapp.tui.text import N_, translate_bindings

LOCK_RETRY_SECONDS = 30.0
"""While another process syncs this cache, how often to check whether it has stopped."""
RESTART_DELAY_SECONDS = 10.0
"""After the sync worker failed unexpectedly, how long before it starts again."""

_InputSnapshot = tuple[Input, str, int]

KEY_NAMES = {"escape": N_("Esc"), "enter": N_("Enter"), "tab": N_("Tab")}
"""Keys named as printed on the store's keyboards (French ones say Échap, Entrée)."""


class StoreApp(App[None]):
    """The store terminal; build it with ``make_app`` (the CLI and the tests both do)."""

    CSS_PATH = "app.tcss"
    TITLE = "storeapp"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", N_("Help")),
        Binding("question_mark", "help", N_("Help"), show=False),
        Binding("f2", "lookup", N_("Look up"), show=False),
        Binding("f3", "sync_screen", N_("Sync status")),
        Binding("f4", "jobs", N_("Jobs"), show=False),
        Binding("f5", "sync_now", N_("Sync now")),
        Binding("f6", "day", N_("Day's queue"), show=False),
        Binding("f7", "counts", N_("Counts"), show=False),
        Binding("f8", "insights", N_("Insights"), show=False),
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
    ]

    store_status: reactive[StoreStatus | None] = reactive(None, always_update=True)
    """What the status bar shows; every screen's bar watches it."""
    last_sync: reactive[SyncReported | None] = reactive(None, always_update=True)
    """The last sync report of this session, with its time."""

    def __init__(
        self,
        context: StoreContext,
        translator: Translator,
        *,
        start_sync_worker: bool = True,
        monotonic: Monotonic = time.monotonic,
        status_interval: float | None = 1.0,
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
        self._sync_stopping = threading.Event()
        self._sync_worker: SyncWorker | None = None
        self._sync_lock = threading.Lock()
        self._sync_thread_done = threading.Event()
        self._sync_thread_done.set()  # no sync thread running

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

    async def on_unmount(self) -> None:
        self._stop_sync()
        # Wait for the sync thread to let go of the cache's lock (it may be mid-request).
        grace = self.context.settings.request_timeout_seconds + 1
        await asyncio.to_thread(self._sync_thread_done.wait, grace)
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

    def action_sync_screen(self) -> None:
        if any(isinstance(screen, SyncScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, SyncScreen):
                self.pop_screen()
            return
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.push_screen(SyncScreen(self.context))

    def action_jobs(self) -> None:
        """The store's queue of jobs to pick (the one in the stack, if any)."""
        if any(isinstance(screen, JobsScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, JobsScreen):
                self.pop_screen()
            return
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.push_screen(JobsScreen(self.context))

    def _bring(self, kind: type[StoreScreen], make: Callable[[], StoreScreen]) -> None:
        """Show the screen of ``kind`` in the stack (closing those above it), else a new one."""
        if any(isinstance(screen, kind) for screen in self.screen_stack):
            while not isinstance(self.screen, kind):
                self.pop_screen()
            return
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.push_screen(make())

    def action_day(self) -> None:
        """The manager's day: jobs against the service level, rejections, devices."""
        self._bring(DayQueueScreen, lambda: DayQueueScreen(self.context))

    def action_counts(self) -> None:
        self._bring(CountScreen, lambda: CountScreen(self.context))

    def action_insights(self) -> None:
        self._bring(InsightsScreen, lambda: InsightsScreen(self.context))

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
        yield SystemCommand(
            _("Look up an item"), _("Back to the lookup screen"), self.action_lookup
        )
        yield SystemCommand(
            _("Jobs to pick"),
            _("The store's queue of jobs: pick, pack, ship, hand over"),
            self.action_jobs,
        )
        yield SystemCommand(
            _("Day's queue"),
            _("The manager's day: late jobs, rejections, collections, sales saved, devices"),
            self.action_day,
        )
        yield SystemCommand(
            _("Counts"), _("Count tasks and counting the shelf"), self.action_counts
        )
        yield SystemCommand(
            _("Insights"),
            _("Stock-out risk, sales trends, what to reorder (managers)"),
            self.action_insights,
        )
        yield SystemCommand(
            _("Sync now"), _("Send waiting operations and fetch changes now"), self.action_sync_now
        )
        yield SystemCommand(
            _("Sync status"),
            _("Waiting operations, refused ones, the last sync"),
            self.action_sync_screen,
        )
        yield SystemCommand(_("Help"), _("Keys of this screen and of the app"), self.action_help)
        yield SystemCommand(_("Quit"), _("Close the store terminal"), self.action_quit)

    async def action_quit(self) -> None:
        self._stop_sync()
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
        self._wake_sync()

    @on(JobActionDone)
    @on(OrderFinished)
    @on(CountSubmitted)
    def _work_queued(self, message: JobActionDone | OrderFinished | CountSubmitted) -> None:
        # An outbox entry waits (a job's move, an order kept offline) or a job may have come
        # here (an order collected in this store): the bar counts it, the sync goes now.
        self.refresh_status()
        self._wake_sync()

    @on(EntryDismissed)
    def _entry_dismissed(self, message: EntryDismissed) -> None:
        self.refresh_status()

    # -- sync ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sync-worker", exit_on_error=False)
    def _run_sync_worker(self) -> None:
        """Sync in rounds until the app closes; wait politely while another process syncs."""
        # Cleared here, not when the worker is asked for: a thread that never started (the app
        # closed at once) must not make the app wait for it on the way out.
        self._sync_thread_done.clear()
        try:
            self._sync_rounds()
        finally:
            self._sync_thread_done.set()

    def _sync_rounds(self) -> None:
        announced = False
        while not self._sync_stopping.is_set():
            worker = self.context.worker(on_report=self._report_from_thread)
            try:
                worker.acquire()
            except SyncLockBusy:
                if not announced:
                    announced = True
                    self._post_from_thread(
                        Notice(
                            _(
                                "Another storeapp on this terminal already syncs this store: "
                                "this window shows its results and does not sync itself."
                            ),
                            "warning",
                        )
                    )
                self._sync_stopping.wait(LOCK_RETRY_SECONDS)
                continue
            if announced:
                announced = False
                self._post_from_thread(
                    Notice(_("The other storeapp has stopped: this window syncs the store now."))
                )
            try:
                with self._sync_lock:
                    self._sync_worker = worker
                if self._sync_stopping.is_set():
                    break
                worker.run()
            except Exception as error:  # a bug or a refusal the engine does not expect
                self._post_from_thread(
                    Notice(_("The sync stopped on an error: {reason}", reason=error), "error")
                )
                self._sync_stopping.wait(RESTART_DELAY_SECONDS)
            finally:
                with self._sync_lock:
                    self._sync_worker = None
                worker.release()

    def _stop_sync(self) -> None:
        self._sync_stopping.set()
        with self._sync_lock:
            if self._sync_worker is not None:
                self._sync_worker.stop()

    def _wake_sync(self) -> bool:
        with self._sync_lock:
            if self._sync_worker is None:
                return False
            self._sync_worker.wake()
            return True

    def _report_from_thread(self, report: SyncReport) -> None:
        self._post_from_thread(SyncReported(report, self.context.now()))

    def _post_from_thread(self, message: Notice | SyncReported) -> None:
        # The event loop may be closed already: the app has gone, nobody is left to tell.
        with suppress(RuntimeError):
            self.post_message(message)

    def action_sync_now(self) -> None:
        self.notify(_("Syncing now…"), markup=False)
        if not self._wake_sync():
            self._sync_once()

    @work(thread=True, exclusive=True, group="sync-once", exit_on_error=False)
    def _sync_once(self) -> None:
        """One round when this app runs no sync worker, if no other process is syncing."""
        worker = self.context.worker()
        try:
            worker.acquire()
        except SyncLockBusy:
            self._post_from_thread(
                Notice(
                    _("Another storeapp is syncing this store: it sends the waiting operations."),
                    "warning",
                )
            )
            return
        try:
            report = self.context.sync.sync_once()
        except Exception as error:
            report = SyncReport(online=False, error=str(error))
        finally:
            worker.release()
        self._post_from_thread(SyncReported(report, self.context.now()))

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
        if report.online and (report.accepted or report.pulled):
            for screen in self.screen_stack:
                if isinstance(screen, ItemScreen):
                    screen.refresh_from_cache()

    # -- barcode scanner -----------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Keys arrive here before any widget sees them: the only place a scan can be told
        # apart whatever has the focus. Keys still go on as usual, except a scan's Enter.
        if isinstance(event, events.Key) and not event.is_forwarded and self._scan_key(event):
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
        elif isinstance(screen, PickScreen | CountScreen | CountSessionScreen):
            screen.scan(code)  # a unit of the job or of the count on screen, not an item to open
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
            text = _(
                "{code} is not a valid barcode: {reason}.",
                code=result.query,
                reason=barcode_problem(result.query, result.problem),
            )
        elif result.found is Found.UNKNOWN_BARCODE:
            text = _(
                "No item carries barcode {code} in this store's catalog (sync may bring it).",
                code=result.query,
            )
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
) -> StoreApp:
    """The store terminal for ``context``, speaking ``translator``'s language.

    ``start_sync_worker=False`` leaves syncing to "sync now" (tests, a second window);
    ``monotonic`` is the clock the scan detector reads; ``status_interval`` how often the
    status bar is read again (None: only after actions and syncs).
    """
    return StoreApp(
        context,
        translator,
        start_sync_worker=start_sync_worker,
        monotonic=monotonic,
        status_interval=status_interval,
    )
