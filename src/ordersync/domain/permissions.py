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
    """The instant transfer of a movement batch: an admin's correction of the record, not a
    shipment (goods that travel go by a transfer document: request, send, receive)."""
    SET_SAFETY_STOCK = "set_safety_stock"
    READ_REPORTS = "read_reports"
    SCHEDULE_COUNTS = "schedule_counts"
    PLACE_ORDER = "place_order"
    FULFIL = "fulfil"
    TAKE_WEB_ORDERS = "take_web_orders"
    FOLLOW_WEB_ORDERS = "follow_web_orders"
    MANAGE_CATALOG = "manage_catalog"
    READ_NETWORK_ORDERS = "read_network_orders"
    """Read any order of the network, not only those of the caller's own location: admins."""
    MANAGE_TOKENS = "manage_tokens"
    MANAGE_STAFF = "manage_staff"
    """Admins: anyone anywhere; managers: the associates of their own location only."""
    ANNOUNCE_DELIVERY = "announce_delivery"
    """Announce (or call off) a delivery to a location: the ERP, a warehouse, an admin."""
    MANAGE_SUPPLIERS = "manage_suppliers"
    REQUEST_TRANSFER = "request_transfer"
    """Ask for units to move between locations (or call the request off)."""
    SEND_TRANSFER = "send_transfer"
    """Pick a requested transfer by scan and send it: store-floor work at the source."""
    VOID_SALE = "void_sale"
    """Take back a counter sale made on this device the same store day."""
    VOID_PAST_SALE = "void_past_sale"
    """Take back any counter sale of the location, from any device, on any day."""
    SET_ASIDE = "set_aside"
    """Move units between dispositions: damaged, on display, in quarantine, back on sale."""
    WRITE_OFF = "write_off"
    """Take unavailable units out of the record for good, with a reason."""
    TAKE_OVER_JOB = "take_over_job"
    """Take over a job another device is picking: it becomes this device's (and person's)."""
    READ_JOBS = "read_jobs"
    """Read the jobs of a location: a store's own, or a drop-ship supplier's own."""
    SUPPLY_STOCK = "supply_stock"
    """State the stock a drop-ship supplier holds (its own positions, as counts)."""


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
        Action.READ_JOBS,
        Action.SEND_TRANSFER,
        Action.VOID_SALE,
        Action.SET_ASIDE,
    }
)
_MANAGER_DESK = _STORE_FLOOR | {
    Action.ADJUST,
    Action.REQUEST_TRANSFER,
    Action.SET_SAFETY_STOCK,
    Action.READ_REPORTS,
    Action.SCHEDULE_COUNTS,
    Action.MANAGE_STAFF,
    Action.VOID_PAST_SALE,
    Action.WRITE_OFF,
    Action.TAKE_OVER_JOB,
}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ASSOCIATE: _STORE_FLOOR,
    Role.MANAGER: _MANAGER_DESK,
    Role.ADMIN: frozenset(Action),
    Role.WEB: frozenset({Action.READ_STOCK, Action.TAKE_WEB_ORDERS, Action.FOLLOW_WEB_ORDERS}),
    Role.ERP: frozenset({Action.READ_STOCK, Action.ANNOUNCE_DELIVERY, Action.MANAGE_SUPPLIERS}),
    Role.SUPPLIER: frozenset({Action.READ_JOBS, Action.FULFIL, Action.SUPPLY_STOCK}),
}
"""What each role may do. The store roles nest (associate, manager, admin); ``web``, ``erp``
and ``supplier`` stand apart (a supplier reads and works its own jobs, and states its stock)."""

STORE_ROLES = (Role.ASSOCIATE, Role.MANAGER, Role.ADMIN)


def required_role(action: Action) -> Role:
    """The least of the store roles that may do ``action``, named when a device may not."""
    return next(role for role in STORE_ROLES if action in ROLE_ACTIONS[role])


def _doing(action: Action) -> str:
    return action.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Principal:
    """The device behind a request: its token, the one location it belongs to, and its role; and
    the person signed in on it, when one is (their staff code).

    ``person_role`` is the person's role once the ledger has found them among the active staff
    of the device's location (or its admins); an action then needs both roles to allow it. A
    person named but not found (``person_unverified``) adds no rights and removes none here:
    what the ledger does with them is decided per operation.
    """

    token_id: int
    location: str
    role: Role
    device: str
    person: str | None = None
    person_role: Role | None = None

    @property
    def person_unverified(self) -> bool:
        return self.person is not None and self.person_role is None

    def require(self, action: Action, location: str | None = None) -> None:
        """Refuse unless the role allows ``action`` and, for a store device, at its own location;
        with a known person, unless their role allows it too."""
        if action not in ROLE_ACTIONS[self.role]:
            raise Forbidden(
                f"{self.role.value} devices may not {_doing(action)}",
                required_role=required_role(action).value,
            )
        if self.person_role is not None and action not in ROLE_ACTIONS[self.person_role]:
            raise Forbidden(
                f"{self.person} is {_article(self.person_role)} {self.person_role.value} and "
                f"may not {_doing(action)}",
                person=self.person,
                required_role=required_role(action).value,
            )
        if location is not None and self.role is not Role.ADMIN and location != self.location:
            raise Forbidden(
                f"this device belongs to {self.location} and cannot act on {location}",
                location=location,
            )


def _article(role: Role) -> str:
    return "an" if role.value[0] in "aeiou" else "a"


def require_staff_manager(
    principal: Principal, roles: tuple[Role, ...], locations: tuple[str, ...]
) -> None:
    """Refuse unless ``principal`` may manage a person who is (or becomes) each of ``roles`` at
    each of ``locations``: an admin anyone anywhere; a manager the associates of their own
    location (a manager signed in on an admin's device included)."""
    for location in locations:
        principal.require(Action.MANAGE_STAFF, location)
    if principal.role is Role.ADMIN and principal.person_role in (None, Role.ADMIN):
        return
    elsewhere = [location for location in locations if location != principal.location]
    if elsewhere:
        raise Forbidden(
            f"managers manage the staff of their own location ({principal.location}), "
            f"not of {elsewhere[0]}",
            location=elsewhere[0],
        )
    above = [role for role in roles if role is not Role.ASSOCIATE]
    if above:
        raise Forbidden(
            f"only an admin may manage {_article(above[0])} {above[0].value}; managers manage "
            "the associates of their own location",
            required_role=Role.ADMIN.value,
        )
