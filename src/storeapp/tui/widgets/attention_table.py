"""Operations the ledger refused for good: staff see why, deal with it, then dismiss them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from storeapp.cache.outbox import Entry
from storeapp.i18n import _
from storeapp.tui.format import clock_time, describe_operation, refusal_reason

REASON_WIDTH = 60
"""Longer reasons are cut in the table; the detail line under it shows them whole."""


class AttentionTable(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.entries: dict[int, Entry] = {}

    def on_mount(self) -> None:
        self.add_column(Text("#"), key="id")
        self.add_column(Text(_("Operation")), key="what")
        self.add_column(Text(_("Made"), justify="right"), key="made")
        self.add_column(Text(_("Why the ledger refused it")), key="reason")

    def show(
        self, entries: list[Entry], now: datetime, job_ids: Mapping[str, str] | None = None
    ) -> None:
        """``job_ids``: the store's jobs and their short ids, to name the jobs of operations."""
        self.entries = {entry.id: entry for entry in entries}
        self.clear()
        for entry in entries:
            reason = refusal_reason(entry.problem)
            self.add_row(
                Text(str(entry.id)),
                Text(describe_operation(entry, job_ids)),
                Text(clock_time(entry.created_at, now), justify="right"),
                Text(reason[:REASON_WIDTH] + ("…" if len(reason) > REASON_WIDTH else "")),
                key=str(entry.id),
            )

    def highlighted(self) -> Entry | None:
        if not self.entries or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else self.entries.get(int(key))
