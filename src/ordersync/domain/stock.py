"""Stock arithmetic of one position and the signed effect of each movement kind."""

from __future__ import annotations

from dataclasses import dataclass

from ordersync.contract import MovementKind

INCREASING = frozenset({MovementKind.RECEIPT, MovementKind.RETURN, MovementKind.TRANSFER_IN})
DECREASING = frozenset({MovementKind.SALE, MovementKind.TRANSFER_OUT, MovementKind.SHIPMENT})


@dataclass(frozen=True, slots=True)
class Stock:
    """What a position holds. ``available`` may be negative when the record is wrong."""

    on_hand: int
    reserved: int
    safety_stock: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved - self.safety_stock

    @property
    def offerable(self) -> int:
        """What this position adds to the network's available total: never below zero."""
        return max(0, self.available)

    def can_reserve(self, qty: int) -> bool:
        return self.available >= qty

    def can_release_units(self, qty: int) -> bool:
        """Whether ``qty`` units may leave without touching units promised to reservations."""
        return self.on_hand - self.reserved >= qty


def signed_quantity(kind: MovementKind, qty: int) -> int:
    """The change to on-hand of a movement (adjustments and counts carry their own sign)."""
    if kind in INCREASING:
        return qty
    if kind in DECREASING:
        return -qty
    return qty


def is_suspect_after(kind: MovementKind, stock_after: Stock) -> bool:
    """Units leaving (a sale, a shipment) that drive on-hand below zero prove the record wrong."""
    return kind in DECREASING and stock_after.on_hand < 0
