"""Every text of the TUI has its French translation, and the app speaks French when told to."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

import storeapp.tui
from storeapp.context import StoreContext
from storeapp.i18n import Translator, active
from tests.support.catalogs import fields, french_catalog, texts_under
from tests.support.tui import AppFactory, look_up, settle

TUI_SOURCES = Path(storeapp.tui.__file__).parent


def test_the_scan_finds_the_texts_it_should() -> None:
    texts = texts_under(TUI_SOURCES)
    assert {"ONLINE", "OFFLINE", "view {age} old", "Sale", "Not enough stock available"} <= texts


def test_every_text_of_the_tui_has_a_french_translation_with_the_same_fields() -> None:
    french = french_catalog("tui.po")
    texts = texts_under(TUI_SOURCES)
    assert sorted(t for t in texts if not french.get(t)) == []
    assert sorted(t for t in texts if fields(t) != fields(french[t])) == []
    assert sorted(set(french) - texts) == []  # nothing left over from removed texts


def test_the_translator_reads_the_tui_catalog() -> None:
    french = Translator("fr_FR")
    assert french("OFFLINE") == "HORS LIGNE"
    assert french("view {age} old", age="3 min") == "vue d'il y a 3 min"


async def test_the_app_speaks_the_language_it_is_given_and_gives_it_back_on_exit(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    before = active()
    app = build_app(synced_store, translator=Translator("fr_FR", "Europe/Paris"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert str(app.screen.query_one("#status-link", Static).render()) == "EN LIGNE"
        assert str(app.screen.query_one("#status-waiting", Static).render()) == "0 à envoyer"
        descriptions = {b.binding.description for b in app.screen.active_bindings.values()}
        assert {"Effacer", "Aide", "Synchroniser"} <= descriptions
        await look_up(pilot, "S1")
        header = str(app.screen.query_one("#item-header", Static).render())
        assert "49,90\xa0€" in header  # Babel: a no-break space before the sign
        assert "3 en stock" in header
    assert active() is before
