"""What is coming, for the store's manager: the positions that will run out before their next
delivery (days of cover), the sales trend of a reference drawn as a sparkline per size, how
much to reorder, and the transfers rebalancing suggests for the reference. Read live from the
ledger; reports are for managers (the ledger's 403 shows as "managers only"), and offline they
are simply not available (a stale report would mislead).

One key (t) turns the rebalancing line under the cursor, or the replenishment report's
suggested lines, into a transfer request: confirmed first, queued through the outbox (so it
works offline), said when done, and the lines marked requested (``ReportRequests``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import (
    DataTable,
    Footer,
    Input,
    Label,
    Sparkline,
    Static,
    TabbedContent,
    TabPane,
)

from ordersync.contract import (
    CoverReport,
    RebalancingReport,
    ReplenishmentReport,
    SalesTrend,
    TransferOrigin,
)
from ordersync.contract.report_windows import SALES_TREND_WINDOW, TREND_RECENT_WINDOW
from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.report_requests import (
    ReportRequests,
    RequestMade,
    RequestRefusal,
    RequestRefused,
    line_key,
)
from storeapp.services.reports import Answer
from storeapp.services.staff import StaffPerson
from storeapp.tui.messages import Notice
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.screens.confirm import ConfirmScreen
from storeapp.tui.screens.receive import MotionRecorded
from storeapp.tui.screens.sign_in import with_manager
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import (
    NO_VALUE,
    change_text,
    cover_days,
    day_text,
    number,
    rate,
)
from storeapp.wording.manager import (
    rebalancing_caption,
    rebalancing_question,
    replenishment_caption,
    replenishment_question,
    report_refusal,
    request_detail,
    request_made,
    request_refusal,
    requested_mark,
    risk_caption,
    transfer_reason,
    trend_row_label,
    trend_title,
)

TREND_DAYS = SALES_TREND_WINDOW.default
RECENT_DAYS = TREND_RECENT_WINDOW.default


@dataclass
class RiskLoaded(Message):
    answer: Answer[CoverReport]


@dataclass
class TrendLoaded(Message):
    reference: str
    answer: Answer[SalesTrend]


@dataclass
class ReplenishmentLoaded(Message):
    answer: Answer[ReplenishmentReport]


@dataclass
class RebalancingLoaded(Message):
    reference: str
    answer: Answer[RebalancingReport]


@dataclass
class TransferRequested(Message):
    """A report's line became a transfer request (``made``), or why not (``refused``)."""

    made: RequestMade | None
    refused: RequestRefused | None = None


def recent_change(series: list[int], recent_days: int) -> float | None:
    """The last ``recent_days`` against the ``recent_days`` before, in percent (None: no sales
    before to compare with)."""
    if recent_days <= 0 or len(series) < 2 * recent_days:
        return None
    recent = sum(series[-recent_days:])
    previous = sum(series[-2 * recent_days : -recent_days])
    return None if previous == 0 else (recent - previous) / previous * 100


class TrendLine(Horizontal):
    """One size's sales per day: its label, a sparkline, and the total with its change."""

    def __init__(self, label: str, series: list[int], figures: str, *, total: bool = False) -> None:
        super().__init__(classes="trend-line -total" if total else "trend-line")
        self.label = label
        self.series = series
        self.figures = figures

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="trend-label", markup=False)
        yield Sparkline([float(value) for value in self.series] or [0.0], summary_function=max)
        yield Static(self.figures, classes="trend-figures", markup=False)


class TrendHeader(Horizontal):
    """The column names above the trend lines."""

    def compose(self) -> ComposeResult:
        yield Static(_("Size"), classes="trend-label", markup=False)
        yield Static(_("Units a day"), classes="trend-spark-header", markup=False)
        yield Static(f"{_('Total'):>5} {_('Change'):>7}", classes="trend-figures", markup=False)


class InsightsScreen(StoreScreen):
    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("1", "tab('risk')", N_("Risk")),
        Binding("2", "tab('trend')", N_("Trend")),
        Binding("3", "tab('replenish')", N_("Reorder")),
        Binding("4", "tab('rebalance')", N_("Rebalance")),
        Binding("t", "request", N_("Request transfer")),
        Binding("r", "reload", N_("Refresh")),
    ]

    def __init__(self, context: StoreContext, reference: str | None = None) -> None:
        super().__init__(context)
        self.reference = reference
        self._risk: CoverReport | None = None
        self._replenish: ReplenishmentReport | None = None
        self._rebalance: RebalancingReport | None = None
        self.requests = ReportRequests(context.engine, context.location, context.now, context.shift)
        self._requested: set[str] = set()

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with TabbedContent(initial="risk", id="insights-tabs"):
            with TabPane(_("Stock-out risk"), id="risk"):
                yield Static(_("Loading…"), id="risk-source", markup=False)
                yield DataTable(id="risk-table", cursor_type="row")
            with TabPane(_("Sales trend"), id="trend"):
                with Horizontal(id="trend-ask"):
                    yield Label(_("Reference"), id="trend-label")
                    yield Input(
                        placeholder=_("A reference, then Enter"),
                        id="trend-reference",
                        max_length=64,
                    )
                yield Static("", id="trend-title", markup=False)
                yield VerticalScroll(id="trend-lines")
            with TabPane(_("Replenishment"), id="replenish"):
                yield Static(_("Loading…"), id="replenish-source", markup=False)
                yield DataTable(id="replenish-table", cursor_type="row")
            with TabPane(_("Rebalancing"), id="rebalance"):
                yield Static(
                    _("Choose a reference on the trend tab."), id="rebalance-source", markup=False
                )
                yield DataTable(id="rebalance-table", cursor_type="row")
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("← →", _("switch tabs (when the tabs have the focus)")),
            (_("Enter"), _("on a row: the sales trend of its reference")),
            (
                "t",
                _(
                    "rebalancing: request the transfer under the cursor; replenishment: "
                    "request the suggested lines from the warehouse (managers)"
                ),
            ),
        ]

    def on_mount(self) -> None:
        risk = self.query_one("#risk-table", DataTable)
        # What a manager acts on comes first; the name last, cut to what the screen leaves.
        for header, justify in (
            (N_("SKU"), "left"),
            (N_("Cover"), "right"),
            (N_("Runs out"), "right"),
            (N_("Delivery"), "right"),
            (N_("On hand"), "right"),
            (N_("A day"), "right"),
            (N_("Item"), "left"),
        ):
            risk.add_column(Text(_(header), justify="right" if justify == "right" else "left"))
        replenish = self.query_one("#replenish-table", DataTable)
        for header, justify in (
            (N_("SKU"), "left"),
            (N_("Order"), "right"),
            (N_("On hand"), "right"),
            (N_("Reserved"), "right"),
            (N_("Up to"), "right"),
            (N_("A day"), "right"),
            (N_("Coming"), "right"),
            (N_("Item"), "left"),
            (N_("Transfer"), "left"),
        ):
            replenish.add_column(Text(_(header), justify="right" if justify == "right" else "left"))
        rebalance = self.query_one("#rebalance-table", DataTable)
        for header, justify in (
            (N_("SKU"), "left"),
            (N_("Size"), "left"),
            (N_("From"), "left"),
            (N_("To"), "left"),
            (N_("Qty"), "right"),
            (N_("Why"), "left"),
            (N_("Transfer"), "left"),
        ):
            rebalance.add_column(Text(_(header), justify="right" if justify == "right" else "left"))
        risk.focus()
        self.reload()

    def reload(self) -> None:
        self._read_risk()
        self._read_replenishment()
        if self.reference:
            self.show_trend(self.reference)

    # -- reading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="insights-risk", exit_on_error=False)
    def _read_risk(self) -> None:
        try:
            answer = self.context.reports.stockout_risk()
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the report: {reason}", reason=error), "error")
            )
            return
        self.post_message(RiskLoaded(answer))

    @work(thread=True, exclusive=True, group="insights-replenish", exit_on_error=False)
    def _read_replenishment(self) -> None:
        try:
            answer = self.context.reports.replenishment()
            self._requested = self.requests.requested()
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the report: {reason}", reason=error), "error")
            )
            return
        self.post_message(ReplenishmentLoaded(answer))

    @work(thread=True, exclusive=True, group="insights-rebalance", exit_on_error=False)
    def _read_rebalancing(self, reference: str) -> None:
        try:
            answer = self.context.reports.rebalancing(reference)
            self._requested = self.requests.requested()
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the report: {reason}", reason=error), "error")
            )
            return
        self.post_message(RebalancingLoaded(reference, answer))

    @work(thread=True, exclusive=True, group="insights-trend", exit_on_error=False)
    def _read_trend(self, reference: str) -> None:
        try:
            answer = self.context.reports.trend(reference, days=TREND_DAYS, recent_days=RECENT_DAYS)
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the report: {reason}", reason=error), "error")
            )
            return
        self.post_message(TrendLoaded(reference, answer))

    # -- showing -----------------------------------------------------------------------------

    def _unanswered(self, source_id: str, table_id: str, answer: Answer[Any]) -> bool:
        source = self.query_one(source_id, Static)
        if answer.value is not None:
            source.set_classes("")
            self.query_one(table_id).display = True
            return False
        source.update(report_refusal(answer.refusal, answer.detail))
        source.set_classes("-refused")
        self.query_one(table_id).display = False
        return True

    @on(RiskLoaded)
    def _risk_loaded(self, message: RiskLoaded) -> None:
        answer = message.answer
        self.set_class(answer.value is None, "-unanswered")
        if self._unanswered("#risk-source", "#risk-table", answer) or answer.value is None:
            return
        report = self._risk = answer.value
        self.query_one("#risk-source", Static).update(risk_caption(report))
        table = self.query_one("#risk-table", DataTable)
        table.clear()
        rows = report.rows  # the ledger's order: what the risk costs first
        for index, row in enumerate(rows):
            soon = row.days_of_cover is not None and row.days_of_cover < 2
            table.add_row(
                Text(row.sku),
                Text(
                    cover_days(row.days_of_cover),
                    justify="right",
                    style="bold red" if soon else "bold",
                ),
                Text(
                    NO_VALUE if row.stockout_by is None else day_text(row.stockout_by),
                    justify="right",
                ),
                Text(day_text(row.next_replenishment), justify="right"),
                Text(number(row.on_hand), justify="right"),
                Text(rate(row.daily_rate), justify="right"),
                Text(row.name, overflow="ellipsis", no_wrap=True),
                key=f"{index}:{row.reference}",
            )
        if not self.reference and rows:
            self.show_trend(rows[0].reference)

    @on(ReplenishmentLoaded)
    def _replenishment_loaded(self, message: ReplenishmentLoaded) -> None:
        answer = message.answer
        if (
            self._unanswered("#replenish-source", "#replenish-table", answer)
            or answer.value is None
        ):
            return
        self._replenish = answer.value
        self._show_replenishment()

    def _show_replenishment(self) -> None:
        report = self._replenish
        if report is None:
            return
        suggested = [row for row in report.rows if row.suggested_qty > 0]
        self.query_one("#replenish-source", Static).update(replenishment_caption(suggested))
        table = self.query_one("#replenish-table", DataTable)
        table.clear()
        # Requested from the warehouse the terminal would ask (the nearest).
        source = self.requests.nearest_warehouse() or ""
        for index, row in enumerate(sorted(suggested, key=lambda r: -r.suggested_qty)):
            key = line_key(TransferOrigin.REPLENISHMENT, source, self.context.location, row.sku)
            table.add_row(
                Text(row.sku),
                Text(number(row.suggested_qty), justify="right", style="bold"),
                Text(number(row.on_hand), justify="right"),
                Text(number(row.reserved), justify="right"),
                Text(number(row.order_up_to), justify="right"),
                Text(rate(row.daily_rate), justify="right"),
                Text(number(row.on_order + row.in_transit + row.requested), justify="right"),
                Text(row.name, overflow="ellipsis", no_wrap=True),
                self._mark(key),
                key=f"{index}:{row.sku}",
            )

    def _mark(self, key: str) -> Text:
        return Text(requested_mark(), style="bold") if key in self._requested else Text("")

    @on(RebalancingLoaded)
    def _rebalancing_loaded(self, message: RebalancingLoaded) -> None:
        if message.reference != self.reference:
            return  # an older question
        answer = message.answer
        if (
            self._unanswered("#rebalance-source", "#rebalance-table", answer)
            or answer.value is None
        ):
            return
        self._rebalance = answer.value
        self._show_rebalancing()

    def _show_rebalancing(self) -> None:
        report = self._rebalance
        if report is None or not self.reference:
            return
        self.query_one("#rebalance-source", Static).update(
            rebalancing_caption(self.reference, report)
        )
        table = self.query_one("#rebalance-table", DataTable)
        table.clear()
        for index, row in enumerate(report.rows):
            key = line_key(TransferOrigin.REBALANCING, row.from_location, row.to_location, row.sku)
            table.add_row(
                Text(row.sku),
                Text(row.size),
                Text(row.from_location),
                Text(row.to_location),
                Text(number(row.qty), justify="right", style="bold"),
                Text(transfer_reason(row.reason)),
                self._mark(key),
                key=str(index),
            )

    def show_trend(self, reference: str) -> None:
        self.reference = reference.strip()
        field = self.query_one("#trend-reference", Input)
        if field.value != self.reference:
            field.value = self.reference
        self.query_one("#trend-title", Static).update(_("Loading…"))
        self._read_trend(self.reference)
        self._read_rebalancing(self.reference)

    @on(TrendLoaded)
    async def _trend_loaded(self, message: TrendLoaded) -> None:
        if message.reference != self.reference:
            return  # an older question
        answer = message.answer
        title = self.query_one("#trend-title", Static)
        lines = self.query_one("#trend-lines", VerticalScroll)
        await lines.remove_children()
        trend = answer.value
        if trend is None:
            title.update(report_refusal(answer.refusal, answer.detail))
            title.set_classes("-refused")
            return
        title.set_classes("")
        title.update(trend_title(trend))
        rows: list[Widget] = [
            TrendHeader(classes="trend-line -header"),
            TrendLine(
                _("All sizes"),
                trend.series,
                self._figures(sum(trend.series), recent_change(trend.series, trend.recent_days)),
                total=True,
            ),
        ]
        sold = [row for row in trend.rows if row.total]
        rows.extend(
            TrendLine(trend_row_label(row), row.series, self._figures(row.total, row.change_pct))
            for row in sold
        )
        if len(sold) < len(trend.rows):
            rows.append(
                Static(
                    _(
                        "{count} other size(s) sold nothing in that time.",
                        count=number(len(trend.rows) - len(sold)),
                    ),
                    classes="trend-note",
                    markup=False,
                )
            )
        await lines.mount_all(rows)

    @staticmethod
    def _figures(total: int, change_pct: float | None) -> str:
        return f"{number(total):>5} {change_text(change_pct):>7}"

    # -- actions -----------------------------------------------------------------------------

    @on(Input.Submitted, "#trend-reference")
    def _reference_given(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.show_trend(event.value)

    @on(DataTable.RowSelected, "#risk-table")
    def _risk_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key is not None:
            self.show_trend(key.split(":", 1)[1])
            self.action_tab("trend")

    def action_request(self) -> None:
        """The rebalancing line under the cursor, or the suggested replenishment lines, as a
        transfer request: a manager's, confirmed first."""
        tab = self.query_one(TabbedContent).active
        if tab == "rebalance":
            table = self.query_one("#rebalance-table", DataTable)
            report = self._rebalance
            if report is None or not table.row_count:
                return
            suggestion = report.rows[table.cursor_row]
            key = line_key(
                TransferOrigin.REBALANCING,
                suggestion.from_location,
                suggestion.to_location,
                suggestion.sku,
            )
            if key in self._requested:
                self._requested_done(
                    TransferRequested(None, RequestRefused(RequestRefusal.ALREADY_REQUESTED))
                )
                return
            question = rebalancing_question(suggestion)

            def run(manager: StaffPerson | None) -> None:
                self._request(lambda: self.requests.request_suggestion(suggestion, manager))

        elif tab == "replenish":
            if self._replenish is None:
                return
            rows = self.requests.to_request(self._replenish.rows)
            if not rows:
                self.notify(_("Nothing left to request on this report."), markup=False)
                return
            source = self.requests.nearest_warehouse() or NO_VALUE
            question = replenishment_question(rows, source, self.context.location)
            report_rows = self._replenish.rows

            def run(manager: StaffPerson | None) -> None:
                self._request(
                    lambda: self.requests.request_replenishment(report_rows, approver=manager)
                )

        else:
            return

        def confirmed_by(manager: StaffPerson | None) -> None:
            def answered(yes: bool | None) -> None:
                if yes:
                    run(manager)

            self.app.push_screen(ConfirmScreen(question, request_detail()), answered)

        if self.requests.may_request():
            confirmed_by(None)
        else:
            with_manager(self.app, self.context, question, confirmed_by)

    @work(thread=True, group="insights-request", exit_on_error=False)
    def _request(self, make: Callable[[], RequestMade]) -> None:
        try:
            made = make()
        except RequestRefused as refused:
            self.post_message(TransferRequested(None, refused))
            return
        self._requested = self.requests.requested()
        self.post_message(TransferRequested(made))

    @on(TransferRequested)
    def _requested_done(self, message: TransferRequested) -> None:
        if message.refused is not None:
            self.notify(request_refusal(message.refused), severity="warning", markup=False)
            return
        assert message.made is not None
        text = request_made(message.made)
        self.notify(text, markup=False)
        self._show_rebalancing()
        self._show_replenishment()
        self.post_message(MotionRecorded(text))  # the app counts it and wakes the sync

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()
