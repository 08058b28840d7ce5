"""The status line on every screen: store, who is signed in, online or offline, age of the
network view, queues. Offline, the view's age is said at once (``view 20 secs old``), never
"up to date": the ledger stopped answering, so nobody knows what changed since."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from storeapp.i18n import _
from storeapp.services.status import StoreStatus
from storeapp.tui.format import view_age
from storeapp.wording.figures import number


class StatusBar(Horizontal):
    """Follows the app's ``store_status``, which the app refreshes every second and after a sync."""

    def compose(self) -> ComposeResult:
        yield Static("…", id="status-store")
        yield Static("", id="status-person")
        yield Static("", id="status-link")
        yield Static("", id="status-age")
        yield Static("", id="status-waiting")
        yield Static("", id="status-attention")

    def on_mount(self) -> None:
        self.watch(self.app, "store_status", self.show, init=True)
        self.watch(self.app, "person_line", self.show_person, init=True)

    def show_person(self, line: str) -> None:
        person = self.query_one("#status-person", Static)
        person.update(line)
        person.display = bool(line)

    def show(self, status: StoreStatus | None) -> None:
        if status is None:
            return
        store = self.query_one("#status-store", Static)
        store.update(f"{status.location} · {status.location_name}")
        link = self.query_one("#status-link", Static)
        link.update(_("ONLINE") if status.online else _("OFFLINE"))
        link.set_class(status.online, "-online")
        link.set_class(not status.online, "-offline")
        age = view_age(status.view_age, online=status.online)
        self.query_one("#status-age", Static).update(age)
        waiting = self.query_one("#status-waiting", Static)
        waiting.update(_("{count} to sync", count=number(status.waiting)))
        waiting.set_class(status.waiting > 0, "-busy")
        attention = self.query_one("#status-attention", Static)
        attention.update(_("{count} to check", count=number(status.attention)))
        attention.set_class(status.attention > 0, "-alert")
