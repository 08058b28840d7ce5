"""Sync status: what waits to be sent, what the ledger refused and why, the last sync, and this
terminal's recent sales, where a sale is voided (with a confirmation and an optional reason; one
of an earlier store day asks for a manager)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from storeapp.cache import outbox
from storeapp.i18n import N_, _
from storeapp.services.motion_sheets import short_id
from storeapp.services.staff import StaffPerson
from storeapp.services.status import StoreStatus
from storeapp.services.voids import RecentSale, VoidRefusal, VoidRefused
from storeapp.tui.format import clock_time, describe_operation, refusal_reason
from storeapp.tui.messages import EntryDismissed, Notice, OutboxLoaded, SyncReported
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.count import EntryScreen
from storeapp.tui.screens.receive import MotionRecorded
from storeapp.tui.screens.sign_in import with_manager
from storeapp.tui.widgets.attention_table import AttentionTable
from storeapp.tui.widgets.outbox_table import OutboxTable
from storeapp.tui.widgets.recent_sales_table import RecentSalesTable
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.counter import (
    already_voided,
    sale_receipt,
    sale_refused_by_ledger,
    void_queued,
)
from storeapp.wording.figures import number

OUTBOX_LIMIT = 500
"""The most waiting operations listed (the status bar counts them all)."""
RECENT_SALES_LIMIT = 50
"""The most recent sales of this terminal listed."""
MANAGERS_VOID = frozenset({VoidRefusal.EARLIER_DAY, VoidRefusal.NOT_THIS_TERMINAL})
"""Refusals a manager's approval lifts."""


@dataclass
class _RecentSalesRead(Message):
    sales: list[RecentSale]


@dataclass
class _VoidRefused(Message):
    sale: RecentSale
    reason: str | None
    error: VoidRefused | ValueError
    approved: bool
    """A manager had approved the void already: the refusal stands."""


class SyncScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("d", "dismiss_entry", N_("Dismiss")),
        # Not in the footer (at 80 columns it would push out "sync now"): the caption says it.
        Binding("v", "void_sale", N_("Void sale"), show=False),
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
            yield Static("", id="recent-caption", classes="caption", markup=False)
            yield RecentSalesTable(id="recent-sales")
            yield Static("", id="entry-detail", markup=False)
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            (_("Tab"), _("switch between the waiting and refused operations and the sales")),
            ("↑ ↓", _("select an operation: its whole reason shows below")),
        ]

    def on_mount(self) -> None:
        self._shown_counts: tuple[int, int] | None = None
        self._job_ids: dict[str, str] = {}
        """The store's cached jobs and their short ids, as the outbox was last read with."""
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.watch(self.app, "store_status", self._status_changed, init=False)
        self.query_one(AttentionTable).focus()
        self._show_last_sync(getattr(self.app, "last_sync", None))
        self.reload()

    def reload(self) -> None:
        self._read_outbox()
        self._read_recent_sales()

    @work(thread=True, exclusive=True, group="outbox", exit_on_error=False)
    def _read_outbox(self) -> None:
        try:
            pending = outbox.pending(self.context.engine, OUTBOX_LIMIT)
            attention = outbox.needing_attention(self.context.engine)
            job_ids = self.context.picking.short_job_ids()
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the outbox: {reason}", reason=error), "error")
            )
            return
        self.post_message(OutboxLoaded(pending, attention, job_ids))

    @on(OutboxLoaded)
    def _outbox_loaded(self, message: OutboxLoaded) -> None:
        now = self.context.now()
        self._shown_counts = (len(message.pending), len(message.attention))
        self._job_ids = message.job_ids
        self.query_one("#outbox-caption", Static).update(
            _("Waiting to be sent ({count})", count=number(len(message.pending)))
            if message.pending
            else _("Waiting to be sent: nothing, every operation reached the ledger")
        )
        self.query_one(OutboxTable).show(message.pending, now, self._job_ids)
        self.query_one("#attention-caption", Static).update(
            _("Refused by the ledger, to check ({count})", count=number(len(message.attention)))
            if message.attention
            else _("Refused by the ledger: nothing to check")
        )
        self.query_one(AttentionTable).show(message.attention, now, self._job_ids)
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

    @work(thread=True, exclusive=True, group="recent-sales", exit_on_error=False)
    def _read_recent_sales(self) -> None:
        try:
            sales = self.context.voids.recent(RECENT_SALES_LIMIT)
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the recent sales: {reason}", reason=error), "error")
            )
            return
        self.post_message(_RecentSalesRead(sales))

    @on(_RecentSalesRead)
    def _recent_sales_read(self, message: _RecentSalesRead) -> None:
        self.query_one("#recent-caption", Static).update(
            _(
                "Recent sales of this terminal ({count}) · v voids the selected one",
                count=number(len(message.sales)),
            )
            if message.sales
            else _("Recent sales of this terminal: none")
        )
        self.query_one(RecentSalesTable).show(message.sales, self.context.now())
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#entry-detail", Static)
        focused = self.focused
        if isinstance(focused, RecentSalesTable):
            sale = focused.highlighted()
            detail.update("" if sale is None else sale_receipt(str(sale.op_id)))
            return
        if isinstance(focused, OutboxTable):
            entry = focused.highlighted()
            if entry is not None:
                detail.update(
                    f"{describe_operation(entry, self._job_ids)} · "
                    + (entry.last_error or _("not sent yet"))
                )
                return
        entry = self.query_one(AttentionTable).highlighted()
        if entry is not None:
            detail.update(
                f"{describe_operation(entry, self._job_ids)} · {refusal_reason(entry.problem)}"
            )
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
                    what=describe_operation(entry, self._job_ids),
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

    # -- voiding a sale ----------------------------------------------------------------------

    def action_void_sale(self) -> None:
        sale = self.query_one(RecentSalesTable).highlighted()
        if sale is None:
            self.notify(_("Choose a sale in the recent sales (Tab, ↑ ↓)."), markup=False)
            return
        reference = short_id(str(sale.op_id))
        if sale.voided or sale.refused:
            text = already_voided(reference) if sale.voided else sale_refused_by_ledger(reference)
            self.notify(text, severity="warning", markup=False)
            return
        what = _(
            "{qty} x {sku}, sold {when} (receipt {receipt})",
            qty=number(sale.qty),
            sku=sale.sku,
            when=clock_time(sale.occurred_at, self.context.now()),
            receipt=reference,
        )

        def confirmed(yes: bool | None, reason: str | None) -> None:
            if yes:
                self._void(sale, reason, None)

        def reason_given(reason: str | None) -> None:
            self.app.push_screen(
                ConfirmScreen(
                    _("Void this sale?"),
                    _(
                        "{what}: its units go back in stock and the day's sales no longer "
                        "count it. Reason: {reason}",
                        what=what,
                        reason=reason or _("none given"),
                    ),
                ),
                lambda yes: confirmed(yes, reason),
            )

        self.app.push_screen(
            EntryScreen(_("Void sale"), _("{what}. Why? (Escape: no reason)", what=what)),
            reason_given,
        )

    @work(thread=True, group="void", exit_on_error=False)
    def _void(self, sale: RecentSale, reason: str | None, manager: StaffPerson | None) -> None:
        # In a thread: whether this device is a manager's may take a question to the ledger.
        try:
            voided = self.context.voids.void(sale.op_id, reason, approver=manager)
        except (VoidRefused, ValueError) as error:
            self.post_message(_VoidRefused(sale, reason, error, approved=manager is not None))
            return
        except Exception as error:
            self.post_message(Notice(_("The sale was NOT voided: {reason}", reason=error), "error"))
            return
        self.post_message(MotionRecorded(void_queued(short_id(str(sale.op_id)), voided.lines)))

    @on(_VoidRefused)
    def _void_refused(self, message: _VoidRefused) -> None:
        error = message.error
        lifted_by_manager = isinstance(error, VoidRefused) and error.refusal in MANAGERS_VOID
        context = self.context
        if lifted_by_manager and not message.approved and context.staff.has_staff():
            # An associate's void of an earlier day's sale: a manager's PIN lets it through.
            with_manager(
                self.app,
                context,
                _("Void sale"),
                lambda manager: (
                    self._void(message.sale, message.reason, manager)
                    if manager is not None
                    else self.notify(str(error), severity="error", markup=False)
                ),
            )
            return
        self.notify(str(error), severity="error", markup=False)

    @on(MotionRecorded)
    def _voided(self, message: MotionRecorded) -> None:
        # The message goes on to the app, which refreshes the status bar and wakes the sync.
        self.notify(message.text, markup=False)
        self.reload()
