"""The manager's day and inventory accuracy: the day's queue, device heartbeats, the cycle-count
schedule and the variance report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.params import LocationPath
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import (
    CountSchedule,
    CountScheduled,
    DayQueue,
    DeviceHeartbeat,
    LocationCode,
    VarianceReport,
)
from ordersync.contract.report_windows import VARIANCE_WINDOW
from ordersync.domain.variance import PeriodKind
from ordersync.services.count_schedule import schedule_counts
from ordersync.services.day_queue import day_queue
from ordersync.services.devices import record_heartbeat
from ordersync.services.reports.access import VARIANCE

router = APIRouter(tags=["manager's day"])


@router.post("/devices/heartbeat", status_code=204, response_class=Response)
async def heartbeat(
    body: DeviceHeartbeat, principal: PrincipalDep, runtime: RuntimeDep
) -> Response:
    """The calling device is alive; what waits in its outbox and what needs a person.

    A status report, not an operation: no ``op_id``, no replay, the latest report wins.
    """
    await runtime.writer.run(lambda tx: record_heartbeat(tx, principal, body))
    return Response(status_code=204)


@router.get("/locations/{code}/day", response_model=DayQueue, responses=REFUSALS)
def location_day(
    code: LocationPath,
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> DayQueue:
    """A store's day (default today, in the store's time zone): jobs by state, open jobs late
    first, today's rejections, collections waiting, orders placed in store, devices, counts."""
    return day_queue(connection, principal, code, runtime.clock.now(), day)


@router.post("/count-tasks/schedule", response_model=CountScheduled, responses=REFUSALS)
async def schedule(
    body: CountSchedule, principal: PrincipalDep, runtime: RuntimeDep
) -> CountScheduled:
    """Top the location's cycle-count tasks up to ``limit``, the most due positions first (fast
    movers are due more often). Sending it again opens nothing more."""
    return await runtime.writer.run(
        lambda tx: schedule_counts(tx, principal, body.location, body.limit)
    )


@router.get("/reports/variance", response_model=VarianceReport, responses=REFUSALS)
def variance(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    location: Annotated[LocationCode | None, Query()] = None,
    days: Annotated[int, Query(ge=1, le=VARIANCE_WINDOW.longest)] = VARIANCE_WINDOW.default,
    period: Annotated[PeriodKind, Query()] = "day",
) -> VarianceReport:
    """Counted against expected at a store over its last ``days`` days, per day or ISO week."""
    now = runtime.clock.now()
    return VARIANCE(connection, principal, now, location, days=days, period=period)
