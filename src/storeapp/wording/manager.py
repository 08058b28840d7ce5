"""The manager's views: why a report or the day's queue has no answer, where the day's queue comes
from (live, or this terminal's own view offline), the captions of its sections (deliveries and
transfers too), the headlines of the sales reports (stock-out risk, replenishment, rebalancing,
trend), and what turning a report's line into a transfer request says.
"""

from __future__ import annotations

from collections.abc import Sequence

from ordersync.contract import (
    CoverReport,
    RebalancingReport,
    ReplenishmentRow,
    SalesTrend,
    TransferSuggestion,
    TrendRow,
)
from storeapp.i18n import N_, _
from storeapp.services.day_queue import DayView, Source
from storeapp.services.report_requests import RequestMade, RequestRefusal, RequestRefused
from storeapp.services.reports import Refusal
from storeapp.wording.figures import day_text, money, never_synced, number, span


def report_refusal(refusal: Refusal | None, detail: str) -> str:
    """Why a manager's view has nothing to show, in a sentence staff can act on."""
    if refusal is Refusal.MANAGERS_ONLY:
        return _(
            "Managers only: this terminal's token is not a manager's of this store. "
            "Ask the store manager, or use the manager's terminal."
        )
    if refusal is Refusal.OFFLINE:
        return _("OFFLINE ({reason}): this is known once the ledger answers.", reason=detail)
    if refusal is Refusal.UNAVAILABLE:
        return _("This ledger does not offer it yet: it needs a newer version.")
    if refusal is Refusal.NOT_FOUND:
        return _("Not found: {reason}", reason=detail)
    return _("The ledger refused: {reason}", reason=detail)


def day_source(view: DayView, generated_at: str) -> str:
    """Live from the ledger (``generated_at``: when, as the front end shows times), or this
    terminal's own view offline, with its age."""
    if view.source is Source.LIVE:
        return _("From the ledger at {time}.", time=generated_at)
    return _(
        "OFFLINE: this terminal's own view ({age} old); other devices, orders saved "
        "and count tasks are known when the ledger answers.",
        age=never_synced() if view.view_age is None else span(view.view_age),
    )


def open_jobs_caption(count: int) -> str:
    if not count:
        return _("No job to work on.")
    return _("Jobs to work on ({count}), late first", count=number(count))


def rejections_caption(count: int) -> str:
    if not count:
        return _("Nothing rejected today.")
    return _("Rejected today ({count})", count=number(count))


def collections_caption(count: int) -> str:
    if not count:
        return _("No collection waiting.")
    return _("Waiting for collection ({count})", count=number(count))


def store_orders_caption(view: DayView) -> str:
    """The orders placed in store today and the sales they saved (only the ledger knows them)."""
    orders = view.store_orders
    if orders is None:
        return _("Orders saved today: known when the ledger answers.")
    if not orders:
        return _("No order placed in store today.")
    return _(
        "Orders saved today ({count}): {value}",
        count=number(len(orders)),
        value=money(view.store_orders_value_minor or 0, view.currency or "EUR"),
    )


def devices_caption(view: DayView) -> str:
    if view.devices is None:
        return _("This terminal (other devices: known when online)")
    return _("Devices ({count})", count=number(len(view.devices)))


def deliveries_caption(view: DayView) -> str:
    count = len(view.deliveries)
    if not count:
        return _("No delivery expected today.")
    late = sum(1 for delivery in view.deliveries if delivery.late)
    if late:
        return _(
            "Deliveries expected today ({count}), {late} late: late first",
            count=number(count),
            late=number(late),
        )
    return _("Deliveries expected today ({count})", count=number(count))


def to_send_caption(view: DayView) -> str:
    if not view.to_send:
        return _("No transfer to send.")
    return _("Transfers to send ({count}), oldest request first", count=number(len(view.to_send)))


def to_receive_caption(view: DayView) -> str:
    count = len(view.to_receive)
    if not count:
        return _("No transfer on its way here.")
    late = sum(1 for transfer in view.to_receive if transfer.late)
    if late:
        return _(
            "Transfers to receive ({count}), {late} late: late first",
            count=number(count),
            late=number(late),
        )
    return _("Transfers to receive ({count}), soonest first", count=number(count))


def motion_facts(view: DayView) -> str:
    """The day's stock in motion on one line: ``deliveries: 2 (1 late) · to send: 1 · ...``."""
    late = sum(1 for delivery in view.deliveries if delivery.late)
    late += sum(1 for transfer in view.to_receive if transfer.late)
    text = _(
        "deliveries: {deliveries} · to send: {send} · to receive: {receive}",
        deliveries=number(len(view.deliveries)),
        send=number(len(view.to_send)),
        receive=number(len(view.to_receive)),
    )
    if late:
        text += " · " + _("{count} late arrival(s)", count=number(late))
    return text


def late_mark() -> str:
    """The mark of a late delivery or transfer in a table."""
    return _("LATE")


def risk_caption(report: CoverReport) -> str:
    if not report.rows:
        return _("Nothing runs out before its next delivery.")
    return _(
        "{count} position(s) run out before their next delivery, at the sales rate of "
        "the last {days} days.",
        count=number(len(report.rows)),
        days=report.rate_days,
    )


def replenishment_caption(suggested: Sequence[ReplenishmentRow]) -> str:
    """``suggested``: the rows with something to reorder."""
    if not suggested:
        return _("Nothing to reorder today.")
    return _(
        "{count} item(s) to reorder, {units} unit(s) in all: enough to cover the "
        "delivery time and the next review, plus safety stock.",
        count=number(len(suggested)),
        units=number(sum(row.suggested_qty for row in suggested)),
    )


_TRANSFER_REASONS = {
    "sleeping_stock": N_("sleeps there"),
    "broken_size_run": N_("completes a size run"),
}


def transfer_reason(reason: str) -> str:
    """Why rebalancing suggests a transfer, in a few words."""
    return _(_TRANSFER_REASONS[reason]) if reason in _TRANSFER_REASONS else reason


def rebalancing_caption(reference: str, report: RebalancingReport) -> str:
    if not report.rows:
        return _("No transfer suggested for {reference}.", reference=reference)
    return _(
        "{count} transfer(s) suggested for {reference}, {units} unit(s) in all.",
        count=number(len(report.rows)),
        reference=reference,
        units=number(sum(row.qty for row in report.rows)),
    )


def rebalancing_question(suggestion: TransferSuggestion) -> str:
    return _(
        "Request {qty} of {sku} from {source} to {destination}?",
        qty=number(suggestion.qty),
        sku=suggestion.sku,
        source=suggestion.from_location,
        destination=suggestion.to_location,
    )


def replenishment_question(rows: Sequence[ReplenishmentRow], source: str, here: str) -> str:
    """``rows``: the suggested lines still to request."""
    return _(
        "Request {count} line(s), {units} unit(s), from {source} to {destination}?",
        count=number(len(rows)),
        units=number(sum(row.suggested_qty for row in rows)),
        source=source,
        destination=here,
    )


def request_detail() -> str:
    """What confirming a request does, under the question."""
    return _("The source sends it by scan; it reaches the ledger with the next sync, offline too.")


def request_made(made: RequestMade) -> str:
    return _(
        "Transfer requested: {units} unit(s) from {source} to {destination}. "
        "Sent with the next sync.",
        units=number(made.units),
        source=made.from_location,
        destination=made.to_location,
    )


def request_refusal(error: RequestRefused) -> str:
    if error.refusal is RequestRefusal.MANAGERS_ONLY:
        return _("Only a manager may request a transfer: a manager signs in, or uses their PIN.")
    if error.refusal is RequestRefusal.NO_WAREHOUSE:
        return _("No warehouse is known to this terminal yet: sync, then try again.")
    if error.refusal is RequestRefusal.ALREADY_REQUESTED:
        return _("Already requested: the transfer is on its way or waits to be sent.")
    return _("Nothing to request on this line.")


def requested_mark() -> str:
    """A report line already turned into a transfer request."""
    return _("requested")


def trend_title(trend: SalesTrend) -> str:
    return _(
        "{reference} · {name} · {start} to {end}, units a day; last {recent} days "
        "against the {recent} before",
        reference=trend.reference,
        name=trend.name,
        start=day_text(trend.start),
        end=day_text(trend.end),
        recent=trend.recent_days,
    )


def trend_row_label(row: TrendRow) -> str:
    """A trend row: its size, colour and location (``100C IVOI PAR-01``): one size of a
    reference comes in several colours, and a network-wide trend has a row per store."""
    return " ".join(part for part in (row.size, row.colour, row.location) if part)
