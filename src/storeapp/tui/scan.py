"""Telling a barcode scanner from a person at the keyboard.

A scanner is a keyboard that types a whole code, digit after digit, then Enter, in a few
milliseconds. A person cannot type 8 digits with less than 50 ms between every two keys, so a
burst like that ending in Enter is a scan, whatever has the focus. Pure logic: the clock is
injected, so tests decide what "fast" is.
"""

from __future__ import annotations

from collections.abc import Callable

Monotonic = Callable[[], float]


class ScanDetector:
    """Feed it every key press; ``enter`` answers the scanned code, or None for a person's Enter."""

    def __init__(
        self,
        monotonic: Monotonic,
        *,
        max_gap: float = 0.05,
        min_digits: int = 8,
        max_digits: int = 14,
    ) -> None:
        self._monotonic = monotonic
        self._max_gap = max_gap
        self._min_digits = min_digits
        self._max_digits = max_digits
        self._digits: list[str] = []
        self._last: float | None = None

    def digit(self, char: str) -> bool:
        """A digit key; True when it starts a new burst (the caller may note what was typed)."""
        now = self._monotonic()
        fresh = not self._digits or self._last is None or now - self._last > self._max_gap
        if fresh:
            self._digits = []
        self._digits.append(char)
        self._last = now
        return fresh

    def other(self) -> None:
        """Any other key breaks a burst."""
        self._digits = []
        self._last = None

    def enter(self) -> str | None:
        """Enter: the code when it closes a fast enough burst of 8 to 14 digits, else None."""
        now = self._monotonic()
        digits, last = self._digits, self._last
        self.other()
        if last is None or now - last > self._max_gap:
            return None
        if not self._min_digits <= len(digits) <= self._max_digits:
            return None
        return "".join(digits)
