"""Who may read which deliveries and transfers, and the filters their lists share.

Head office (admin and ERP devices) reads the documents of any location, or of all; a store
device reads those of its own location only.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from ordersync.contract import Role
from ordersync.db.raw import RawSql
from ordersync.domain.errors import UnknownLocation
from ordersync.domain.permissions import Action, Principal

MAX_LISTED = 500
"""The most documents one list answer holds."""


def reads_everywhere(principal: Principal) -> bool:
    return principal.role in (Role.ADMIN, Role.ERP)


def listing_scope(sql: RawSql, principal: Principal, location: str | None) -> str | None:
    """The location a list is about: the one asked for, a store device's own by default, or
    None (every location) for head office; refused when the caller may not read it or it does
    not exist."""
    if reads_everywhere(principal):
        principal.require(Action.READ_STOCK)
        scope = location
    else:
        scope = location or principal.location
        principal.require(Action.READ_STOCK, scope)
    if (
        scope is not None
        and sql.first("SELECT 1 FROM locations WHERE code = :code", {"code": scope}) is None
    ):
        raise UnknownLocation(f"no location {scope!r} in the network", location=scope)
    return scope


def state_filter(states: Sequence[StrEnum] | None, params: dict[str, Any]) -> list[str]:
    """The condition keeping documents in one of ``states`` (none when no state is named); its
    parameters are added to ``params``."""
    if not states:
        return []
    marks = ", ".join(f":state{i}" for i in range(len(states)))
    params.update({f"state{i}": state.value for i, state in enumerate(states)})
    return [f"state IN ({marks})"]
