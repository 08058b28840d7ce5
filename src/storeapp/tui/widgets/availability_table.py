"""Where an item is available in the network: one row per location, nearest first, with the
units on their way to each (this store's from the cache; the others' from a live answer only).

How fresh the figures are is said once, in the caption (live from the ledger, or this terminal's
copy with its age, for this store's row and for the others'); the time a position last changed
is not a column: next to fresh figures it read as stale data. The item screen's header has this
store's own position in detail.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from storeapp.i18n import _
from storeapp.services.lookup import Availability
from storeapp.tui.format import distance
from storeapp.wording.catalog import availability_sources
from storeapp.wording.figures import available_text, number, overdrawn_note
from storeapp.wording.incoming import coming_short

NAME_WIDTH = 18
"""Location names are cut to this width, so the table fits 80 columns."""


class AvailabilityTable(Vertical):
    """A caption saying where the numbers come from and how old they are, and the table."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "availability--here",
        "availability--none",
        "availability--some",
    }

    def compose(self) -> ComposeResult:
        yield Static("", id="availability-caption", markup=False)
        # Read-only: no cursor, the arrows scroll it.
        table: DataTable[Text] = DataTable(id="availability-rows", cursor_type="none")
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text(_("Code")), key="code")
        table.add_column(Text(_("Location")), key="name", width=NAME_WIDTH)
        for label, key in (
            (_("km"), "distance"),
            (_("On hand"), "on_hand"),
            (_("Res."), "reserved"),
            (_("Avail."), "available"),
            (_("Coming"), "coming"),
        ):
            table.add_column(Text(label, justify="right"), key=key)

    def caption(self, availability: Availability, now: datetime) -> str:
        sources = " · ".join(availability_sources(availability, now))
        caption = _("Network availability · {sources}", sources=sources)
        if any(place.available < 0 for place in availability.locations):
            caption += "\n" + overdrawn_note()
        return caption

    def show(self, availability: Availability, now: datetime) -> None:
        self.query_one("#availability-caption", Static).update(self.caption(availability, now))
        self.set_class(not availability.live, "-cached")
        table = self.query_one(DataTable)
        table.clear()
        here = self.get_component_rich_style("availability--here", partial=True)
        for place in availability.locations:
            if place.available > 0:
                level = self.get_component_rich_style("availability--some", partial=True)
            else:
                level = self.get_component_rich_style("availability--none", partial=True)
            row = [
                Text(place.code),
                Text(place.name, overflow="ellipsis", no_wrap=True),
                Text(_("here") if place.is_here else distance(place.distance_km), justify="right"),
                Text(number(place.on_hand), justify="right"),
                Text(number(place.reserved), justify="right"),
                Text(available_text(place.available), style=level, justify="right"),
                Text(coming_short(place.coming), justify="right"),
            ]
            if place.is_here:
                for cell in row:
                    cell.stylize(here)
            table.add_row(*row, key=place.code)
