"""Transfers: those this store is asked to send (Enter opens one: scan what is picked, s sends
it), and those this store asked for, still requested or on their way (x cancels one still
requested: managers). A send is never refused for the stock the cache shows; the confirmation
says where the shelf seems to lack units, and the ledger records the difference.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.motion_sheets import MotionRefused
from storeapp.services.staff import StaffPerson
from storeapp.services.transfers import TransferDesk
from storeapp.tui.messages import SyncReported
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.count import EntryScreen
from storeapp.tui.screens.receive import (
    MotionRecorded,
    SheetScreen,
    document_row,
    document_table,
)
from storeapp.tui.screens.sign_in import with_manager
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import number
from storeapp.wording.motion import (
    cancelled_text,
    document_name,
    motion_refusal,
    sent_text,
    shelf_short_text,
)


def transfer_desk(context: StoreContext) -> TransferDesk:
    return TransferDesk(context.engine, context.location, context.now, person=context.shift.code)


class SendScreen(SheetScreen):
    BINDINGS = [Binding("s", "send", N_("Send"))]

    def caption(self) -> str:
        document = self.sheet.document
        name = document_name(document) if document else ""
        return _("Sending {document}", document=name)

    def hint(self) -> str:
        return _(
            "Scan every unit picked for the transfer; s sends it (the units leave this "
            "shelf). Leaving keeps what was scanned."
        )

    def scan_help(self) -> str:
        return _("one unit picked of the scanned item")

    def action_send(self) -> None:
        desk = self.desk
        assert isinstance(desk, TransferDesk)
        sheet = self.sheet
        warnings = [
            shelf_short_text(short.sku, short.on_hand, short.sending)
            for short in desk.shelf_short(sheet.draft_id)
        ]
        question = _(
            "Send this transfer: {units} unit(s), {count} difference(s)?",
            units=number(sheet.counted),
            count=number(len(sheet.discrepancies)),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._send(desk)

        detail = "\n".join(part for part in (self.summary(), *warnings) if part)
        self.app.push_screen(ConfirmScreen(question, detail), answered)

    def _send(self, desk: TransferDesk) -> None:
        try:
            sent = desk.send(self.sheet.draft_id)
        except MotionRefused as error:
            self.say("✘ " + motion_refusal(error), "-error")
            self.app.bell()
            return
        self.finish(sent_text(sent.units))


class TransfersScreen(StoreScreen):
    """Transfers to send from here, and those this store asked for."""

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("x", "cancel_transfer", N_("Cancel transfer")),
        Binding("r", "reload", N_("Refresh")),
    ]

    def __init__(self, context: StoreContext) -> None:
        super().__init__(context)
        self.desk = transfer_desk(context)

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="transfers-body"):
            yield Static(_("To send"), classes="caption", markup=False)
            yield DataTable(id="transfers-to-send", cursor_type="row")
            yield Static(_("Asked for by this store"), classes="caption", markup=False)
            yield DataTable(id="transfers-coming", cursor_type="row")
            yield Static("", id="transfers-message", markup=False)
            yield Static(
                _(
                    "Enter sends the selected transfer (scan what is picked) · Tab changes list "
                    "· x cancels a transfer still requested (managers)."
                ),
                id="transfers-hint",
                markup=False,
            )
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("↑ ↓", _("choose a transfer")),
            (_("Tab"), _("go to the other list")),
            (_("Enter"), _("send the selected transfer")),
        ]

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            document_table(table)
        self.query_one("#transfers-to-send", DataTable).focus()
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def _sync_happened(self, last: SyncReported | None) -> None:
        if last is not None and last.report.online and (last.report.pulled or last.report.accepted):
            self.reload()

    def reload(self) -> None:
        for selector, documents in (
            ("#transfers-to-send", self.desk.to_send()),
            ("#transfers-coming", self.desk.requested_here()),
        ):
            table = self.query_one(selector, DataTable)
            table.clear()
            for document in documents:
                document_row(table, document)

    def _say(self, text: str, level: str = "") -> None:
        message = self.query_one("#transfers-message", Static)
        message.update(text)
        message.set_classes(level)

    @on(DataTable.RowSelected, "#transfers-to-send")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open(event.row_key.value)

    @on(DataTable.RowSelected, "#transfers-coming")
    def _coming_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._say(_("A transfer coming here is received on the Receive screen once sent."))

    def open(self, transfer_id: str) -> None:
        try:
            sheet = self.desk.open(transfer_id)
        except MotionRefused as error:
            self._say("✘ " + motion_refusal(error), "-error")
            self.app.bell()
            return
        screen = SendScreen(self.context, self.desk, sheet)

        def finished(_result: None) -> None:
            self.reload()
            if screen.outcome is not None:
                self._say(screen.outcome, "-ok")

        self.app.push_screen(screen, finished)

    def _selected_coming(self) -> str | None:
        table = self.query_one("#transfers-coming", DataTable)
        if table.row_count == 0 or not table.is_valid_row_index(table.cursor_row):
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_cancel_transfer(self) -> None:
        transfer_id = self._selected_coming()
        if transfer_id is None:
            self._say(_("Choose a transfer this store asked for (Tab, ↑ ↓)."), "-error")
            return

        def reason_given(manager: StaffPerson | None, reason: str | None) -> None:
            if not reason:
                return
            with self.context.shift.approved_by(manager):
                try:
                    cancelled = self.desk.cancel(transfer_id, reason)
                except MotionRefused as error:
                    self._say("✘ " + motion_refusal(error), "-error")
                    return
            text = cancelled_text(cancelled.transfer_id)
            self.post_message(MotionRecorded(text))
            self.reload()
            self._say(text, "-ok")

        # For managers: an associate signed in needs a manager's PIN, whose code it carries.
        with_manager(
            self.app,
            self.context,
            _("Cancel transfer"),
            lambda manager: self.app.push_screen(
                EntryScreen(_("Cancel transfer"), _("Why is it called off?")),
                lambda reason: reason_given(manager, reason),
            ),
        )

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
