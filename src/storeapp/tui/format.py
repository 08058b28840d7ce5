"""How the TUI words numbers, money, times and the ledger's answers, in the store's language.

Everything goes through the active Translator (``storeapp.i18n``): texts with ``_()``, numbers,
money and times with its locale and the store's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_timedelta

from ordersync.contract import gtin_check_digit
from storeapp.cache.outbox import Entry
from storeapp.i18n import _, active
from storeapp.tui.text import N_

NO_VALUE = "\N{EN DASH}"

_LINE_KINDS = {
    "sale": N_("Sale"),
    "return": N_("Return"),
    "receipt": N_("Receipt"),
    "adjustment": N_("Adjustment"),
    "transfer": N_("Transfer"),
}
# The ledger's problem titles are stable per problem type: they are translated as they come.
LEDGER_TITLES = (
    N_("Request refused"),
    N_("Not enough stock available"),
    N_("Unknown SKU"),
    N_("Unknown location"),
    N_("Unknown reference"),
    N_("Not found"),
    N_("Not allowed in the current state"),
    N_("Reservation expired"),
    N_("Commit does not match the reservation"),
    N_("Count cannot be reconciled"),
    N_("Operation id reused with a different request"),
    N_("Not allowed for this device"),
    N_("Missing or invalid token"),
    N_("Invalid request"),
    N_("Request is not valid"),
)
_OPERATIONS = {
    "movements": N_("Stock movement"),
    "reserve": N_("Reservation"),
    "commit": N_("Reservation commit"),
    "release": N_("Reservation release"),
    "count": N_("Count"),
}


def money(minor_units: int, currency: str) -> str:
    return active().money(minor_units, currency)


def number(value: float) -> str:
    return active().number(value)


def short_age(delta: timedelta) -> str:
    """``3 min``, ``2 h``, ``4 days``: an age in the store's language, short enough for a bar."""
    return format_timedelta(
        max(delta, timedelta(0)), granularity="minute", format="short", locale=active().locale
    )


def view_age(age: timedelta | None) -> str:
    """How old the store's view of the network is, for the status bar."""
    if age is None:
        return _("never synced")
    if age < timedelta(minutes=1):
        return _("view up to date")
    return _("view {age} old", age=short_age(age))


def clock_time(moment: datetime, now: datetime) -> str:
    """The time alone when ``moment`` is today (store time), else the day and the time."""
    translator = active()
    if moment.astimezone(translator.zone).date() == now.astimezone(translator.zone).date():
        return translator.moment(moment, "HH:mm")
    return translator.moment(moment, "d MMM HH:mm")


def distance(km: float | None) -> str:
    """Kilometres, rounded (the column says the unit)."""
    return NO_VALUE if km is None else number(round(km))


def barcode_problem(code: str, fallback: str | None) -> str:
    """Why ``code`` is not a valid GTIN, in the store's language (the service speaks English)."""
    if not (code.isascii() and code.isdigit()):
        return _("a barcode has digits only")
    if len(code) not in (8, 13):
        return _("a barcode has 8 or 13 digits, not {count}", count=len(code))
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return _(
            "the check digit should be {expected}, not {found}", expected=expected, found=code[-1]
        )
    return fallback or _("not a valid barcode")


def describe_operation(entry: Entry) -> str:
    """What an outbox entry does, in words staff read (``Sale 1 x S1``)."""
    payload = entry.payload
    lines = payload.get("lines")
    if payload.get("op") == "movements" and isinstance(lines, list) and lines:
        parts = [_describe_line(line) for line in lines if isinstance(line, dict)]
        if all(parts):
            return ", ".join(p for p in parts if p)
    operation = _OPERATIONS.get(str(payload.get("op", entry.kind)))
    if operation is None:
        return entry.summary
    return f"{_(operation)} · {entry.summary}"


def _describe_line(line: dict[str, Any]) -> str | None:
    kind = _LINE_KINDS.get(str(line.get("kind")))
    if kind is None:
        return None
    sku = line.get("sku", "?")
    if "delta" in line:
        delta = int(line["delta"])
        return _("{kind} {delta:+d} × {sku}", kind=_(kind), delta=delta, sku=sku)  # noqa: RUF001
    return _("{kind} {qty} × {sku}", kind=_(kind), qty=line.get("qty", "?"), sku=sku)  # noqa: RUF001


def refusal_reason(problem: dict[str, Any] | None) -> str:
    """The ledger's reason for refusing an operation, with the quantities it gives."""
    if not problem:
        return _("refused by the ledger (no reason given)")
    title = _(str(problem.get("title") or "").strip())
    detail = str(problem.get("detail") or "").strip()
    reason = f"{title}: {detail}" if title and detail and detail != title else title or detail
    figures = [
        _(label, value=problem[key])
        for key, label in (
            ("requested", N_("requested {value}")),
            ("available", N_("available {value}")),
            ("on_hand", N_("on hand {value}")),
        )
        if key in problem
    ]
    if figures:
        reason = f"{reason} ({', '.join(figures)})" if reason else ", ".join(figures)
    return reason or _("refused by the ledger (no reason given)")
