"""What every full screen of the store terminal shares: the store's services, translated keys."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen, Screen

from storeapp.context import StoreContext
from storeapp.tui.text import translate_bindings

R = TypeVar("R")


class StoreScreen(Screen[None]):
    """A full screen: status bar on top, footer at the bottom (each screen composes both)."""

    def __init__(self, context: StoreContext) -> None:
        super().__init__()
        self.context = context
        translate_bindings(self)

    def help_lines(self) -> list[tuple[str, str]]:
        """Keys that are not bindings of the screen (a widget's arrows, Enter), for the help."""
        return []

    def scan_help(self) -> str | None:
        """What a scan does on this screen, when not the app's usual (open the item)."""
        return None


class StoreModal(ModalScreen[R]):
    """A small dialog over the current screen; a scan closes it (see ``StoreApp``), unless the
    dialog takes it (``take_scan``)."""

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def take_scan(self, code: str) -> bool:
        """A scan while this dialog is on top: True when the dialog keeps it (what the scanner
        typed stays in the focused field); False, the default, closes the dialog."""
        return False
