"""What only the manager's screens draw: small bars (a job's use of its service level, a count
against the largest) and an order's state. Their sentences are ``storeapp.wording``'s.
"""

from __future__ import annotations

import math
from datetime import timedelta

from storeapp.i18n import N_, _

_ORDER_STATES = {
    "open": N_("in progress"),
    "closed": N_("done"),
    "follow_up": N_("to follow up"),
}
_BAR_FULL = "█"
_BAR_EMPTY = "░"
_EIGHTHS = " ▏▎▍▌▋▊▉"


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


def order_state(state: str) -> str:
    """An order's state (not a job's): in progress, done, to follow up."""
    label = _ORDER_STATES.get(state)
    return _(label) if label else state
