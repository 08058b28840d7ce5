"""The home screen: scan or type, Enter, and the item opens (or the matches to choose from)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from storeapp.i18n import N_, _
from storeapp.services.lookup import Found, LookupResult
from storeapp.tui.messages import LookupFinished, OpenItem
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.widgets.matches_table import MatchesTable
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.catalog import invalid_barcode, unknown_barcode
from storeapp.wording.figures import number


class LookupScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "clear", N_("Clear")),
        Binding("down", "focus_matches", N_("Matches"), show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="lookup-body"):
            yield Static(
                _("Scan a barcode, or type a SKU, a reference or words of the name, then Enter."),
                id="lookup-hint",
                markup=False,
            )
            yield Input(placeholder=_("Barcode, SKU, reference or name"), id="query")
            yield Static("", id="lookup-message", markup=False)
            yield MatchesTable(id="matches")
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            (_("Enter"), _("look up what was typed; in the matches, open the item")),
            ("↓", _("go down to the matches")),
        ]

    def on_mount(self) -> None:
        self.query_one(MatchesTable).display = False
        self.query_one("#query", Input).focus()

    @property
    def query_input(self) -> Input:
        return self.query_one("#query", Input)

    def _say(self, text: str, level: str = "") -> None:
        message = self.query_one("#lookup-message", Static)
        message.update(text)
        message.set_classes(level)

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_query(event.value)

    def run_query(self, query: str) -> None:
        """Look ``query`` up (what was typed, or a scan the app hands over)."""
        query_input = self.query_input
        if query_input.value != query:
            query_input.value = query
            query_input.cursor_position = len(query)
        if not query.strip():
            self._say(_("Type or scan something to look up."))
            return
        self._say(_("Looking up {query}…", query=query.strip()))
        self._find(query)

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def _find(self, query: str) -> None:
        try:
            result = self.context.lookup.find(query)
        except Exception as error:  # the cache is local: this is rare, but it must not crash
            self.log.error("lookup failed", error)
            self.post_message(
                LookupFinished(LookupResult(Found.NOT_FOUND, query.strip(), problem=str(error)))
            )
            return
        if not get_current_worker().is_cancelled:
            self.post_message(LookupFinished(result))

    @on(LookupFinished)
    def _finished(self, message: LookupFinished) -> None:
        result = message.result
        matches = self.query_one(MatchesTable)
        matches.display = result.found is Found.MATCHES
        if result.found is Found.ITEM and result.item is not None:
            self._say("")
            self.post_message(OpenItem(result.item.sku))
        elif result.found is Found.MATCHES:
            matches.show(result.matches)
            self._say(
                _(
                    "{count} items match “{query}”: choose one with ↑ ↓ and Enter.",
                    count=number(len(result.matches)),
                    query=result.query,
                )
            )
            matches.focus()
        elif result.found is Found.BAD_BARCODE:
            self._say(invalid_barcode(result.query, result.problem), "-error")
        elif result.found is Found.UNKNOWN_BARCODE:
            self._say(unknown_barcode(result.query), "-error")
        elif result.problem:
            self._say(_("The lookup failed: {reason}", reason=result.problem), "-error")
        else:
            self._say(_("Nothing found for “{query}”.", query=result.query), "-error")

    def action_clear(self) -> None:
        query_input = self.query_input
        query_input.value = ""
        self._say("")
        self.query_one(MatchesTable).display = False
        query_input.focus()

    def action_focus_matches(self) -> None:
        matches = self.query_one(MatchesTable)
        if matches.display:
            matches.focus()

    def focus_query(self) -> None:
        self.query_input.focus()
