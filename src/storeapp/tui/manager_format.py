"""How the manager's screens word things (the day's queue, counts, insights): spans of time
against the service level, small bars, why a report has no answer, why a count was refused.

Everything goes through the active Translator, like ``storeapp.tui.format``.
"""

from __future__ import annotations

import math
from datetime import timedelta

from storeapp.i18n import _
from storeapp.services.counting import CountRefusal, CountRefused
from storeapp.services.reports import Refusal
from storeapp.tui.format import NO_VALUE, barcode_problem, number
from storeapp.tui.text import N_

_TASK_REASONS = {
    "short_pick": N_("short pick"),
    "below_zero": N_("sold below zero"),
    "cycle": N_("cycle count"),
    "unplanned": N_("unplanned"),
}
_ORDER_STATES = {
    "open": N_("in progress"),
    "closed": N_("done"),
    "follow_up": N_("to follow up"),
}
_BAR_FULL = "█"
_BAR_EMPTY = "░"
_EIGHTHS = " ▏▎▍▌▋▊▉"


def span(delta: timedelta) -> str:
    """A duration in hours and minutes, rounded down to the minute: ``1 h 35 min``, ``25 min``."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, rest = divmod(minutes, 60)
    if hours >= 48:
        return _("{days} d", days=number(hours // 24))
    if hours:
        return _("{hours} h {minutes:02d}", hours=hours, minutes=rest)
    return _("{minutes} min", minutes=rest)


def due_text(to_due: timedelta) -> str:
    """``in 25 min`` before the due time, ``late 40 min`` after it."""
    if to_due < timedelta(0):
        return _("late {span}", span=span(-to_due))
    return _("in {span}", span=span(to_due))


def level_bar(age: timedelta, allowed: timedelta, width: int = 6) -> str:
    """How much of its service level a job has used: full (and past) once it is due."""
    share = 1.0 if allowed <= timedelta(0) else max(age / allowed, 0.0)
    filled = min(round(share * width), width)
    return _BAR_FULL * filled + _BAR_EMPTY * (width - filled)


def count_bar(value: int, most: int, width: int = 10) -> str:
    """A horizontal bar for ``value`` out of ``most`` (eighths of a cell for small values)."""
    if most <= 0 or value <= 0:
        return ""
    cells = min(value / most, 1.0) * width
    whole = math.floor(cells)
    part = _EIGHTHS[min(round((cells - whole) * 8), 7)].strip() if whole < width else ""
    return (_BAR_FULL * whole + part) or _EIGHTHS[1]


def optional(value: int | None) -> str:
    """A count the offline view may not know."""
    return NO_VALUE if value is None else number(value)


def order_state(state: str) -> str:
    """An order's state (not a job's): in progress, done, to follow up."""
    label = _ORDER_STATES.get(state)
    return _(label) if label else state


def task_reason(reason: str) -> str:
    label = _TASK_REASONS.get(reason)
    return _(label) if label else reason


def refusal_text(refusal: Refusal | None, detail: str) -> str:
    """Why a manager's screen has nothing to show, in a sentence staff can act on."""
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


def count_refusal(error: CountRefused) -> str:
    """Why a count could not start or be submitted."""
    facts = error.facts
    code = error.code
    query = str(facts.get("query", ""))
    if code is CountRefusal.INVALID_BARCODE:
        return _(
            "{code} is not a valid barcode: {reason}.",
            code=query,
            reason=barcode_problem(query, str(facts.get("problem") or "")),
        )
    if code is CountRefusal.UNKNOWN_BARCODE:
        return _(
            "No item carries barcode {code} in this store's catalog (sync may bring it).",
            code=query,
        )
    if code is CountRefusal.NOT_FOUND:
        return _("No item {sku} in this store's catalog.", sku=query)
    if code is CountRefusal.NOT_EXACT:
        return _(
            "“{query}” is not a SKU or a barcode (did you mean {sku}?).",
            query=query,
            sku=facts.get("sku", ""),
        )
    if code is CountRefusal.NEVER_SYNCED:
        return _("This terminal has never synced: sync it (F5) before counting.")
    if code is CountRefusal.UNSENT_OPERATIONS:
        return _(
            "{count} operation(s) on {sku} made here are not sent yet: sync (F5), then count "
            "it. Counted now, those sales would be taken twice.",
            count=number(int(facts.get("count", 0))),
            sku=facts.get("sku", ""),
        )
    if code is CountRefusal.BAD_QUANTITY:
        return _("A count is of 0 units or more.")
    return _("Nothing was counted yet: scan the units found first.")
