"""What an import says about itself: its kind, each bad line and why, and the summary of a run.

``ImportRefused`` is the one way a whole file is turned away (not UTF-8 CSV, a header without a
required column): nothing of such a file is applied. Every other problem is a bad line: the good
lines around it are applied and the bad one is reported with its line number and reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ordersync.domain.errors import InvalidRequest

BAD_LINES_KEPT = 10_000
"""Bad lines a summary keeps for its reader; ``bad`` counts them all, ``on_bad_line`` sees all."""


class ImportKind(StrEnum):
    LOCATIONS = "locations"
    ITEMS = "items"
    STOCK = "stock"
    """A full stock snapshot of each location it names: absent positions go to zero."""
    STOCK_DELTA = "stock_delta"
    """Stock of the positions it lists, and nothing else."""
    DELIVERIES = "deliveries"
    """Purchase orders and shipping notices: units on order at their destination."""


class ImportRefused(InvalidRequest):
    """The file as a whole cannot be imported; nothing of it was applied."""


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    """The line of the file the record starts on (the header is line 1)."""
    reason: str


@dataclass(frozen=True, slots=True)
class ImportSummary:
    kind: ImportKind
    file: str
    sha256: str
    lines_read: int
    """Data lines (the header excluded) of the file."""
    applied: int
    """Lines that created or changed something."""
    unchanged: int
    """Good lines that found the ledger already as they say."""
    bad: int
    movements: int
    """Reconciliation movements posted (stock only; absent positions zeroed included)."""
    elapsed_seconds: float
    already_imported_at: datetime | None = None
    """When the same file was imported before: then this run changed nothing."""
    resumed_after: int = 0
    """Lines an earlier, interrupted run of the same file had already committed."""
    bad_lines: tuple[BadLine, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.bad == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "file": self.file,
            "sha256": self.sha256,
            "lines_read": self.lines_read,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "bad": self.bad,
            "movements": self.movements,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "already_imported_at": (
                None if self.already_imported_at is None else self.already_imported_at.isoformat()
            ),
            "resumed_after": self.resumed_after,
            "bad_lines": [{"line": bad.line, "reason": bad.reason} for bad in self.bad_lines],
        }
