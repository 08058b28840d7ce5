"""Units on their way, as staff read them on the item screen, the size grid and the lookup command:
``+6 on 12 Dec``, ``+2 in transit, due 10 Dec``, a size at ``0 +6`` (none on the shelf, six
coming), and the window of an arrival in the store's time zone (``12 - 14 Dec``).
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_interval

from storeapp.cache.incoming import Coming
from storeapp.i18n import _, active
from storeapp.wording.figures import number


def window_text(start: datetime, until: datetime) -> str:
    """An arrival window in store days: ``12 Dec``, or ``12 - 14 Dec`` across days."""
    translator = active()
    return format_interval(
        start.astimezone(translator.zone),
        until.astimezone(translator.zone),
        "MMMd",
        locale=translator.locale,
    )


def coming_text(coming: Coming) -> str:
    """What is on its way and when the next of it arrives; empty when nothing is coming."""
    units = coming.units
    if units <= 0:
        return ""
    total = f"+{number(units)}"
    if coming.next_from is None or coming.next_until is None:
        if coming.on_order and coming.in_transit:
            return _(
                "{units} coming ({in_transit} in transit)",
                units=total,
                in_transit=number(coming.in_transit),
            )
        if coming.in_transit:
            return _("{units} in transit", units=total)
        return _("{units} on order", units=total)
    window = window_text(coming.next_from, coming.next_until)
    if coming.on_order and coming.in_transit:
        return _(
            "{units} ({in_transit} in transit), next {window}",
            units=total,
            in_transit=number(coming.in_transit),
            window=window,
        )
    if coming.in_transit:
        return _("{units} in transit, due {window}", units=total, window=window)
    return _("{units} on {window}", units=total, window=window)


def coming_here_text(coming: Coming) -> str:
    """The item header's line: ``Coming: +6 on 12 Dec · 2 already promised to orders``."""
    text = _("Coming: {what}", what=coming_text(coming))
    if coming.promised:
        text += " · " + _(
            "{count} already promised to orders", count=number(min(coming.promised, coming.units))
        )
    return text


def shelf_and_coming(available: int, incoming: int) -> str:
    """A size's available units here, with what is coming: ``3``, ``0 +6``."""
    shown = number(max(available, 0))
    return f"{shown} +{number(incoming)}" if incoming > 0 else shown


def coming_short(coming: Coming) -> str:
    """A table cell: ``+6 12 Dec`` (units, and the first day of the next window)."""
    if coming.units <= 0:
        return ""
    if coming.next_from is None:
        return f"+{number(coming.units)}"
    translator = active()
    return f"+{number(coming.units)} {translator.moment(coming.next_from, 'd MMM')}"


def grid_legend() -> str:
    """What a size grid's ``0 +6`` means (help, and under the command's grid)."""
    return _("“0 +6”: none here now, 6 on their way here")


def grid_caption_legend() -> str:
    """The same, short enough for the grid's caption line."""
    return _("+N: coming here")
