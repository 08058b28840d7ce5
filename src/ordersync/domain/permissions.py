"""Who may do what where: roles against actions, and a store's reach limited to its own location."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ordersync.contract import Role
from ordersync.domain.errors import Forbidden


class Action(StrEnum):
    READ_STOCK = "read_stock"
    SELL = "sell"
    RECEIVE = "receive"
    RETURN = "return"
    RESERVE = "reserve"
    COUNT = "count"
    ADJUST = "adjust"
    TRANSFER = "transfer"
    SET_SAFETY_STOCK = "set_safety_stock"
    READ_REPORTS = "read_reports"
    SCHEDULE_COUNTS = "schedule_counts"
    PLACE_ORDER = "place_order"
    FULFIL = "fulfil"
    TAKE_WEB_ORDERS = "take_web_orders"
    FOLLOW_WEB_ORDERS = "follow_web_orders"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_TOKENS = "manage_tokens"


_STORE_FLOOR = frozenset(
    {
        Action.READ_STOCK,
        Action.SELL,
        Action.RECEIVE,
        Action.RETURN,
        Action.RESERVE,
        Action.COUNT,
        Action.PLACE_ORDER,
        Action.FULFIL,
    }
)
_MANAGER_DESK = _STORE_FLOOR | {
    Action.ADJUST,
    Action.TRANSFER,
    Action.SET_SAFETY_STOCK,
    Action.READ_REPORTS,
    Action.SCHEDULE_COUNTS,
}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ASSOCIATE: _STORE_FLOOR,
    Role.MANAGER: _MANAGER_DESK,
    Role.ADMIN: frozenset(Action),
    Role.WEB: frozenset({Action.READ_STOCK, Action.TAKE_WEB_ORDERS, Action.FOLLOW_WEB_ORDERS}),
}
"""What each role may do. The store roles nest (associate, manager, admin); ``web`` stands apart."""

STORE_ROLES = (Role.ASSOCIATE, Role.MANAGER, Role.ADMIN)


def required_role(action: Action) -> Role:
    """The least of the store roles that may do ``action``, named when a device may not."""
    return next(role for role in STORE_ROLES if action in ROLE_ACTIONS[role])


@dataclass(frozen=True, slots=True)
class Principal:
    """The device behind a request: its token, the one location it belongs to, and its role; and
    the person signed in on it, when one is (their staff code)."""

    token_id: int
    location: str
    role: Role
    device: str
    person: str | None = None

    def require(self, action: Action, location: str | None = None) -> None:
        """Refuse unless the role allows ``action`` and, for a store device, at its own location."""
        if action not in ROLE_ACTIONS[self.role]:
            raise Forbidden(
                f"{self.role.value} devices may not {action.value.replace('_', ' ')}",
                required_role=required_role(action).value,
            )
        if location is not None and self.role is not Role.ADMIN and location != self.location:
            raise Forbidden(
                f"this device belongs to {self.location} and cannot act on {location}",
                location=location,
            )
