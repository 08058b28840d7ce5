"""The network's fulfilment figures: fill rate, short-pick rate per location, orders saved in
store, and the time from a job's assignment to its shipment.

- Fill rate: order lines shipped or collected over the lines that reached an end (shipped,
  collected, cancelled, unfulfillable); lines still on their way count for neither.
- Rejection rate: job lines short-picked over the job lines a location was asked to pick. A
  store that often cannot find what its record says it holds has an inaccurate stock record.
- Assignment to shipment: for ship jobs that shipped, the hours from the job's creation (its
  assignment) to the shipment, averaged over jobs.
- Orders saved in store: orders placed by a store for a customer it could not serve from its
  shelf, and the value of their lines not lost since (unfulfillable or cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ordersync.contract import ORDER_LINES_ENDED, ORDER_LINES_FULFILLED
from ordersync.domain.analytics.history import local_midnight


@dataclass(frozen=True, slots=True)
class LocationJobs:
    location: str
    jobs: int = 0
    job_lines: int = 0
    lines_rejected: int = 0
    shipped_jobs: int = 0
    """Ship jobs that shipped."""
    ship_hours: float = 0.0
    """Hours from assignment to shipment, summed over ``shipped_jobs``."""

    @property
    def rejection_rate(self) -> float | None:
        return None if self.job_lines == 0 else round(self.lines_rejected / self.job_lines, 4)

    @property
    def avg_assign_to_ship_hours(self) -> float | None:
        return average_hours(self.ship_hours, self.shipped_jobs)


def average_hours(total_hours: float, jobs: int) -> float | None:
    return None if jobs == 0 else round(total_hours / jobs, 2)


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


@dataclass(frozen=True, slots=True)
class FillRate:
    lines: int
    fulfilled: int
    ended: int

    @property
    def rate(self) -> float | None:
        return None if self.ended == 0 else round(self.fulfilled / self.ended, 4)


def fill_rate(lines_by_state: Mapping[str, int]) -> FillRate:
    return FillRate(
        lines=sum(lines_by_state.values()),
        fulfilled=sum(n for state, n in lines_by_state.items() if state in ORDER_LINES_FULFILLED),
        ended=sum(n for state, n in lines_by_state.items() if state in ORDER_LINES_ENDED),
    )


def network_ship_hours(locations: Iterable[LocationJobs]) -> float | None:
    chosen = list(locations)
    return average_hours(
        sum(place.ship_hours for place in chosen), sum(place.shipped_jobs for place in chosen)
    )


def day_bounds(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the start of the day after ``last``, in ``zone`` (UTC):
    a day that loses or gains an hour to daylight saving time is 23 or 25 hours long."""
    return local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone)
