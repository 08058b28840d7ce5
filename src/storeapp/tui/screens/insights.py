"""What is coming, for the store's manager: the positions that will run out before their next
delivery (days of cover), the sales trend of a reference drawn as a sparkline per size, and how
much to reorder. Read live from the ledger; reports are for managers (the ledger's 403 shows as
"managers only"), and offline they are simply not available (a stale report would mislead).
"""

from __future__ import annotations

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

from ordersync.contract import CoverReport, ReplenishmentReport, SalesTrend, TrendRow
from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.reports import Answer
from storeapp.tui.messages import Notice
from storeapp.tui.screens.base import StoreScreen
from storeapp.tui.widgets.status_bar import StatusBar
from storeapp.wording.figures import NO_VALUE, change_text, cover_days, day_text, number
from storeapp.wording.manager import (
    replenishment_caption,
    report_refusal,
    risk_caption,
    trend_title,
)

TREND_DAYS = 28
RECENT_DAYS = 7


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
        Binding("r", "reload", N_("Refresh")),
    ]

    def __init__(self, context: StoreContext, reference: str | None = None) -> None:
        super().__init__(context)
        self.reference = reference
        self._risk: CoverReport | None = None
        self._replenish: ReplenishmentReport | None = None

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
        yield Footer()

    def help_lines(self) -> list[tuple[str, str]]:
        return [
            ("← →", _("switch tabs (when the tabs have the focus)")),
            (_("Enter"), _("on a row: the sales trend of its reference")),
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
            (N_("Item"), "left"),
        ):
            replenish.add_column(Text(_(header), justify="right" if justify == "right" else "left"))
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
        except Exception as error:
            self.post_message(
                Notice(_("Could not read the report: {reason}", reason=error), "error")
            )
            return
        self.post_message(ReplenishmentLoaded(answer))

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
        rows = sorted(report.rows, key=lambda r: (r.days_of_cover is None, r.days_of_cover or 0))
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
                Text(number(round(row.daily_rate, 1)), justify="right"),
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
        report = self._replenish = answer.value
        suggested = [row for row in report.rows if row.suggested_qty > 0]
        self.query_one("#replenish-source", Static).update(replenishment_caption(suggested))
        table = self.query_one("#replenish-table", DataTable)
        table.clear()
        for index, row in enumerate(sorted(suggested, key=lambda r: -r.suggested_qty)):
            table.add_row(
                Text(row.sku),
                Text(number(row.suggested_qty), justify="right", style="bold"),
                Text(number(row.on_hand), justify="right"),
                Text(number(row.reserved), justify="right"),
                Text(number(row.order_up_to), justify="right"),
                Text(number(round(row.daily_rate, 1)), justify="right"),
                Text(row.name, overflow="ellipsis", no_wrap=True),
                key=f"{index}:{row.sku}",
            )

    def show_trend(self, reference: str) -> None:
        self.reference = reference.strip()
        field = self.query_one("#trend-reference", Input)
        if field.value != self.reference:
            field.value = self.reference
        self.query_one("#trend-title", Static).update(_("Loading…"))
        self._read_trend(self.reference)

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
            TrendLine(self._label(row), row.series, self._figures(row.total, row.change_pct))
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
    def _label(row: TrendRow) -> str:
        return f"{row.size} {row.location}" if row.location else row.size

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

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.reload()
