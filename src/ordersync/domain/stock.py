"""Stock arithmetic of one position and the signed effect of each movement kind."""

from __future__ import annotations

from dataclasses import dataclass

from ordersync.contract import MovementKind

INCREASING = frozenset(
    {MovementKind.RECEIPT, MovementKind.RETURN, MovementKind.TRANSFER_IN, MovementKind.VOID}
)
DECREASING = frozenset(
    {MovementKind.SALE, MovementKind.TRANSFER_OUT, MovementKind.SHIPMENT, MovementKind.WRITE_OFF}
)


@dataclass(frozen=True, slots=True)
class Stock:
    """What a position holds. ``available`` may be negative when the record is wrong.

    ``unavailable`` units (damaged, on display, in quarantine) are part of ``on_hand`` but are
    never reserved, routed or promised."""

    on_hand: int
    reserved: int
    safety_stock: int
    unavailable: int = 0

    @property
    def sellable(self) -> int:
        """Units on hand that are on sale (reserved ones included)."""
        return self.on_hand - self.unavailable

    @property
    def available(self) -> int:
        return self.on_hand - self.unavailable - self.reserved - self.safety_stock

    @property
    def offerable(self) -> int:
        """What this position adds to the network's available total: never below zero."""
        return max(0, self.available)

    def can_reserve(self, qty: int) -> bool:
        return self.available >= qty

    def can_release_units(self, qty: int) -> bool:
        """Whether ``qty`` units on sale may leave without touching units promised to
        reservations (units set aside are not theirs to give)."""
        return self.on_hand - self.unavailable - self.reserved >= qty


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
