"""The store's queue of jobs, oldest due first; late ones stand out, and a job another
terminal is picking names that terminal."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.widgets import DataTable

from storeapp.i18n import _
from storeapp.services.job_views import JobView
from storeapp.tui.format import clock_time
from storeapp.wording.figures import number
from storeapp.wording.jobs import held_elsewhere, job_state_label, kind_name, late_mark

CUSTOMER_WIDTH = 16
"""Customer names are cut to this width, so the table fits 80 columns."""


class JobsTable(DataTable[Text]):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"jobs-table--late", "jobs-table--unconfirmed"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.jobs: dict[str, JobView] = {}

    def on_mount(self) -> None:
        self.add_column(Text(_("Job")), key="job")
        self.add_column(Text(_("Due")), key="due")
        self.add_column(Text(_("State")), key="state")
        self.add_column(Text(_("Kind")), key="kind")
        self.add_column(Text(_("Customer")), key="customer", width=CUSTOMER_WIDTH)
        self.add_column(Text(_("Units"), justify="right"), key="units")

    def show(self, jobs: list[JobView], now: datetime) -> None:
        """Show ``jobs``; the cursor stays on the job it was on, when it is still listed."""
        current = self.highlighted()
        self.jobs = {job.id: job for job in jobs}
        self.clear()
        late = self.get_component_rich_style("jobs-table--late", partial=True)
        for job in jobs:
            due = Text(clock_time(job.due_at, now))
            if job.late:
                due.append(" " + late_mark())
            state = Text(job_state_label(job))
            if job.held_by is not None and held_elsewhere(job):
                state.append(f" · {job.held_by.device}")
            if job.unconfirmed:
                state.append(" *")
                state.stylize(
                    self.get_component_rich_style("jobs-table--unconfirmed", partial=True)
                )
            row = [
                Text(job.short_id),
                due,
                state,
                Text(kind_name(job.kind)),
                Text(job.customer_name, overflow="ellipsis", no_wrap=True),
                Text(f"{number(job.scanned_units)}/{number(job.units)}", justify="right"),
            ]
            if job.late:
                for cell in row:
                    cell.stylize(late)
            self.add_row(*row, key=job.id)
        if current is not None and current.id in self.jobs:
            self.move_cursor(row=self.get_row_index(current.id), animate=False)

    def highlighted(self) -> JobView | None:
        if not self.jobs or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else self.jobs.get(key)
