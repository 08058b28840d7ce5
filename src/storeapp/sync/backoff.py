"""Exponential backoff with full jitter, so stores coming back online do not retry in step."""

from __future__ import annotations

import random


class Backoff:
    def __init__(
        self, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None
    ) -> None:
        self._base = base
        self._cap = cap
        self._rng = rng or random.Random()
        self._failures = 0

    @property
    def failures(self) -> int:
        return self._failures

    def next_delay(self) -> float:
        """The pause after one more failure: uniform in [0, min(cap, base * 2**failures)]."""
        ceiling = min(self._cap, self._base * 2**self._failures)
        self._failures = min(self._failures + 1, 32)
        return self._rng.uniform(0, ceiling)

    def reset(self) -> None:
        self._failures = 0
