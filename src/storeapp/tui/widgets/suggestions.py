"""Sizes and colours of the same reference that this store has in stock, nearest first."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from storeapp.i18n import _
from storeapp.services.lookup import ItemView
from storeapp.wording.figures import number


class Suggestions(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"suggestions--label", "suggestions--size"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def show(self, view: ItemView) -> None:
        def style(name: str) -> Style:
            return self.get_component_rich_style(name, partial=True)

        if not view.suggestions:
            self.update(Text(_("No other size of this reference is in stock here.")))
            return
        text = Text(_("In stock here: "), style=style("suggestions--label"))
        for index, suggestion in enumerate(view.suggestions):
            if index:
                text.append("   ")
            label = suggestion.size
            if suggestion.colour != view.item.colour:
                label = f"{suggestion.colour} {suggestion.size}"
            text.append(label, style=style("suggestions--size"))
            text.append(
                f" {number(suggestion.store_available)} · {number(suggestion.network_available)}"
            )
        self.update(text)
