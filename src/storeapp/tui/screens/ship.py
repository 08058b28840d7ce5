"""Shipping a packed job: the carrier's tracking reference."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from storeapp.i18n import N_, _
from storeapp.services.picking import MAX_TRACKING
from storeapp.tui.screens.base import StoreModal
from storeapp.wording.jobs import tracking_problem


class ShipScreen(StoreModal[str | None]):
    """Dismisses with the tracking reference, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def compose(self) -> ComposeResult:
        with Vertical(id="ship-dialog", classes="dialog"):
            yield Static(_("Ship the job"), classes="dialog-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("Tracking"), classes="form-label")
                yield Input(id="ship-tracking", max_length=MAX_TRACKING)
            yield Static("", id="ship-error", classes="field-error", markup=False)
            yield Static(
                _("The carrier's tracking reference · Enter ships · Escape cancels"),
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#ship-tracking", Input).focus()

    @on(Input.Submitted, "#ship-tracking")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        tracking = event.value.strip()
        if not tracking:
            self.query_one("#ship-error", Static).update(tracking_problem())
            return
        self.dismiss(tracking)

    def action_cancel(self) -> None:
        self.dismiss(None)
