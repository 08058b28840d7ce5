"""Sizes and colours of the same reference that this store has in stock, best fit first, each
group named by how it fits (same size, sister size, nearby size)."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from storeapp.i18n import _
from storeapp.services.lookup import ItemView, Suggestion
from storeapp.wording.figures import number
from storeapp.wording.sizes import fit_name

KEEP = "\N{NO-BREAK SPACE}"
"""Joins the words of one size (and a group's name to its first size), so a line that wraps
breaks between sizes, never inside one."""


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
        kind = None
        for index, suggestion in enumerate(view.suggestions):
            if suggestion.kind != kind:
                # The ranking groups sizes by how they fit: name each group once.
                kind = suggestion.kind
                if index:
                    text.append("   ")
                name = fit_name(kind).replace(" ", KEEP)
                text.append(name + KEEP, style=style("suggestions--label"))
            else:
                text.append("  ")
            text.append(_label(suggestion, view.item.colour), style=style("suggestions--size"))
            figures = (
                f"{number(suggestion.store_available)} · {number(suggestion.network_available)}"
            )
            text.append(KEEP + figures.replace(" ", KEEP))
        self.update(text)


def _label(suggestion: Suggestion, colour: str) -> str:
    """The size, with its colour when it is not the colour looked up."""
    if suggestion.colour == colour:
        return suggestion.size
    return f"{suggestion.colour} {suggestion.size}".replace(" ", KEEP)
