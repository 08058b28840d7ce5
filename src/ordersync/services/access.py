"""Which location a read is about, once the caller may read it: the "own or named location" rule;
and who may read an order (the locations it concerns, or an admin).

A read that takes an optional location is about the caller's own location when it names none. A
store device may only read its own location (403 otherwise, whatever the location); a location
the network does not have is refused (422) once the caller is known to be allowed to ask.
"""

from __future__ import annotations

from sqlalchemy import Connection

from ordersync.domain.errors import Forbidden
from ordersync.domain.permissions import Action, Principal
from ordersync.services.catalog import require_known_location


def readable_location(
    connection: Connection, principal: Principal, action: Action, location: str | None
) -> str:
    """The location the read is about: ``location``, or the caller's own."""
    scope = location or principal.location
    principal.require(action, scope)
    require_known_location(connection, location)
    return scope


def require_order_reader(principal: Principal, order_id: str, locations: set[str]) -> None:
    """Refuse unless the caller may read an order that concerns ``locations`` (where it was
    placed, served or collected): a device of one of them, or an admin of the network."""
    if principal.location in locations:
        return
    try:
        principal.require(Action.READ_NETWORK_ORDERS)
    except Forbidden:
        # The role check alone would name the action; staff need to hear whose order it is.
        raise Forbidden(
            f"order {order_id} belongs to another store: {principal.location} did not place "
            "it, does not serve it and is not where it is collected",
            order_id=order_id,
            location=principal.location,
        ) from None
