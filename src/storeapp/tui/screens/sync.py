"""Sync status: what waits to be sent, what the ledger refused and why, and the last sync."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from storeapp.cache import outbox
from storeapp.i18n import N_, _
from storeapp.services.status import StoreStatus
from storeapp.tui.format import clock_time, describe_operation, refusal_reason
from storeapp.tui.messages import EntryDismissed, Notice, OutboxLoaded, SyncReported
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.widgets.attention_table import AttentionTable
from storeapp.tui.widgets.outbox_table import OutboxTable
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import number

OUTBOX_LIMIT = 500
"""The most waiting operations listed (the status bar counts them all)."""


class SyncScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("d", "dismiss_entry", N_("Dismiss")),
        Binding("r", "reload", N_("Refresh"), show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="sync-body"):
            yield Static("", id="sync-last", markup=False)
            yield Static("", id="outbox-caption", classes="caption", markup=False)
            yield OutboxTable(id="outbox")
            yield Static("", id="attention-caption", classes="caption", markup=False)
            yield AttentionTable(id="attention")
            yield Static("", id="entry-detail", markup=False)
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            (_("Tab"), _("switch between the waiting and the refused operations")),
            ("↑ ↓", _("select an operation: its whole reason shows below")),
        ]

    def on_mount(self) -> None:
        self._shown_counts: tuple[int, int] | None = None
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.watch(self.app, "store_status", self._status_changed, init=False)
        self.query_one(AttentionTable).focus()
        self._show_last_sync(getattr(self.app, "last_sync", None))
        self.reload()

    def reload(self) -> None:
        self._read_outbox()

    @work(thread=True, exclusive=True, group="outbox", exit_on_error=False)
    def _read_outbox(self) -> None:
        try:
            pending = outbox.pending(self.context.engine, OUTBOX_LIMIT)
            attention = outbox.needing_attention(self.context.engine)
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the outbox: {reason}", reason=error), "error")
            )
            return
        self.post_message(OutboxLoaded(pending, attention))

    @on(OutboxLoaded)
    def _outbox_loaded(self, message: OutboxLoaded) -> None:
        now = self.context.now()
        self._shown_counts = (len(message.pending), len(message.attention))
        self.query_one("#outbox-caption", Static).update(
            _("Waiting to be sent ({count})", count=number(len(message.pending)))
            if message.pending
            else _("Waiting to be sent: nothing, every operation reached the ledger")
        )
        self.query_one(OutboxTable).show(message.pending, now)
        self.query_one("#attention-caption", Static).update(
            _("Refused by the ledger, to check ({count})", count=number(len(message.attention)))
            if message.attention
            else _("Refused by the ledger: nothing to check")
        )
        self.query_one(AttentionTable).show(message.attention, now)
        self._show_detail()

    def _status_changed(self, status: StoreStatus | None) -> None:
        # A sale made elsewhere, or a sync: reread the lists when the counts moved.
        if status is None or self._shown_counts is None:
            return
        self._show_last_sync(getattr(self.app, "last_sync", None))
        counts = (min(status.waiting, OUTBOX_LIMIT), status.attention)
        if counts != self._shown_counts:
            self.reload()

    def _sync_happened(self, last: SyncReported | None) -> None:
        # Even when the counts stay the same, attempts and errors have moved.
        self._show_last_sync(last)
        self.reload()

    def _show_last_sync(self, last: SyncReported | None) -> None:
        text = self.query_one("#sync-last", Static)
        status: StoreStatus | None = getattr(self.app, "store_status", None)
        now = self.context.now()
        if last is None:
            lines = [_("No sync yet in this session.")]
        else:
            report = last.report
            when = clock_time(last.at, now)
            if report.online:
                lines = [
                    _(
                        "Last sync {when}: {sent} sent, {refused} refused, "
                        "{pulled} changes received.",
                        when=when,
                        sent=number(report.accepted),
                        refused=number(report.refused),
                        pulled=number(report.pulled),
                    )
                ]
            else:
                reason = report.error or "?"
                lines = [_("Last sync {when} failed: {reason}", when=when, reason=reason)]
        if status is not None and status.last_contact is not None:
            lines.append(
                _("Last answer from the ledger: {when}.", when=clock_time(status.last_contact, now))
            )
        text.update("\n".join(lines))
        text.set_class(last is not None and not last.report.online, "-error")

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#entry-detail", Static)
        focused = self.focused
        if isinstance(focused, OutboxTable):
            entry = focused.highlighted()
            if entry is not None:
                detail.update(
                    f"{describe_operation(entry)} · " + (entry.last_error or _("not sent yet"))
                )
                return
        entry = self.query_one(AttentionTable).highlighted()
        if entry is not None:
            detail.update(f"{describe_operation(entry)} · {refusal_reason(entry.problem)}")
        else:
            detail.update("")

    def on_descendant_focus(self) -> None:
        self._show_detail()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()

    def action_dismiss_entry(self) -> None:
        entry = self.query_one(AttentionTable).highlighted()
        if entry is None:
            self.notify(_("Nothing to dismiss: no refused operation is selected."), markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._dismiss(entry.id)

        self.app.push_screen(
            ConfirmScreen(
                _("Dismiss this refused operation?"),
                _(
                    "{what}: it stays on record but leaves this list. Deal with it first "
                    "(count, correct, tell the manager).",
                    what=describe_operation(entry),
                ),
            ),
            callback=answered,
        )

    @work(thread=True, group="dismiss", exit_on_error=False)
    def _dismiss(self, entry_id: int) -> None:
        try:
            done = outbox.dismiss(self.context.engine, entry_id, self.context.now())
        except Exception as error:
            self.post_message(Notice(_("Could not dismiss it: {reason}", reason=error), "error"))
            return
        self.post_message(EntryDismissed(entry_id, done))

    @on(EntryDismissed)
    def _dismissed(self, message: EntryDismissed) -> None:
        # The message goes on to the app, which refreshes the status bar.
        self.reload()
