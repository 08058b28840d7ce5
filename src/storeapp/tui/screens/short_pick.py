"""Short picking a line: why it cannot be served from here (not found, damaged, not the item
ordered, other), and a note."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, RadioButton, RadioSet, Static

from ordersync.contract import RejectReason
from storeapp.i18n import N_, _
from storeapp.services.job_views import PickLine
from storeapp.services.picking import MAX_NOTE
from storeapp.tui.screens.base import StoreModal
from storeapp.wording.jobs import other_reason_unsaid


@dataclass(frozen=True)
class ShortPick:
    reason: RejectReason
    note: str | None


REASONS: tuple[tuple[RejectReason, str], ...] = (
    (RejectReason.NOT_FOUND, N_("Not found on the shelf")),
    (RejectReason.DAMAGED, N_("Damaged")),
    (RejectReason.MISMATCH, N_("Not the item ordered (another size or colour)")),
    (RejectReason.OTHER, N_("Other reason (say which in the note)")),
)


class ShortPickScreen(StoreModal[ShortPick | None]):
    """Dismisses with the reason and note, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, line: PickLine) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        line = self.line
        with Vertical(id="short-dialog", classes="dialog"):
            yield Static(_("Short pick line {line}", line=line.line_no), classes="dialog-title")
            yield Static(
                f"{line.qty} × {line.sku} · {line.name} · {line.colour} {line.size}",  # noqa: RUF001
                markup=False,
            )
            with RadioSet(id="short-reason"):
                for index, (reason, label) in enumerate(REASONS):
                    yield RadioButton(_(label), value=index == 0, name=reason.value)
            yield Input(placeholder=_("Note (optional)"), id="short-note", max_length=MAX_NOTE)
            yield Static("", id="short-error", classes="field-error", markup=False)
            yield Static(
                _("↑ ↓ reason · Tab note · Enter in the note confirms · Escape cancels"),
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    def reason(self) -> RejectReason:
        pressed = self.query_one(RadioSet).pressed_button
        return (
            RejectReason(pressed.name)
            if pressed is not None and pressed.name
            else (RejectReason.NOT_FOUND)
        )

    @on(Input.Submitted, "#short-note")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        note = event.value.strip() or None
        reason = self.reason()
        if reason is RejectReason.OTHER and note is None:
            self.query_one("#short-error", Static).update(other_reason_unsaid())
            return
        self.dismiss(ShortPick(reason, note))

    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self.query_one("#short-error", Static).update("")

    def action_cancel(self) -> None:
        self.dismiss(None)
