"""Who may do what where: roles against actions, and a store's reach limited to its own location."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ordersync.contract import Role
from ordersync.domain.errors import Forbidden

_RANK = {Role.ASSOCIATE: 0, Role.MANAGER: 1, Role.ADMIN: 2}


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
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_TOKENS = "manage_tokens"


MINIMUM_ROLE: dict[Action, Role] = {
    Action.READ_STOCK: Role.ASSOCIATE,
    Action.SELL: Role.ASSOCIATE,
    Action.RECEIVE: Role.ASSOCIATE,
    Action.RETURN: Role.ASSOCIATE,
    Action.RESERVE: Role.ASSOCIATE,
    Action.COUNT: Role.ASSOCIATE,
    Action.ADJUST: Role.MANAGER,
    Action.TRANSFER: Role.MANAGER,
    Action.SET_SAFETY_STOCK: Role.MANAGER,
    Action.READ_REPORTS: Role.MANAGER,
    Action.SCHEDULE_COUNTS: Role.MANAGER,
    Action.PLACE_ORDER: Role.ASSOCIATE,
    Action.FULFIL: Role.ASSOCIATE,
    Action.TAKE_WEB_ORDERS: Role.ADMIN,
    Action.MANAGE_CATALOG: Role.ADMIN,
    Action.MANAGE_TOKENS: Role.ADMIN,
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The device behind a request: its token, the one location it belongs to, and its role."""

    token_id: int
    location: str
    role: Role
    device: str

    def require(self, action: Action, location: str | None = None) -> None:
        """Refuse unless the role allows ``action`` and, for a store device, at its own location."""
        needed = MINIMUM_ROLE[action]
        if _RANK[self.role] < _RANK[needed]:
            raise Forbidden(
                f"{self.role.value} devices may not {action.value.replace('_', ' ')}",
                required_role=needed.value,
            )
        if location is not None and self.role is not Role.ADMIN and location != self.location:
            raise Forbidden(
                f"this device belongs to {self.location} and cannot act on {location}",
                location=location,
            )
