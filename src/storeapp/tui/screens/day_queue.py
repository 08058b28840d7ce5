"""The manager's day: jobs by state, open jobs late first with their age against the service level
(a bar fills as the job uses its time), lines rejected today and why, collections waiting at the
counter, orders placed in store today with the sales they saved, the store's devices, and its
stock in motion: deliveries expected today (late ones marked), transfers to send and to receive.

Live from the ledger; when it cannot be reached, the partial view this terminal's cache can give,
marked OFFLINE with its age (what only the ledger knows shows as a dash). An associate's terminal
is told the day's queue is for managers (the ledger's 403), never shown an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import RowDoesNotExist

from storeapp.i18n import N_, _, active
from storeapp.services.day_queue import DayRefused, DayView, Source, job_age, time_to_due
from storeapp.services.motion_sheets import short_id as transfer_short_id
from storeapp.services.reports import Refusal
from storeapp.tui.format import clock_time
from storeapp.tui.manager_format import count_bar, level_bar, order_state
from storeapp.tui.messages import Notice, SyncReported
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.pick import PickScreen
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import NO_VALUE, due_text, known_count, money, number, span
from storeapp.wording.incoming import window_text
from storeapp.wording.jobs import kind_name, reject_reason, state_name
from storeapp.wording.manager import (
    collections_caption,
    day_source,
    deliveries_caption,
    devices_caption,
    late_mark,
    motion_facts,
    open_jobs_caption,
    rejections_caption,
    report_refusal,
    store_orders_caption,
    to_receive_caption,
    to_send_caption,
)

REFRESH_SECONDS = 60.0
"""How often the day is read again between syncs (ages and late flags follow the clock)."""
CUSTOMER_WIDTH = 14
SILENT_MINUTES = 15
"""A device not heard of for this long is flagged: it may be off, or cut from the network."""
STATE_ORDER = ("assigned", "picking", "picked", "packed", "ready", "shipped", "collected")


@dataclass
class DayLoaded(Message):
    """The day's queue (or why there is none), freshly read."""

    answer: DayView | DayRefused


class DayTable(DataTable[Text]):
    """A section of the day: as tall as its rows (the page scrolls, not the table)."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)


class DayQueueScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("r", "reload", N_("Refresh")),
        Binding("c", "app.go('counts')", N_("Counts")),
        Binding("i", "app.go('insights')", N_("Insights")),
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with VerticalScroll(id="day-body"):
            yield Static(_("The day's queue"), id="day-title", classes="caption", markup=False)
            yield Static(_("Loading…"), id="day-source", markup=False)
            yield Static("", id="day-facts", markup=False)
            yield Static("", id="day-states", markup=False)
            yield Static("", id="day-motion", markup=False)
            yield Static("", id="day-jobs-caption", classes="caption day-section", markup=False)
            yield DayTable(id="day-jobs")
            yield Static("", id="day-rejections-caption", classes="caption day-section")
            yield DayTable(id="day-rejections")
            yield Static("", id="day-collections-caption", classes="caption day-section")
            yield DayTable(id="day-collections")
            yield Static("", id="day-orders-caption", classes="caption day-section")
            yield DayTable(id="day-orders")
            yield Static("", id="day-deliveries-caption", classes="caption day-section")
            yield DayTable(id="day-deliveries")
            yield Static("", id="day-send-caption", classes="caption day-section")
            yield DayTable(id="day-send")
            yield Static("", id="day-receive-caption", classes="caption day-section")
            yield DayTable(id="day-receive")
            yield Static("", id="day-devices-caption", classes="caption day-section")
            yield DayTable(id="day-devices")
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            (
                _("Tab"),
                _(
                    "next section: jobs, rejections, collections, orders, deliveries, "
                    "transfers to send and to receive, devices"
                ),
            ),
            ("↑ ↓", _("choose a row")),
            (_("Enter"), _("on a job: open its pick list")),
            (_("Enter"), _("on a delivery or a transfer: the Receive or Transfers screen")),
        ]

    def on_mount(self) -> None:
        self._set_columns()
        self.set_class(True, "-loading")
        self.query_one("#day-jobs", DataTable).focus()
        self.watch(self.app, "last_sync", self._sync_happened, init=False)
        self.set_interval(REFRESH_SECONDS, self.reload)
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def _set_columns(self) -> None:
        columns = {
            "day-jobs": [
                (N_("Job"), "left"),
                (N_("State"), "left"),
                (N_("Kind"), "left"),
                (N_("Customer"), "left"),
                (N_("Age"), "right"),
                (N_("Service level"), "left"),
                (N_("Units"), "right"),
            ],
            "day-rejections": [
                (N_("Time"), "left"),
                (N_("Job"), "left"),
                (N_("SKU"), "left"),
                (N_("Item"), "left"),
                (N_("Qty"), "right"),
                (N_("Reason"), "left"),
            ],
            "day-collections": [
                (N_("Job"), "left"),
                (N_("Customer"), "left"),
                (N_("Age"), "right"),
                (N_("Units"), "right"),
            ],
            "day-orders": [
                (N_("Time"), "left"),
                (N_("Order id"), "left"),
                (N_("Units"), "right"),
                (N_("Value"), "right"),
                (N_("State"), "left"),
            ],
            "day-deliveries": [
                (N_("Reference"), "left"),
                (N_("From"), "left"),
                (N_("Expected"), "left"),
                (N_("Lines"), "right"),
                (N_("Units"), "right"),
                (N_("Late"), "left"),
            ],
            "day-send": [
                (N_("Transfer"), "left"),
                (N_("To"), "left"),
                (N_("Requested"), "right"),
                (N_("Lines"), "right"),
                (N_("Units"), "right"),
            ],
            "day-receive": [
                (N_("Transfer"), "left"),
                (N_("From"), "left"),
                (N_("Sent"), "right"),
                (N_("Due"), "right"),
                (N_("Units"), "right"),
                (N_("Late"), "left"),
            ],
            "day-devices": [
                (N_("Device"), "left"),
                (N_("Role"), "left"),
                (N_("Last seen"), "right"),
                (N_("To sync"), "right"),
                (N_("To check"), "right"),
                (N_("Oldest waiting"), "right"),
            ],
        }
        for table_id, headers in columns.items():
            table = self.query_one(f"#{table_id}", DataTable)
            for index, (header, justify) in enumerate(headers):
                table.add_column(
                    Text(_(header), justify="right" if justify == "right" else "left"),
                    key=str(index),
                    width=CUSTOMER_WIDTH if header == "Customer" else None,
                )

    # -- reading -----------------------------------------------------------------------------

    def reload(self) -> None:
        self._read_day()

    @work(thread=True, exclusive=True, group="day", exit_on_error=False)
    def _read_day(self) -> None:
        try:
            answer = self.context.day.day()
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the day's queue: {reason}", reason=error), "error")
            )
            return
        self.post_message(DayLoaded(answer))

    def _sync_happened(self, last: SyncReported | None) -> None:
        if last is not None and last.report.online and (last.report.pulled or last.report.accepted):
            self.reload()

    @on(DayLoaded)
    def _loaded(self, message: DayLoaded) -> None:
        self.set_class(False, "-loading")
        answer = message.answer
        self.set_class(isinstance(answer, DayRefused), "-refused")
        if isinstance(answer, DayRefused):
            self._show_refused(answer)
        else:
            self.show_day(answer)

    def _show_refused(self, refused: DayRefused) -> None:
        self.query_one("#day-title", Static).update(_("The day's queue"))
        self.query_one("#day-source", Static).update(
            report_refusal(refused.refusal, refused.detail)
        )
        self.query_one("#day-source", Static).set_classes("-refused")
        for widget_id in ("#day-facts", "#day-states", "#day-motion"):
            self.query_one(widget_id, Static).update("")

    # -- showing -----------------------------------------------------------------------------

    def show_day(self, view: DayView) -> None:
        now = self.context.now()
        self.query_one("#day-title", Static).update(
            _(
                "The day's queue · {store} · {name} · {day}",
                store=view.location,
                name=view.location_name,
                day=format_date(view.day, "EEEE d MMMM", locale=active().locale),
            )
        )
        source = self.query_one("#day-source", Static)
        text = day_source(view, clock_time(view.generated_at, now))
        if view.source is Source.LIVE:
            source.update(text)
            source.set_classes("")
        else:
            if view.offline_refusal is Refusal.UNAVAILABLE:
                text = report_refusal(view.offline_refusal, "") + " " + text
            source.update(text)
            source.set_classes("-offline")
        self.query_one("#day-facts", Static).update(self._facts(view))
        self.query_one("#day-states", Static).update(self._states(view))
        self.query_one("#day-motion", Static).update(motion_facts(view))
        self._show_jobs(view)
        self._show_rejections(view, now)
        self._show_collections(view)
        self._show_orders(view, now)
        self._show_motion(view, now)
        self._show_devices(view, now)
        for table in self.query(DayTable):
            # An empty section says so in its caption; its column headers would only be noise.
            table.display = table.row_count > 0

    @staticmethod
    def _facts(view: DayView) -> Text:
        facts = Text()
        open_jobs = len(view.open_jobs)
        facts.append(_("Open jobs: {count}", count=number(open_jobs)), "bold")
        if view.late_jobs:
            facts.append(" · ")
            facts.append(
                " " + _("LATE: {count}", count=number(view.late_jobs)) + " ", "bold reverse"
            )
        facts.append(" · " + _("rejected: {count}", count=number(len(view.rejections))))
        facts.append(" · " + _("to collect: {count}", count=number(len(view.collections_waiting))))
        if view.store_orders is not None and view.store_orders_value_minor is not None:
            facts.append(" · ")
            facts.append(
                _(
                    "saved: {count} order(s), {value}",
                    count=number(len(view.store_orders)),
                    value=money(view.store_orders_value_minor, view.currency or "EUR"),
                ),
                "bold",
            )
        facts.append(
            " · "
            + _(
                "to count: {tasks} · suspect: {suspect}",
                tasks=known_count(view.open_count_tasks),
                suspect=number(view.suspect_positions),
            )
        )
        if view.devices is not None:
            silent = sum(1 for d in view.devices if d.minutes_since_seen >= SILENT_MINUTES)
            to_check = sum(d.needs_attention for d in view.devices)
            facts.append(" · " + _("devices: {count}", count=number(len(view.devices))))
            if silent:
                facts.append(" " + _("({count} silent)", count=number(silent)), "bold red")
            if to_check:
                facts.append(
                    " · " + _("{count} operation(s) to check", count=number(to_check)), "bold"
                )
        return facts

    @staticmethod
    def _states(view: DayView) -> Text:
        counts = {state: count for state, count in view.jobs_by_state.items() if count}
        if not counts:
            return Text(_("No job today."))
        most = max(counts.values())
        states = sorted(
            counts,
            key=lambda s: (STATE_ORDER.index(s) if s in STATE_ORDER else len(STATE_ORDER), s),
        )
        line = Text()
        for index, state in enumerate(states):
            if index:
                line.append("  ")
            line.append(state_name(state) + " ")
            line.append(count_bar(counts[state], most, 6), "bold")
            line.append(" " + number(counts[state]))
        return line

    def _caption(self, section: str, text: str) -> None:
        self.query_one(f"#day-{section}-caption", Static).update(text)

    def _show_jobs(self, view: DayView) -> None:
        short_ids = view.short_job_ids()
        table = self.query_one("#day-jobs", DataTable)
        current = self._current_key(table)
        table.clear()
        self._caption("jobs", open_jobs_caption(len(view.open_jobs)))
        for job in view.open_jobs:
            style = "bold red" if job.late else ""
            level = Text.assemble(
                (level_bar(job_age(job), job.due_at - job.created_at), style or "green"),
                " ",
                (due_text(time_to_due(job)), style),
            )
            row = [
                Text(short_ids[str(job.id)]),
                Text(state_name(job.state)),
                Text(kind_name(job.kind)),
                Text(job.customer_name, overflow="ellipsis", no_wrap=True),
                Text(span(job_age(job)), justify="right"),
                level,
                Text(number(job.units), justify="right"),
            ]
            if job.late:
                for cell in row[:4]:
                    cell.stylize(style)
            table.add_row(*row, key=str(job.id))
        self._restore(table, current)

    def _show_rejections(self, view: DayView, now: datetime) -> None:
        table = self.query_one("#day-rejections", DataTable)
        table.clear()
        self._caption("rejections", rejections_caption(len(view.rejections)))
        short_ids = view.short_job_ids()
        for index, rejection in enumerate(view.rejections):
            table.add_row(
                Text(
                    NO_VALUE
                    if rejection.rejected_at is None
                    else clock_time(rejection.rejected_at, now)
                ),
                Text(short_ids[rejection.job_id]),
                Text(rejection.sku),
                Text(rejection.name, overflow="ellipsis", no_wrap=True),
                Text(number(rejection.qty), justify="right"),
                Text(reject_reason(rejection.reason), style="bold"),
                key=f"{rejection.job_id}:{index}",
            )

    def _show_collections(self, view: DayView) -> None:
        table = self.query_one("#day-collections", DataTable)
        table.clear()
        self._caption("collections", collections_caption(len(view.collections_waiting)))
        short_ids = view.short_job_ids()
        for job in view.collections_waiting:
            table.add_row(
                Text(short_ids[str(job.id)]),
                Text(job.customer_name, overflow="ellipsis", no_wrap=True),
                Text(span(job_age(job)), justify="right"),
                Text(number(job.units), justify="right"),
                key=str(job.id),
            )

    def _show_orders(self, view: DayView, now: datetime) -> None:
        table = self.query_one("#day-orders", DataTable)
        table.clear()
        self._caption("orders", store_orders_caption(view))
        short_ids = view.short_order_ids()
        for placed in view.store_orders or []:
            table.add_row(
                Text(clock_time(placed.created_at, now)),
                Text(short_ids[str(placed.order_id)]),
                Text(number(placed.units), justify="right"),
                Text(money(placed.value_minor, placed.currency), justify="right"),
                Text(order_state(placed.state)),
                key=str(placed.order_id),
            )

    def _show_motion(self, view: DayView, now: datetime) -> None:
        late = Text(late_mark(), style="bold red")
        table = self.query_one("#day-deliveries", DataTable)
        table.clear()
        self._caption("deliveries", deliveries_caption(view))
        for delivery in view.deliveries:
            style = "bold red" if delivery.late else ""
            table.add_row(
                Text(delivery.reference, style=style, overflow="ellipsis", no_wrap=True),
                Text(delivery.source),
                Text(window_text(delivery.expected_from, delivery.expected_until), style=style),
                Text(number(delivery.lines), justify="right"),
                Text(number(delivery.units), justify="right"),
                late if delivery.late else Text(""),
                key=str(delivery.id),
            )
        table = self.query_one("#day-send", DataTable)
        table.clear()
        self._caption("send", to_send_caption(view))
        for transfer in view.to_send:
            table.add_row(
                Text(transfer_short_id(str(transfer.id))),
                Text(transfer.to_location),
                Text(clock_time(transfer.requested_at, now), justify="right"),
                Text(number(transfer.lines), justify="right"),
                Text(number(transfer.units), justify="right"),
                key=str(transfer.id),
            )
        table = self.query_one("#day-receive", DataTable)
        table.clear()
        self._caption("receive", to_receive_caption(view))
        for transfer in view.to_receive:
            style = "bold red" if transfer.late else ""
            table.add_row(
                Text(transfer_short_id(str(transfer.id)), style=style),
                Text(transfer.from_location),
                Text(
                    NO_VALUE if transfer.sent_at is None else clock_time(transfer.sent_at, now),
                    justify="right",
                ),
                Text(
                    NO_VALUE
                    if transfer.expected_at is None
                    else clock_time(transfer.expected_at, now),
                    justify="right",
                    style=style,
                ),
                Text(number(transfer.units), justify="right"),
                late if transfer.late else Text(""),
                key=str(transfer.id),
            )

    def _show_devices(self, view: DayView, now: datetime) -> None:
        table = self.query_one("#day-devices", DataTable)
        table.clear()
        devices = view.devices
        self._caption("devices", devices_caption(view))
        if devices is None:
            mine = view.this_device
            table.add_row(
                Text(_("this terminal")),
                Text(NO_VALUE),
                Text(_("now"), justify="right"),
                Text(number(mine.pending), justify="right", style="bold" if mine.pending else ""),
                Text(
                    number(mine.attention),
                    justify="right",
                    style="bold red" if mine.attention else "",
                ),
                Text(
                    NO_VALUE
                    if mine.oldest_pending_at is None
                    else clock_time(mine.oldest_pending_at, now),
                    justify="right",
                ),
                key="this",
            )
            return
        for index, device in enumerate(devices):
            silent = device.minutes_since_seen >= SILENT_MINUTES
            table.add_row(
                Text(device.device),
                Text(device.role),
                Text(
                    _("{span} ago", span=span(now - device.last_seen_at))
                    if device.minutes_since_seen
                    else _("now"),
                    justify="right",
                    style="bold red" if silent else "",
                ),
                Text(
                    number(device.pending_ops),
                    justify="right",
                    style="bold" if device.pending_ops else "",
                ),
                Text(
                    number(device.needs_attention),
                    justify="right",
                    style="bold red" if device.needs_attention else "",
                ),
                Text(
                    NO_VALUE
                    if device.oldest_pending_at is None
                    else clock_time(device.oldest_pending_at, now),
                    justify="right",
                ),
                key=f"{device.device}:{index}",
            )

    @staticmethod
    def _current_key(table: DataTable[Text]) -> str | None:
        if table.row_count == 0 or not table.is_valid_row_index(table.cursor_row):
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @staticmethod
    def _restore(table: DataTable[Text], key: str | None) -> None:
        if key is None:
            return
        try:
            table.move_cursor(row=table.get_row_index(key), animate=False)
        except RowDoesNotExist:  # that job left the queue: the cursor stays where it is
            return

    # -- actions -----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#day-jobs, #day-collections")
    def _job_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        job_id = event.row_key.value
        if job_id is not None and self.context.picking.job(job_id) is not None:
            self.app.push_screen(PickScreen(self.context, job_id))
        elif job_id is not None:
            self.notify(
                _("This job is not in this terminal's cache yet: sync (F5) and try again."),
                severity="warning",
                markup=False,
            )

    @on(DataTable.RowSelected, "#day-deliveries, #day-receive, #day-send")
    def _motion_selected(self, event: DataTable.RowSelected) -> None:
        # Receiving and sending happen on their own screens: Enter goes there.
        event.stop()
        sending = event.data_table.id == "day-send"
        self.app.call_later(self.app.run_action, f"go('{'transfers' if sending else 'receive'}')")

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()
