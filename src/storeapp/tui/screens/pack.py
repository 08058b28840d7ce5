"""Packing a job: how many parcels, and their total weight in grams."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from storeapp.i18n import N_, _
from storeapp.services.picking import MAX_PARCELS, MAX_WEIGHT_GRAMS
from storeapp.tui.screens.base import StoreModal
from storeapp.wording.jobs import parcels_problem, weight_problem


@dataclass(frozen=True)
class Parcels:
    parcels: int
    weight_grams: int


class PackScreen(StoreModal[Parcels | None]):
    """Dismisses with the parcels and weight, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def compose(self) -> ComposeResult:
        with Vertical(id="pack-dialog", classes="dialog"):
            yield Static(_("Pack the job"), classes="dialog-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("Parcels"), classes="form-label")
                yield Input("1", id="pack-parcels", type="integer", max_length=3)
            yield Static("", id="pack-parcels-error", classes="field-error", markup=False)
            with Horizontal(classes="form-row"):
                yield Label(_("Weight (g)"), classes="form-label")
                yield Input(id="pack-weight", type="integer", max_length=7)
            yield Static("", id="pack-weight-error", classes="field-error", markup=False)
            yield Static(
                _("Enter goes to the next field, then packs · Escape cancels"),
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#pack-parcels", Input).focus()

    @staticmethod
    def _int(value: str, most: int) -> int | None:
        try:
            found = int(value)
        except ValueError:
            return None
        return found if 1 <= found <= most else None

    @on(Input.Changed)
    def _changed(self) -> None:
        for error in self.query(".field-error").results(Static):
            error.update("")

    @on(Input.Submitted, "#pack-parcels")
    def _parcels_given(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#pack-weight", Input).focus()

    @on(Input.Submitted, "#pack-weight")
    def _weight_given(self, event: Input.Submitted) -> None:
        event.stop()
        parcels = self._int(self.query_one("#pack-parcels", Input).value, MAX_PARCELS)
        weight = self._int(event.value, MAX_WEIGHT_GRAMS)
        if parcels is None:
            self.query_one("#pack-parcels-error", Static).update(parcels_problem())
            self.query_one("#pack-parcels", Input).focus()
            return
        if weight is None:
            self.query_one("#pack-weight-error", Static).update(weight_problem())
            return
        self.dismiss(Parcels(parcels, weight))

    def action_cancel(self) -> None:
        self.dismiss(None)
