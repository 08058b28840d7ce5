"""Count reconciliation: a count describes the shelf at a past feed position, not now."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CountReconciliation:
    expected_at_count: int
    moved_since_count: int
    delta: int


def reconcile_count(counted: int, on_hand_now: int, moved_since_count: int) -> CountReconciliation:
    """Post only the difference between what was found and what the record said at count time.

    ``moved_since_count`` is the sum of the movements recorded after the count's feed position:
    sales made while the count was being taken are not lost, because they are not part of the
    expectation the count is compared with.
    """
    expected = on_hand_now - moved_since_count
    return CountReconciliation(
        expected_at_count=expected,
        moved_since_count=moved_since_count,
        delta=counted - expected,
    )
