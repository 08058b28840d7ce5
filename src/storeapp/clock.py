"""What the store's services are given instead of reading the world themselves: the time and new
operation ids. Tests pass a manual clock and fixed ids; the terminal passes ``utc_now`` and
``uuid7``.
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
