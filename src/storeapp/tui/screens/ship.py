"""Shipping a packed job: the carrier's tracking reference, typed or scanned, and the labels
the shipment writes (``write_labels``, called by the pick screen once the job is shipped).

A scan here is the tracking number: it stays in the field for staff to check, and Enter ships.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.labels.printing import LabelRefused
from storeapp.services.picking import MAX_TRACKING
from storeapp.tui.screens.base import StoreModal
from storeapp.wording.jobs import tracking_problem
from storeapp.wording.labels import label_failed, label_refusal, label_words, labels_written


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
                id="ship-hint",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#ship-tracking", Input).focus()

    def take_scan(self, code: str) -> bool:
        # The field already holds what the scanner typed, letters before the digits included.
        field = self.query_one("#ship-tracking", Input)
        field.focus()
        self.query_one("#ship-error", Static).update("")
        self.query_one("#ship-hint", Static).update(
            _("Scanned: check the tracking reference, then Enter ships · Escape cancels")
        )
        return True

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


def write_labels(context: StoreContext, job_id: str) -> tuple[str, bool]:
    """Write the labels of a job just shipped: what to tell staff, and whether it went well.
    Runs in a worker thread (it writes files)."""
    try:
        written = context.labels.write(job_id, label_words())
    except LabelRefused as error:
        return label_refusal(error), False
    except OSError as error:
        return label_failed(error), False
    return labels_written(written), True
