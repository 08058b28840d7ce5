"""A yes/no question before an action that cannot be undone from the terminal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from storeapp.i18n import N_, _
from storeapp.tui.screens.base import StoreModal


class ConfirmScreen(StoreModal[bool]):
    BINDINGS = [
        Binding("enter", "answer(True)", N_("Confirm")),
        Binding("escape", "answer(False)", N_("Cancel")),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(self.question, classes="dialog-title", markup=False)
            if self.detail:
                yield Static(self.detail, markup=False)
            yield Static(_("Enter confirms · Escape cancels"), classes="dialog-hint", markup=False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
