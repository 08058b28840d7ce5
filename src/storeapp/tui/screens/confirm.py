"""Questions before an action: a yes/no one before an action that cannot be undone from the
terminal (Enter or y answers yes, Escape or n no), and a choice of one among a few (↑ ↓, Enter)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from storeapp.i18n import N_, _
from storeapp.tui.screens.base import StoreModal


class ConfirmScreen(StoreModal[bool]):
    BINDINGS = [
        Binding("enter", "answer(True)", N_("Confirm")),
        Binding("escape", "answer(False)", N_("Cancel")),
        Binding("y", "answer(True)", N_("Yes"), show=False),
        Binding("n", "answer(False)", N_("No"), show=False),
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


class ChoiceScreen(StoreModal[str | None]):
    """One of a few choices, each ``(id, label)``: dismisses with the id chosen, None on Escape."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, choices: list[tuple[str, str]], detail: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-dialog", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            if self.detail:
                yield Static(self.detail, markup=False)
            yield OptionList(
                *(Option(label, id=choice) for choice, label in self.choices),
                id="choice-options",
            )
            yield Static(_("Enter confirms · Escape cancels"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#choice-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
