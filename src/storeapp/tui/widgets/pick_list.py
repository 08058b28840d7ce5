"""A job's pick list: each line with its units scanned out of those ordered (a line whose
units are all scanned says so, rather than "to pick")."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import DataTable

from storeapp.i18n import _
from storeapp.services.job_views import JobView, PickLine
from storeapp.wording.figures import number
from storeapp.wording.jobs import line_state_name, reject_reason

NAME_WIDTH = 20
"""Item names are cut to this width, so the table fits 80 columns."""


class PickListTable(DataTable[Text]):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "pick-list--complete",
        "pick-list--closed",
        "pick-list--missing",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.lines: dict[int, PickLine] = {}

    def on_mount(self) -> None:
        self.add_column(Text("#", justify="right"), key="line")
        self.add_column(Text(_("SKU")), key="sku")
        self.add_column(Text(_("Name")), key="name", width=NAME_WIDTH)
        self.add_column(Text(_("Size")), key="size")
        self.add_column(Text(_("Colour")), key="colour")
        self.add_column(Text(_("Scanned"), justify="right"), key="scanned")
        self.add_column(Text(_("State")), key="state")

    def show(self, job: JobView) -> None:
        cursor = self.cursor_row if self.is_valid_row_index(self.cursor_row) else 0
        self.lines = {line.line_no: line for line in job.lines}
        self.clear()
        for line in job.lines:
            state = Text(line_state_name(line))
            if line.reject_reason:
                state.append(f" ({reject_reason(line.reject_reason)})")
            if line.unconfirmed:
                state.append(" *")
            row = [
                Text(str(line.line_no), justify="right"),
                Text(line.sku),
                Text(line.name, overflow="ellipsis", no_wrap=True),
                Text(line.size),
                Text(line.colour),
                Text(f"{number(line.scanned)}/{number(line.qty)}", justify="right"),
                state,
            ]
            if not line.is_open:
                level = "pick-list--closed"
            elif line.complete:
                level = "pick-list--complete"
            else:
                level = "pick-list--missing"
            row[5].stylize(self.get_component_rich_style(level, partial=True))
            if not line.is_open:
                for cell in row:
                    cell.stylize(self.get_component_rich_style(level, partial=True))
            self.add_row(*row, key=str(line.line_no))
        if job.lines:
            self.move_cursor(row=min(cursor, len(job.lines) - 1), animate=False)

    def highlighted(self) -> PickLine | None:
        if not self.lines or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else self.lines.get(int(key))

    def select_line(self, line_no: int) -> None:
        """Put the cursor on a line (the one a scan just counted)."""
        if str(line_no) in {str(k) for k in self.lines}:
            self.move_cursor(row=self.get_row_index(str(line_no)), animate=False)
