"""The offers open to this store, soonest to expire first, each with a live countdown: its lines,
how the customer gets them, the store's rank among those offered. ``tick`` redraws only the
countdowns (every second), so the cursor and the rows stay put."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.widgets import DataTable

from storeapp.i18n import _
from storeapp.services.offers import OfferStanding, OfferView
from storeapp.wording.offers import delivery_name, lines_text, standing_text, time_left

LINES_WIDTH = 18
DELIVERY_WIDTH = 15
"""Cut to these widths, so the table fits 80 columns."""


class OfferList(DataTable[Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.offers: dict[str, OfferView] = {}

    def on_mount(self) -> None:
        self.add_column(Text(_("Offer")), key="offer")
        self.add_column(Text(_("Time left")), key="left", width=14)
        self.add_column(Text(_("Lines")), key="lines", width=LINES_WIDTH)
        self.add_column(Text(_("Delivery")), key="delivery", width=DELIVERY_WIDTH)
        self.add_column(Text(_("Rank")), key="rank")

    def show(self, offers: list[OfferView]) -> None:
        """Show ``offers``; the cursor stays on the offer it was on, when it is still listed."""
        current = self.highlighted()
        self.offers = {offer.id: offer for offer in offers}
        self.clear()
        for offer in offers:
            self.add_row(
                Text(offer.short_id),
                self._left(offer),
                Text(lines_text(offer), overflow="ellipsis", no_wrap=True),
                Text(delivery_name(offer), overflow="ellipsis", no_wrap=True),
                Text(f"{offer.rank}/{offer.competitors + 1}"),
                key=offer.id,
            )
        if current is not None and current.id in self.offers:
            self.move_cursor(row=self.get_row_index(current.id), animate=False)

    def tick(self, now: datetime) -> list[OfferView]:
        """Count down to ``now``; answers the open offers whose time has just run out."""
        ran_out = []
        for offer in list(self.offers.values()):
            if offer.standing is not OfferStanding.OPEN:
                continue
            left = max(offer.expires_at - now, timedelta(0))
            if not left:
                ran_out.append(offer)
            self.update_cell(offer.id, "left", self._left(offer, time_left(left)))
        return ran_out

    @staticmethod
    def _left(offer: OfferView, text: str | None = None) -> Text:
        shown = Text(text or standing_text(offer), no_wrap=True, overflow="ellipsis")
        if offer.standing is OfferStanding.CLAIMING:
            shown.stylize("italic")
        return shown

    def highlighted(self) -> OfferView | None:
        if not self.offers or not self.is_valid_row_index(self.cursor_row):
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None else self.offers.get(key)
