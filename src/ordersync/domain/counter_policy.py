"""The counter's part of the policy file: the reasons a customer's return may give, and the most
units one line of a sale, return, void or write-off may carry (a guard against a fat finger
that would leave a wrong stock record and a false day of sales behind it)."""

from __future__ import annotations

from dataclasses import dataclass

from ordersync.contract import DEFAULT_RETURN_REASONS
from ordersync.domain.errors import QuantityAboveLimit

DEFAULT_MAX_LINE_UNITS = 1000


@dataclass(frozen=True, slots=True)
class CounterPolicy:
    max_line_units: int = DEFAULT_MAX_LINE_UNITS
    """A counter line (sale, return) above this many units is refused by the ledger."""
    return_reasons: tuple[str, ...] = DEFAULT_RETURN_REASONS
    """The reasons a return may give, in the order staff see them."""


def check_line_units(qty: int, policy: CounterPolicy, *, sku: str, what: str) -> None:
    """Refuse a counter line of more units than the policy allows; ``what`` names the line
    (``sale``, ``return``) in the problem's words."""
    if qty > policy.max_line_units:
        raise QuantityAboveLimit(
            f"a {what} line may carry at most {policy.max_line_units} units; "
            f"{qty} units of {sku} is above the limit",
            sku=sku,
            qty=qty,
            limit=policy.max_line_units,
        )
