"""What one movement adds to its position's day: units sold, returned, received and sent to other
locations, in the location's own calendar (a sale at 23:30 in Paris belongs to that Paris day, not
the UTC one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ordersync.contract import MovementKind

SOLD = frozenset({MovementKind.SALE, MovementKind.SHIPMENT})
"""Units that left to customers: demand, whether sold at the counter or sent to an order."""
RECEIVED = frozenset({MovementKind.RECEIPT, MovementKind.TRANSFER_IN})


@dataclass(frozen=True, slots=True)
class DayEffect:
    sold: int
    returned: int
    received: int
    sent: int = 0
    """Units that left by transfer to another location (a warehouse's shipments to stores)."""


def day_effect(kind: MovementKind, delta: int) -> DayEffect:
    """The demand and supply one movement of signed on-hand change ``delta`` stands for."""
    if kind in SOLD or kind is MovementKind.VOID:
        # A void gives back the units of a sale: it takes them off that day's demand.
        return DayEffect(sold=-delta, returned=0, received=0)
    if kind is MovementKind.RETURN:
        return DayEffect(sold=0, returned=delta, received=0)
    if kind in RECEIVED:
        return DayEffect(sold=0, returned=0, received=delta)
    if kind is MovementKind.TRANSFER_OUT:
        return DayEffect(sold=0, returned=0, received=0, sent=-delta)
    return DayEffect(sold=0, returned=0, received=0)


def local_day(moment: datetime, zone: str) -> date:
    """The calendar date ``moment`` falls on in the time zone ``zone``."""
    return moment.astimezone(ZoneInfo(zone)).date()
