"""The manager's views: why a report or the day's queue has no answer, where the day's queue comes
from (live, or this terminal's own view offline), the captions of its sections, and the headlines
of the sales reports (stock-out risk, replenishment, trend).
"""

from __future__ import annotations

from collections.abc import Sequence

from ordersync.contract import CoverReport, ReplenishmentRow, SalesTrend
from storeapp.i18n import _
from storeapp.services.day_queue import DayView, Source
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
