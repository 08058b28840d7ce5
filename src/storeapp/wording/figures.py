"""Numbers, amounts, spans, ages, days and distances as staff read them, in the active locale.

The promises: a span is rounded down to the minute and never negative, given in minutes below an
hour (``25 min``), in hours and minutes below 48 hours (``2 h 05``), in whole days from there
(``3 d``); an age is Babel's short form (``12 mins``) and ``just now`` below a minute; a value
that is unknown (offline, or never given) shows as one en dash, ``NO_VALUE``.
"""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date, format_timedelta
from babel.numbers import format_percent

from storeapp.i18n import _, active

NO_VALUE = "\N{EN DASH}"
"""What a cell or a field shows when there is no value."""

DAYS_FROM_HOURS = 48
"""From this many hours on, a span is given in days: ``50 h 10`` reads worse than ``2 d``."""


def number(value: float) -> str:
    return active().number(value)


def money(minor_units: int, currency: str) -> str:
    return active().money(minor_units, currency)


def rate(per_day: float) -> str:
    """Units a day, to a tenth: ``0.2`` (``0,2`` in French)."""
    return number(round(per_day, 1))


def signed(value: int) -> str:
    """A whole change, signed when it grows: ``+3``, ``-2``, ``0``."""
    return ("+" if value > 0 else "") + number(value)


def percent(share: float) -> str:
    """A share as a whole percent: ``95%`` (``95 %`` in French)."""
    return format_percent(share, locale=active().locale)


OVERDRAWN_MARK = "!"
"""Marks a position whose record gives less than nothing to sell (shown as 0)."""


def available_text(units: int) -> str:
    """Units available: ``3``; ``0 !`` when the record gives less than nothing (more reserved
    than on hand): none to sell, and the mark says the position needs a look."""
    if units < 0:
        return f"{number(0)} {OVERDRAWN_MARK}"
    return number(units)


def overdrawn_note() -> str:
    """Under a table where a position is marked overdrawn."""
    return _(
        "{mark} more reserved than on hand: shown as 0, count the position",
        mark=OVERDRAWN_MARK,
    )


def known_count(value: int | None) -> str:
    """A count that may not be known (offline, only the ledger knows it)."""
    return NO_VALUE if value is None else number(value)


def span(delta: timedelta) -> str:
    """A duration: ``25 min``, ``1 h 35``, ``3 d`` (rounded down, never negative)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, rest = divmod(minutes, 60)
    if hours >= DAYS_FROM_HOURS:
        return _("{days} d", days=number(hours // 24))
    if hours:
        return _("{hours} h {minutes:02d}", hours=hours, minutes=rest)
    return _("{minutes} min", minutes=rest)


def due_text(to_due: timedelta) -> str:
    """``in 25 min`` before the due time, ``late 40 min`` after it."""
    if to_due < timedelta(0):
        return _("late {span}", span=span(-to_due))
    return _("in {span}", span=span(to_due))


def age(delta: timedelta, *, seconds: bool = False) -> str:
    """``3 mins``, ``2 hrs``, ``4 days``: short enough for a status bar or a caption (with
    ``seconds``, below a minute: ``20 secs``)."""
    return format_timedelta(
        max(delta, timedelta(0)),
        granularity="second" if seconds else "minute",
        format="short",
        locale=active().locale,
    )


def age_text(delta: timedelta) -> str:
    """How old something is: ``just now``, or ``12 mins old``."""
    if delta < timedelta(minutes=1):
        return _("just now")
    return _("{age} old", age=age(delta))


def never_synced() -> str:
    """The age of a view of the network this terminal never pulled."""
    return _("never synced")


def view_age_text(delta: timedelta | None) -> str:
    """How old this terminal's view of the network is: ``never synced``, ``12 mins old``."""
    return never_synced() if delta is None else age_text(delta)


def source_text(live: bool, age: timedelta | None) -> str:
    """Where figures come from and how old they are: ``live from the ledger, just now``,
    ``this terminal's copy, 14 mins old`` (``age`` None: ``never synced``)."""
    if live:
        return _("live from the ledger, {age}", age=age_text(age or timedelta(0)))
    return _("this terminal's copy, {age}", age=view_age_text(age))


def day_text(day: date) -> str:
    """A calendar day, short: ``4 Mar``."""
    return format_date(day, "d MMM", locale=active().locale)


def cover_days(days: float | None) -> str:
    """Days of cover, to a tenth: ``1.7 d`` (a dash when nothing sells)."""
    return NO_VALUE if days is None else _("{days} d", days=number(round(days, 1)))


def change_text(change_pct: float | None) -> str:
    """A change in percent, signed when it grows: ``+12 %``, ``-5 %`` (a dash: no base)."""
    if change_pct is None:
        return NO_VALUE
    return f"{signed(round(change_pct))} %"


def distance_text(km: float | None, digits: int = 1) -> str:
    """``391.6 km`` (``digits`` after the point), or ``unknown distance``."""
    if km is None:
        return _("unknown distance")
    return _("{km} km", km=number(round(km, digits) if digits else round(km)))
