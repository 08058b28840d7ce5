"""The keys of the screen below and of the whole app, and how scanning works."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from storeapp.i18n import N_, _
from storeapp.tui.screens.base import StoreModal


class HelpScreen(StoreModal[None]):
    BINDINGS = [Binding("escape,f1,question_mark,enter", "close", N_("Close"))]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, description in self.keys:
            table.add_row(Text(key), Text(description))
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(_("Keys"), classes="dialog-title", markup=False)
            yield Static(table, id="help-keys")
            yield Static(
                _(
                    "The top bar says whether the ledger answers, how old the network view "
                    "is, and what waits to be sent or checked."
                ),
                id="help-tips",
                markup=False,
            )

    def action_close(self) -> None:
        self.dismiss(None)
