"""Which location a read is about, once the caller may read it: the "own or named location" rule.

A read that takes an optional location is about the caller's own location when it names none. A
store device may only read its own location (403 otherwise, whatever the location); a location
the network does not have is refused (422) once the caller is known to be allowed to ask.
"""

from __future__ import annotations

from sqlalchemy import Connection

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
