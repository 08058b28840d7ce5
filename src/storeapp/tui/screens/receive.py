"""Receiving: the deliveries and transfers the store expects (soonest first) and the receipts
in progress; a receipt where each unit that arrived is scanned, adjusted with + and -, a reason
given for each line that differs, and closed after a confirmation that sums the differences up;
a blind receipt for what arrived with no document.

A receipt in progress is kept in the cache as it is scanned: leaving the screen (or the terminal
stopping) loses nothing, and opening the document again goes on where it was. Closing is one
outbox entry, so it works offline. ``SheetScreen`` is what a receipt and a send share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from ordersync.contract import DiscrepancyReason
from storeapp.cache.motion import CachedDocument
from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.motion_sheets import (
    DraftDesk,
    Mark,
    MotionRefused,
    Sheet,
    SheetLine,
    short_id,
)
from storeapp.services.receiving import ReceivingDesk, reason_for
from storeapp.tui.messages import SyncReported
from storeapp.tui.screens.base import StoreModal, StoreScreen
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.count import EntryScreen
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import number
from storeapp.wording.motion import (
    REASON_CHOICES,
    blind_title,
    document_kind_text,
    document_name,
    eta_text,
    mark_text,
    motion_refusal,
    reason_text,
    received_text,
    state_text,
    unconfirmed_text,
)

NAME_WIDTH = 22
_MARK_STYLES = {
    Mark.MATCH: "green",
    Mark.UNDER: "yellow",
    Mark.OVER: "yellow",
    Mark.UNEXPECTED: "red",
}


@dataclass
class MotionRecorded(Message):
    """A receipt, a send, a request or a cancellation is in the outbox: the app refreshes the
    status bar and wakes the sync."""

    text: str


def receiving_desk(context: StoreContext) -> ReceivingDesk:
    return ReceivingDesk(context.engine, context.location, context.now, person=context.shift.code)


def document_table(table: DataTable[Text]) -> None:
    for header in (
        N_("Id"),
        N_("Kind"),
        N_("Document"),
        N_("From"),
        N_("To"),
        N_("Expected"),
        N_("Units"),
        N_("State"),
    ):
        table.add_column(Text(_(header)))


def document_row(table: DataTable[Text], document: CachedDocument) -> None:
    state = " ".join(p for p in (state_text(document.state), unconfirmed_text(document)) if p)
    table.add_row(
        Text(short_id(document.id)),
        Text(document_kind_text(document.kind)),
        Text(document.reference or ""),
        Text(document.source),
        Text(document.destination),
        Text(eta_text(document)),
        Text(number(sum(line.expected for line in document.lines)), justify="right"),
        Text(state),
        key=document.id,
    )


class ReasonScreen(StoreModal[DiscrepancyReason | None]):
    """Why a line differs from the document: one of the reasons, chosen with ↑ ↓ and Enter."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-dialog", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(reason_text(reason), id=reason.value) for reason in REASON_CHOICES),
                id="reason-options",
            )
            yield Static(_("Enter confirms · Escape cancels"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(DiscrepancyReason(str(event.option.id)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SheetScreen(StoreScreen):
    """A draft on screen: expected against counted per item, the differences marked."""

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("plus", "adjust(1)", N_("One more")),
        Binding("minus", "adjust(-1)", N_("One less")),
        Binding("a", "add", N_("Type SKU")),
        Binding("e", "set_quantity", N_("Quantity")),
        Binding("w", "reason", N_("Reason")),
    ]
    ID = "sheet"

    def __init__(self, context: StoreContext, desk: DraftDesk, sheet: Sheet) -> None:
        super().__init__(context)
        self.desk = desk
        self.sheet = sheet
        self.outcome: str | None = None
        """What closing it did, once it was (the list screen says it)."""

    def caption(self) -> str:
        raise NotImplementedError

    def hint(self) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="sheet-body"):
            yield Static(self.caption(), id="sheet-caption", classes="caption", markup=False)
            yield Static("", id="sheet-message", markup=False)
            yield DataTable(id="sheet-lines", cursor_type="row")
            yield Static("", id="sheet-total", markup=False)
            yield Static(self.hint(), id="sheet-hint", markup=False)
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("↑ ↓", _("choose a line")),
            ("+ -", _("one unit more or less of the selected line")),
        ]

    def scan_help(self) -> str:
        return _("one unit of the scanned item")

    def on_mount(self) -> None:
        table = self.query_one("#sheet-lines", DataTable)
        for header in (
            N_("SKU"),
            N_("Item"),
            N_("Size"),
            N_("Expected"),
            N_("Counted"),
            N_("Difference"),
            N_("Reason"),
        ):
            table.add_column(
                Text(_(header), justify="right" if header in ("Expected", "Counted") else "left"),
                width=NAME_WIDTH if header == "Item" else None,
            )
        table.focus()
        self._show(self.sheet)

    def _show(self, sheet: Sheet, select: str | None = None) -> None:
        self.sheet = sheet
        table = self.query_one("#sheet-lines", DataTable)
        current = select or self._highlighted()
        table.clear()
        for line in sheet.lines:
            table.add_row(
                Text(line.sku),
                Text(line.name, overflow="ellipsis", no_wrap=True),
                Text(line.size),
                Text("" if line.expected is None else number(line.expected), justify="right"),
                Text(number(line.counted), justify="right", style="bold"),
                Text(mark_text(line.mark), style=_MARK_STYLES[line.mark]),
                Text("" if line.mark is Mark.MATCH else reason_text(self.reason_of(line))),
                key=line.sku,
            )
        if current is not None and sheet.line(current) is not None:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        self.query_one("#sheet-total", Static).update(
            _(
                "{counted} of {expected} unit(s) counted, {count} line(s) differ.",
                counted=number(sheet.counted),
                expected=number(sheet.expected),
                count=number(len(sheet.discrepancies)),
            )
        )

    def reason_of(self, line: SheetLine) -> DiscrepancyReason | None:
        return line.reason

    def _highlighted(self) -> str | None:
        table = self.query_one("#sheet-lines", DataTable)
        if table.row_count == 0 or not table.is_valid_row_index(table.cursor_row):
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def say(self, text: str, level: str = "") -> None:
        message = self.query_one("#sheet-message", Static)
        message.update(text)
        message.set_classes(level)

    def _try(self, change: Callable[[], Sheet], select: str | None = None) -> bool:
        try:
            sheet = change()
        except MotionRefused as error:
            self.say("✘ " + motion_refusal(error), "-error")
            self.app.bell()
            return False
        self._show(sheet, select)
        return True

    def scan(self, code: str) -> None:
        """A scan the app hands over: one unit of the item."""
        try:
            sheet, line = self.desk.scan(self.sheet.draft_id, code)
        except MotionRefused as error:
            self.say("✘ " + motion_refusal(error), "-error")
            self.app.bell()
            return
        self._show(sheet, line.sku)
        text = _(
            "✔ {sku} · {name}: {counted} counted.",
            sku=line.sku,
            name=line.name,
            counted=number(line.counted),
        )
        if line.mark is Mark.UNEXPECTED:
            text += " " + mark_text(line.mark)
        self.say(text, "-ok")

    def action_adjust(self, delta: int) -> None:
        sku = self._highlighted()
        if sku is None:
            self.say(_("Scan a unit first."), "-error")
            return
        draft_id = self.sheet.draft_id
        self._try(lambda: self.desk.scan(draft_id, sku, delta)[0], sku)

    def action_add(self) -> None:
        def given(code: str | None) -> None:
            if code:
                self.scan(code)

        self.app.push_screen(EntryScreen(_("Add a unit"), _("Barcode or SKU of the item")), given)

    def action_set_quantity(self) -> None:
        sku = self._highlighted()
        line = None if sku is None else self.sheet.line(sku)
        if line is None:
            self.say(_("Scan a unit first."), "-error")
            return
        draft_id = self.sheet.draft_id

        def given(value: str | None) -> None:
            if value is not None:
                self._try(lambda: self.desk.set_quantity(draft_id, line.sku, int(value)), line.sku)

        self.app.push_screen(
            EntryScreen(
                _("Units counted"), f"{line.sku} · {line.name}", str(line.counted), integer=True
            ),
            given,
        )

    def action_reason(self) -> None:
        sku = self._highlighted()
        line = None if sku is None else self.sheet.line(sku)
        if line is None or line.mark is Mark.MATCH:
            self.say(_("Choose a line that differs from the document (↑ ↓)."), "-error")
            return
        draft_id = self.sheet.draft_id

        def given(reason: DiscrepancyReason | None) -> None:
            if reason is not None:
                self._try(lambda: self.desk.set_reason(draft_id, line.sku, reason), line.sku)

        self.app.push_screen(ReasonScreen(_("Why does {sku} differ?", sku=line.sku)), given)

    def summary(self) -> str:
        """The differences, one per line, for the confirmation."""
        return "\n".join(
            _(
                "{sku}: expected {expected}, counted {counted}: {mark} ({reason})",
                sku=line.sku,
                expected=number(line.expected or 0),
                counted=number(line.counted),
                mark=mark_text(line.mark),
                reason=reason_text(self.reason_of(line)),
            )
            for line in self.sheet.discrepancies
        )

    def finish(self, outcome: str) -> None:
        # The message goes on to the app (status bar, sync); this screen's work is done.
        self.outcome = outcome
        self.post_message(MotionRecorded(outcome))
        self.dismiss(None)

    def action_back(self) -> None:
        self.dismiss(None)


class ReceiptScreen(SheetScreen):
    BINDINGS = [Binding("c", "close_receipt", N_("Close receipt"))]

    def caption(self) -> str:
        document = self.sheet.document
        if document is None:
            return blind_title(self.sheet.source, self.sheet.reference)
        return _("Receiving {document}", document=document_name(document))

    def hint(self) -> str:
        return _(
            "Scan every unit that arrived; w gives the reason of a line that differs; c closes "
            "the receipt. Leaving keeps what was scanned."
        )

    def reason_of(self, line: SheetLine) -> DiscrepancyReason | None:
        return reason_for(line, blind=self.sheet.document is None)

    def action_close_receipt(self) -> None:
        sheet = self.sheet
        question = _(
            "Close this receipt: {units} unit(s), {count} difference(s)?",
            units=number(sheet.counted),
            count=number(len(sheet.discrepancies)),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._close()

        self.app.push_screen(ConfirmScreen(question, self.summary()), answered)

    def _close(self) -> None:
        desk = self.desk
        assert isinstance(desk, ReceivingDesk)
        try:
            closed = desk.close(self.sheet.draft_id)
        except MotionRefused as error:
            self.say("✘ " + motion_refusal(error), "-error")
            self.app.bell()
            return
        self.finish(received_text(closed.units, len(closed.discrepancies)))


class ReceiveScreen(StoreScreen):
    """What the store expects and the receipts in progress; Enter opens, b receives blind."""

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("b", "blind", N_("Blind receipt")),
        Binding("r", "reload", N_("Refresh")),
    ]

    def __init__(self, context: StoreContext) -> None:
        super().__init__(context)
        self.desk = receiving_desk(context)

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="receive-body"):
            yield Static(_("Expected here"), id="receive-caption", classes="caption", markup=False)
            yield DataTable(id="receive-documents", cursor_type="row")
            yield Static("", id="receive-drafts", markup=False)
            yield Static("", id="receive-message", markup=False)
            yield Static(
                _("Enter receives the selected document · b receives what came with no document."),
                id="receive-hint",
                markup=False,
            )
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [("↑ ↓", _("choose a document")), (_("Enter"), _("receive the selected document"))]

    def on_mount(self) -> None:
        table = self.query_one("#receive-documents", DataTable)
        document_table(table)
        table.focus()
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def _sync_happened(self, last: SyncReported | None) -> None:
        if last is not None and last.report.online and (last.report.pulled or last.report.accepted):
            self.reload()

    def reload(self) -> None:
        table = self.query_one("#receive-documents", DataTable)
        table.clear()
        documents = self.desk.expected()
        for document in documents:
            document_row(table, document)
        drafts = self.desk.open_drafts()
        in_progress = [
            document_name(d.document) if d.document else blind_title(d.source, d.reference)
            for d in drafts
        ]
        self.query_one("#receive-drafts", Static).update(
            _("In progress: {drafts}", drafts=", ".join(in_progress)) if in_progress else ""
        )
        said = self.query_one("#receive-message", Static)
        if not documents and not said.has_class("-ok"):
            self._say(_("Nothing expected at this store."), "-empty")
        elif said.has_class("-empty"):
            self._say("")

    def _say(self, text: str, level: str = "") -> None:
        message = self.query_one("#receive-message", Static)
        message.update(text)
        message.set_classes(level)

    @on(DataTable.RowSelected, "#receive-documents")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open(event.row_key.value)

    def open(self, document_id: str) -> None:
        try:
            sheet = self.desk.open(document_id)
        except MotionRefused as error:
            self._say("✘ " + motion_refusal(error), "-error")
            self.app.bell()
            return
        self._push(ReceiptScreen(self.context, self.desk, sheet))

    def _push(self, screen: ReceiptScreen) -> None:
        def finished(_result: None) -> None:
            self.reload()
            if screen.outcome is not None:
                self._say(screen.outcome, "-ok")

        self.app.push_screen(screen, finished)

    def action_blind(self) -> None:
        def reference_given(source: str, reference: str | None) -> None:
            try:
                sheet = self.desk.open_blind(source, reference)
            except MotionRefused as error:
                self._say("✘ " + motion_refusal(error), "-error")
                return
            self._push(ReceiptScreen(self.context, self.desk, sheet))

        def source_given(source: str | None) -> None:
            if source:
                self.app.push_screen(
                    EntryScreen(
                        _("Blind receipt"), _("The reference on the paperwork (Escape: none)")
                    ),
                    lambda reference: reference_given(source, reference),
                )

        self.app.push_screen(
            EntryScreen(_("Blind receipt"), _("Who sent it: supplier code or location")),
            source_given,
        )

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)
