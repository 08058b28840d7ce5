"""Counting the shelf: the store's count tasks, then a count session where each unit found is
scanned (or its SKU typed), adjusted with + and -, and submitted after a confirmation.

Submitted counts go to the outbox like every other operation, so counting works offline; the
ledger turns each into the right difference even while the store keeps selling. A count of an
item this terminal still holds unsent sales of is refused with the reason (sync first), since
those sales would be taken twice. The count is blind: what the record says is not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import DataTable, Footer, Input, Static

from ordersync.contract import MAX_QUANTITY
from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.counting import (
    CountLine,
    CountRefused,
    CountSession,
    RecordedCount,
    Tasks,
)
from storeapp.services.reports import Refusal
from storeapp.services.staff import StaffPerson
from storeapp.tui.format import clock_time, sync_hint
from storeapp.tui.messages import Notice, SyncReported
from storeapp.tui.screens.base import StoreModal, StoreScreen
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.sign_in import with_manager
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.counts import count_refusal, submitted_text, task_reason
from storeapp.wording.figures import number
from storeapp.wording.manager import report_refusal

Change = Callable[[CountSession], CountLine]
SCHEDULE_LIMIT = 20
"""Cycle-count tasks a manager's "plan counts" tops the list up to."""
NAME_WIDTH = 22
"""Item names are cut to this width, so the tables fit 80 columns."""


@dataclass
class TasksLoaded(Message):
    tasks: Tasks


@dataclass
class CountChanged(Message):
    """A line of the session changed (a unit scanned, adjusted, or the count started)."""

    line: CountLine
    begun: bool = False
    """The item's count just started (no unit counted by this change)."""


@dataclass
class CountFailed(Message):
    error: CountRefused


@dataclass
class CountSubmitted(Message):
    """Counts are in the outbox; the app refreshes the status bar and wakes the sync."""

    recorded: list[RecordedCount]


class EntryScreen(StoreModal[str | None]):
    """Asks for one value: a barcode or SKU to add, or the number of units found."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, label: str, value: str = "", *, integer: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.label = label
        self.value = value
        self.integer = integer

    def compose(self) -> ComposeResult:
        with Vertical(id="entry-dialog", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.label, markup=False)
            yield Input(
                self.value,
                id="entry-value",
                type="integer" if self.integer else "text",
                max_length=64,
            )
            yield Static("", id="entry-error", markup=False)
            yield Static(_("Enter confirms · Escape cancels"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#entry-value")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if self.integer and not (value.isdigit() and int(value) <= MAX_QUANTITY):
            self.query_one("#entry-error", Static).update(
                _("A count is of 0 to {most} units.", most=number(MAX_QUANTITY))
            )
            return
        if not value:
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CountScreen(StoreScreen):
    """The store's count tasks; Enter counts the selected one, a scan starts a count at once."""

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("n", "new_count", N_("New count")),
        Binding("g", "schedule", N_("Plan counts")),
        Binding("r", "reload", N_("Refresh")),
    ]

    def __init__(self, context: StoreContext) -> None:
        super().__init__(context)
        self.tasks: Tasks | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="count-body"):
            yield Static(_("Count tasks"), id="count-caption", classes="caption", markup=False)
            yield Static(_("Loading…"), id="count-source", markup=False)
            yield DataTable(id="count-tasks", cursor_type="row")
            yield Static("", id="count-message", markup=False)
            yield Static(
                _(
                    "Enter counts the selected item · a scan starts a count of that item · "
                    "n counts anything."
                ),
                id="count-hint",
                markup=False,
            )
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("↑ ↓", _("choose a task")),
            (_("Enter"), _("count the selected item")),
        ]

    def scan_help(self) -> str:
        return _("start counting the scanned item")

    def on_mount(self) -> None:
        table = self.query_one("#count-tasks", DataTable)
        for header, justify in (
            (N_("SKU"), "left"),
            (N_("Item"), "left"),
            (N_("Size"), "left"),
            (N_("Why"), "left"),
            (N_("Opened"), "right"),
            (N_("Counted"), "left"),
        ):
            table.add_column(
                Text(_(header), justify="right" if justify == "right" else "left"),
                width=NAME_WIDTH if header == "Item" else None,
            )
        table.focus()
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def reload(self) -> None:
        self._read_tasks()

    @work(thread=True, exclusive=True, group="count-tasks", exit_on_error=False)
    def _read_tasks(self) -> None:
        try:
            tasks = self.context.counting.tasks()
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the count tasks: {reason}", reason=error), "error")
            )
            return
        self.post_message(TasksLoaded(tasks))

    def _sync_happened(self, last: SyncReported | None) -> None:
        if last is not None and last.report.online and (last.report.pulled or last.report.accepted):
            self.reload()

    @on(TasksLoaded)
    def _loaded(self, message: TasksLoaded) -> None:
        tasks = self.tasks = message.tasks
        now = self.context.now()
        source = self.query_one("#count-source", Static)
        if tasks.live:
            source.update(
                _("{count} task(s) open, from the ledger.", count=number(len(tasks.tasks)))
            )
            source.set_classes("")
        elif tasks.fetched_at is not None:
            source.update(
                _(
                    "OFFLINE: the list the ledger gave at {time}. Counts made now are sent "
                    "with the next sync.",
                    time=clock_time(tasks.fetched_at, now),
                )
            )
            source.set_classes("-offline")
        else:
            source.update(report_refusal(tasks.refusal, tasks.detail))
            source.set_classes("-offline")
        table = self.query_one("#count-tasks", DataTable)
        table.clear()
        for task in tasks.tasks:
            table.add_row(
                Text(task.sku),
                Text(task.name, overflow="ellipsis", no_wrap=True),
                Text(task.size),
                Text(task_reason(task.reason)),
                Text(clock_time(task.opened_at, now), justify="right"),
                Text(submitted_text(task.submitted), style="green"),
                key=task.sku,
            )
        if not tasks.tasks and tasks.live:
            self._say(_("No count task open: n counts anything, g plans cycle counts."), "-empty")
        elif self.query_one("#count-message", Static).has_class("-empty"):
            self._say("")

    def _say(self, text: str, level: str = "") -> None:
        message = self.query_one("#count-message", Static)
        message.update(text)
        message.set_classes(level)

    @on(DataTable.RowSelected, "#count-tasks")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self._open_session(sku=event.row_key.value)

    def scan(self, code: str) -> None:
        """A scan on the task list starts a count with that unit."""
        self._open_session(code=code)

    def _open_session(self, *, sku: str | None = None, code: str | None = None) -> None:
        session = CountSessionScreen(self.context, sku=sku, code=code)

        def finished(_result: None) -> None:
            recorded = session.recorded
            if recorded:
                self._say(
                    _(
                        "Count recorded for {count} item(s): it reaches the ledger with the "
                        "next sync.",
                        count=number(len(recorded)),
                    ),
                    "-ok",
                )
            self.reload()

        self.app.push_screen(session, finished)

    def action_new_count(self) -> None:
        self._open_session()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()

    def action_schedule(self) -> None:
        # For managers: an associate signed in needs a manager's PIN, whose code it then carries.
        with_manager(
            self.app, self.context, _("Plan counts"), lambda manager: self._schedule(manager)
        )

    @work(thread=True, exclusive=True, group="count-schedule", exit_on_error=False)
    def _schedule(self, manager: StaffPerson | None) -> None:
        with self.context.shift.approved_by(manager):
            answer = self.context.counting.schedule(SCHEDULE_LIMIT)
        if answer.value is None:
            severity: SeverityLevel = (
                "warning" if answer.refusal is Refusal.MANAGERS_ONLY else "error"
            )
            self.post_message(Notice(report_refusal(answer.refusal, answer.detail), severity))
            return
        self.post_message(
            Notice(
                _(
                    "{count} cycle count(s) planned, the fastest sellers first.",
                    count=number(len(answer.value.opened)),
                )
            )
        )
        self.app.call_from_thread(self.reload)


class CountSessionScreen(StoreScreen):
    """One walk of the shelf: units found per item, submitted together."""

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("s", "submit", N_("Submit")),
        Binding("plus", "adjust(1)", N_("One more")),
        Binding("minus", "adjust(-1)", N_("One less")),
        Binding("a", "add", N_("Type SKU")),
        Binding("e", "set_quantity", N_("Quantity")),
        Binding("delete,x", "remove", N_("Remove"), show=False),
    ]

    def __init__(
        self, context: StoreContext, *, sku: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(context)
        self.session = CountSession(context.counting)
        self.recorded: list[RecordedCount] = []
        """What was submitted, once it was (the task list says so)."""
        self._first_sku = sku
        self._first_code = code

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="session-body"):
            yield Static(
                _("Count: scan every unit found on the shelf"),
                id="session-caption",
                classes="caption",
                markup=False,
            )
            yield Static("", id="session-message", markup=False)
            yield DataTable(id="session-lines", cursor_type="row")
            yield Static("", id="session-total", markup=False)
            yield Static(
                _(
                    "Count every unit of the store, those picked for jobs not yet shipped "
                    "too. Sales made while you count are not lost: the ledger compares with "
                    "the record as it stood when each item's count started."
                ),
                id="session-hint",
                markup=False,
            )
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("↑ ↓", _("choose an item of the count")),
            ("+ -", _("one unit more or less of the selected item")),
            ("x", _("take the selected item out of this count")),
        ]

    def scan_help(self) -> str:
        return _("one unit found of the scanned item")

    def on_mount(self) -> None:
        table = self.query_one("#session-lines", DataTable)
        for header, justify in (
            (N_("SKU"), "left"),
            (N_("Item"), "left"),
            (N_("Size"), "left"),
            (N_("Colour"), "left"),
            (N_("Found"), "right"),
        ):
            table.add_column(
                Text(_(header), justify="right" if justify == "right" else "left"),
                width=NAME_WIDTH if header == "Item" else None,
            )
        table.focus()
        self._show_total()
        if self._first_sku is not None:
            sku = self._first_sku
            self._change(lambda session: session.begin(sku), begun=True)
        if self._first_code is not None:
            self.scan(self._first_code)

    # -- changes (each in a thread: starting an item's count asks the ledger) ---------------

    def scan(self, code: str) -> None:
        """A scan the app hands over: one unit found."""
        self._change(lambda session: session.scan(code))

    @work(thread=True, group="count-change", exit_on_error=False)
    def _change(self, change: Change, *, begun: bool = False) -> None:
        # Not exclusive: every scan counts, even when the next follows at once.
        try:
            line = change(self.session)
        except CountRefused as error:
            self.post_message(CountFailed(error))
            return
        except Exception as error:
            self.post_message(Notice(_("The count failed: {reason}", reason=error), "error"))
            return
        self.post_message(CountChanged(line, begun))

    @on(CountChanged)
    def _changed(self, message: CountChanged) -> None:
        line = message.line
        self._show_lines(select=line.sku)
        if message.begun:
            self._say(
                _("Counting {sku} · {name}: scan each unit found.", sku=line.sku, name=line.name)
            )
            return
        self._say(
            _(
                "✔ {sku} · {name}: {count} found.",
                sku=line.sku,
                name=line.name,
                count=number(line.counted),
            ),
            "-ok",
        )

    @on(CountFailed)
    def _failed(self, message: CountFailed) -> None:
        self._say("✘ " + count_refusal(message.error, sync_hint()), "-error")
        self.app.bell()

    def _say(self, text: str, level: str = "") -> None:
        say = self.query_one("#session-message", Static)
        say.update(text)
        say.set_classes(level)

    def _show_lines(self, select: str | None = None) -> None:
        table = self.query_one("#session-lines", DataTable)
        current = select or self._highlighted()
        table.clear()
        for line in self.session.lines:
            table.add_row(
                Text(line.sku + ("" if line.live else " *")),
                Text(line.name, overflow="ellipsis", no_wrap=True),
                Text(line.size),
                Text(line.colour),
                Text(number(line.counted), justify="right", style="bold"),
                key=line.sku,
            )
        if current is not None and self.session.line(current) is not None:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        self._show_total()

    def _show_total(self) -> None:
        lines = self.session.lines
        text = (
            _(
                "{items} item(s), {units} unit(s) found. s submits the count.",
                items=number(len(lines)),
                units=number(sum(line.counted for line in lines)),
            )
            if lines
            else _("Nothing counted yet: scan the first unit (a to type a SKU).")
        )
        if any(not line.live for line in lines):
            text += " " + _(
                "* started offline: if another till sold it since the last sync, count it "
                "again once online."
            )
        self.query_one("#session-total", Static).update(text)

    def _highlighted(self) -> str | None:
        table = self.query_one("#session-lines", DataTable)
        if table.row_count == 0 or not table.is_valid_row_index(table.cursor_row):
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # -- actions -----------------------------------------------------------------------------

    def action_adjust(self, delta: int) -> None:
        sku = self._highlighted()
        if sku is None:
            self._say(_("Scan a unit first."), "-error")
            return
        self._change(lambda session: session.adjust(sku, delta))

    def action_add(self) -> None:
        def given(code: str | None) -> None:
            if code:
                self.scan(code)

        self.app.push_screen(
            EntryScreen(_("Add a unit"), _("Barcode or SKU of the item found")), given
        )

    def action_set_quantity(self) -> None:
        sku = self._highlighted()
        line = None if sku is None else self.session.line(sku)
        if line is None:
            self._say(_("Scan a unit first."), "-error")
            return

        def given(value: str | None) -> None:
            if value is not None:
                counted = int(value)
                self._change(lambda session: session.set(line.sku, counted))

        self.app.push_screen(
            EntryScreen(
                _("Units found"),
                f"{line.sku} · {line.name} · {line.size}",
                str(line.counted),
                integer=True,
            ),
            given,
        )

    def action_remove(self) -> None:
        sku = self._highlighted()
        if sku is not None:
            self.session.remove(sku)
            self._show_lines()
            self._say(_("{sku} is out of this count.", sku=sku))

    def action_submit(self) -> None:
        lines = self.session.lines
        if not lines:
            self._say(_("Nothing counted yet: scan the first unit (a to type a SKU)."), "-error")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._submit()

        self.app.push_screen(
            ConfirmScreen(
                _(
                    "Submit the count of {items} item(s), {units} unit(s)?",
                    items=number(len(lines)),
                    units=number(sum(line.counted for line in lines)),
                ),
                _(
                    "It reaches the ledger with the next sync (or when the network is back); "
                    "the ledger sets each stock to what you found, plus what moved since."
                ),
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="count-submit", exit_on_error=False)
    def _submit(self) -> None:
        try:
            recorded = self.session.submit()
        except CountRefused as error:
            self.post_message(CountFailed(error))
            return
        except Exception as error:
            self.post_message(Notice(_("It was NOT recorded: {reason}", reason=error), "error"))
            return
        self.post_message(CountSubmitted(recorded))

    @on(CountSubmitted)
    def _submitted(self, message: CountSubmitted) -> None:
        # The message goes on to the app (status bar, sync); this screen's work is done.
        self.recorded = message.recorded
        self.dismiss(None)

    def action_back(self) -> None:
        if not self.session.lines:
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                _("Leave without submitting?"),
                _("The units scanned in this count are forgotten."),
            ),
            answered,
        )
