"""What the store's services are given instead of reading the world themselves: the time, new
operation ids and who is working. Tests pass a manual clock and fixed ids; the terminal passes
``utc_now``, ``uuid7`` and its shift's ``code`` (see ``storeapp.services.staff``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

Now = Callable[[], datetime]
"""The current time, aware, in UTC."""
NewId = Callable[[], UUID]
"""A new operation id (a UUIDv7, so ids sort by creation time)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


PersonOf = Callable[[], str | None]
"""The staff code an operation made now carries (the person signed in, or the manager who
approved it); None where the store has no staff."""


def nobody() -> str | None:
    """Who works at a terminal of a store without staff: no one in particular."""
    return None
