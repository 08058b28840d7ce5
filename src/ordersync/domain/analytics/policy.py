"""The knobs of the reports: how far back a sales rate looks, how replenishment is planned, and
when stock counts as sleeping. Defaults suit a fashion store network restocked weekly."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from statistics import NormalDist

from ordersync.domain.errors import InvalidRequest

DEFAULT_REVIEW_EPOCH = date(2024, 1, 1)
"""A Monday: with a 7-day review period, stores review (and order) every Monday."""


@dataclass(frozen=True, slots=True)
class ReportPolicy:
    rate_days: int = 28
    """Complete days of history a sales rate is taken over (the days before today)."""
    lead_time_days: int = 3
    """Days between placing a replenishment order and the units being on the shelf."""
    review_days: int = 7
    """Days between two replenishment reviews (orders are placed only on review days)."""
    review_epoch: date = field(default=DEFAULT_REVIEW_EPOCH)
    """A review day; the others follow every ``review_days`` days before and after it."""
    service_level: float = 0.95
    """Chance of not running out during a replenishment cycle; sets the safety factor z."""
    sleeping_cover_days: int = 90
    """Stock lasting longer than this at its sales rate is sleeping and may move elsewhere."""
    broken_run_max_sizes: int = 2
    """A store holding this many sizes or fewer of a colour (and under a third of its run) holds
    a broken size run, which is better sold where the rest of the run is."""

    def __post_init__(self) -> None:
        for name, low, high in (
            ("rate_days", 1, 365),
            ("lead_time_days", 0, 180),
            ("review_days", 1, 180),
            ("sleeping_cover_days", 1, 3650),
            ("broken_run_max_sizes", 1, 50),
        ):
            value = getattr(self, name)
            if not low <= value <= high:
                raise InvalidRequest(f"{name} must be between {low} and {high}", **{name: value})
        if not 0.5 <= self.service_level < 1.0:
            raise InvalidRequest(
                "service_level must be at least 0.5 and below 1", service_level=self.service_level
            )

    @property
    def protection_days(self) -> int:
        """The days an order must cover: until the one after it arrives (lead time + review)."""
        return self.lead_time_days + self.review_days

    @property
    def z(self) -> float:
        """The safety factor of the service level (1.645 for 95 %)."""
        return NormalDist().inv_cdf(self.service_level)

    def with_values(
        self,
        *,
        rate_days: int | None = None,
        lead_time_days: int | None = None,
        review_days: int | None = None,
        service_level: float | None = None,
    ) -> ReportPolicy:
        """This policy with the values a caller gave; ``None`` keeps the policy's own."""
        return replace(
            self,
            rate_days=self.rate_days if rate_days is None else rate_days,
            lead_time_days=self.lead_time_days if lead_time_days is None else lead_time_days,
            review_days=self.review_days if review_days is None else review_days,
            service_level=self.service_level if service_level is None else service_level,
        )
