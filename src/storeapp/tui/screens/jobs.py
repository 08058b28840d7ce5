"""The store's jobs to pick, oldest due first: late ones stand out, counts by state on top.

Jobs arrive through the change feed: the list is read again after every sync that brought
changes, and on a timer (a job becomes late with the passing of time, even offline).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from storeapp.i18n import N_, _
from storeapp.services.job_views import JobQueue
from storeapp.tui.messages import JobsLoaded, Notice, SyncReported
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.widgets.jobs_table import JobsTable
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import number
from storeapp.wording.jobs import held_elsewhere, holder_text, state_count

REFRESH_SECONDS = 30.0
"""How often the queue is read again between syncs (late flags follow the clock)."""

STATE_ORDER = ("assigned", "picking", "picked", "packed", "ready")


class JobsScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("r", "reload", N_("Refresh"), show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="jobs-body"):
            yield Static(_("Jobs to pick"), id="jobs-caption", classes="caption", markup=False)
            yield Static("", id="jobs-counts", markup=False)
            yield JobsTable(id="jobs")
            yield Static("", id="jobs-hint", markup=False)
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("↑ ↓", _("choose a job")),
            (_("Enter"), _("open the job's pick list")),
        ]

    def on_mount(self) -> None:
        self.query_one(JobsTable).focus()
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.set_interval(REFRESH_SECONDS, self.reload)
        self.reload()

    def on_screen_resume(self) -> None:
        # Back from a job: its state has moved.
        if self.is_mounted:
            self.reload()

    def reload(self) -> None:
        self._read_queue()

    @work(thread=True, exclusive=True, group="jobs", exit_on_error=False)
    def _read_queue(self) -> None:
        try:
            queue = self.context.picking.queue()
        except Exception as error:
            self.post_message(Notice(_("Could not read the jobs: {reason}", reason=error), "error"))
            return
        self.post_message(JobsLoaded(queue))

    @on(JobsLoaded)
    def _loaded(self, message: JobsLoaded) -> None:
        queue = message.queue
        self.query_one(JobsTable).show(queue.jobs, self.context.now())
        self.query_one("#jobs-counts", Static).update(self.counts_text(queue))
        self.query_one("#jobs-counts", Static).set_class(queue.late > 0, "-late")
        self._hint()

    @on(DataTable.RowHighlighted, "#jobs")
    def _hint(self) -> None:
        """Who is picking the job under the cursor, when another terminal is; else what to do."""
        table = self.query_one(JobsTable)
        job = table.highlighted()
        if job is not None and job.held_by is not None and held_elsewhere(job):
            hint = holder_text(job.held_by)
        elif table.jobs:
            hint = _("Enter opens the job's pick list · F4 shows this list from any screen.")
        else:
            hint = _("No job waiting at this store. New ones arrive with the sync, on their own.")
        self.query_one("#jobs-hint", Static).update(hint)

    @staticmethod
    def counts_text(queue: JobQueue) -> str:
        if not queue.jobs:
            return _("Nothing to do.")
        states = sorted(
            queue.counts,
            key=lambda s: (STATE_ORDER.index(s) if s in STATE_ORDER else len(STATE_ORDER), s),
        )
        parts = [state_count(state, queue.counts[state]) for state in states]
        if queue.late:
            parts.append(_("LATE: {count}", count=number(queue.late)))
        return " · ".join(parts)

    def _sync_happened(self, last: SyncReported | None) -> None:
        if last is not None and last.report.online and (last.report.pulled or last.report.accepted):
            self.reload()

    @on(DataTable.RowSelected, "#jobs")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.app.push_screen(PickScreen(self.context, event.row_key.value))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()
