"""The top of the item screen: what the item is, its price, this store's own stock, and the units
on their way here (a third line, only when some are)."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from storeapp.i18n import _
from storeapp.services.lookup import ItemView
from storeapp.wording.figures import money, number
from storeapp.wording.incoming import coming_here_text


class ItemHeader(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "item-header--name",
        "item-header--price",
        "item-header--available",
        "item-header--pending",
        "item-header--suspect",
        "item-header--coming",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(_("Loading…"), id=id, markup=False)

    def show(self, view: ItemView) -> None:
        item, own = view.item, view.own

        def style(name: str) -> Style:
            return self.get_component_rich_style(name, partial=True)

        title = Text.assemble(
            (item.name, style("item-header--name")),
            f"  {item.sku} · {_('ref.')} {item.reference} · {item.colour} · {item.size} · ",
            (money(item.price_minor, item.currency), style("item-header--price")),
        )
        stock = Text.assemble(
            _("Here: "),
            _("{count} on hand", count=number(own.on_hand)),
            " · ",
            _("{count} reserved", count=number(own.reserved)),
            " · ",
            (
                _("{count} available", count=number(own.available)),
                style("item-header--available"),
            ),
        )
        if own.pending_delta:
            stock.append(" · ")
            stock.append(
                _("{count} not yet synced", count=f"{own.pending_delta:+d}"),
                style("item-header--pending"),
            )
        if own.suspect:
            stock.append(" · ")
            stock.append(_("⚠ stock record suspect, count due"), style("item-header--suspect"))
        lines = [title, stock]
        if own.coming.units > 0:
            lines.append(Text(coming_here_text(own.coming), style=style("item-header--coming")))
        self.update(Text("\n").join(lines))
