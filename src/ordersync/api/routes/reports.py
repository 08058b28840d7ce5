"""The sales-intelligence reports: manager and admin devices only (associates get 403).

A store manager reads its own location: a report about another location is refused. A report
without a location is about the caller's own location, except that an admin reads the whole
network where a report has a network-wide form (sales trend, KPIs). The rebalancing report is
network-wide by nature: an admin sees every suggested transfer of the reference, a store
manager those from or to its store.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Connection

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.contract import (
    CODE_PATTERN,
    SKU_PATTERN,
    CoverReport,
    NetworkKpis,
    Problem,
    RebalancingReport,
    ReplenishmentReport,
    Role,
    SalesTrend,
    StockoutReport,
)
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.domain.permissions import Action, Principal
from ordersync.services.catalog import require_known_location
from ordersync.services.reports.cover import cover_report, stockout_risk_report
from ordersync.services.reports.kpis import network_kpis
from ordersync.services.reports.rebalancing import rebalancing_report
from ordersync.services.reports.replenishment import replenishment_report
from ordersync.services.reports.stockouts import stockout_report
from ordersync.services.reports.trend import sales_trend

router = APIRouter(prefix="/reports", tags=["reports"])

REFUSALS: dict[int | str, dict[str, object]] = {
    403: {"model": Problem, "description": "Not a manager of this location"},
    404: {"model": Problem, "description": "Unknown reference"},
    422: {"model": Problem, "description": "Invalid parameter or unknown location"},
}

LocationQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=32,
        pattern=CODE_PATTERN,
        description="Location code; the caller's own location when left out.",
    ),
]
ReferenceQuery = Annotated[
    str, Query(min_length=1, max_length=64, pattern=SKU_PATTERN, description="Reference code.")
]
Days = Annotated[int, Query(ge=1, le=365, description="Complete days before today.")]
Limit = Annotated[int, Query(ge=1, le=10_000, description="Most rows returned.")]
RateDays = Annotated[
    int | None, Query(ge=1, le=365, description="Days the sales rate is taken over (28).")
]
LeadTime = Annotated[int | None, Query(ge=0, le=180, description="Days from order to shelf (3).")]
ReviewDays = Annotated[
    int | None, Query(ge=1, le=180, description="Days between replenishment reviews (7).")
]
ServiceLevel = Annotated[
    int | None,
    Query(ge=50, le=99, description="Chance in percent of not running out in a cycle (95)."),
]


def _policy(
    rate_days: int | None,
    lead_time_days: int | None = None,
    review_days: int | None = None,
    service_level: int | None = None,
) -> ReportPolicy:
    return ReportPolicy().with_values(
        rate_days=rate_days,
        lead_time_days=lead_time_days,
        review_days=review_days,
        service_level=None if service_level is None else service_level / 100,
    )


def _own_or_named(principal: Principal, location: str | None, connection: Connection) -> str:
    """The location a single-location report is about, once the caller may read it."""
    scope = location or principal.location
    principal.require(Action.READ_REPORTS, scope)
    require_known_location(connection, location)
    return scope


def _network_or_named(
    principal: Principal, location: str | None, connection: Connection
) -> str | None:
    """None (the whole network) for an admin who names no location; else a readable location."""
    if location is None and principal.role is Role.ADMIN:
        principal.require(Action.READ_REPORTS)
        return None
    return _own_or_named(principal, location, connection)


@router.get("/sales-trend", response_model=SalesTrend, responses=REFUSALS)
def get_sales_trend(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    reference: ReferenceQuery,
    location: LocationQuery = None,
    days: Days = 28,
    recent_days: Annotated[int, Query(ge=1, le=182)] = 7,
) -> SalesTrend:
    """Units sold per day of every size of a reference at a location (an admin without a
    location: every location), with the last ``recent_days`` against the ones before."""
    scope = _network_or_named(principal, location, connection)
    return sales_trend(
        connection,
        runtime.clock.now(),
        reference=reference,
        location=scope,
        days=days,
        recent_days=recent_days,
    )


@router.get("/cover", response_model=CoverReport, responses=REFUSALS)
def get_cover(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    location: LocationQuery = None,
    rate_days: RateDays = None,
    lead_time_days: LeadTime = None,
    review_days: ReviewDays = None,
    limit: Limit = 500,
) -> CoverReport:
    """Days of cover of each position at a location: at risk first, then the shortest cover."""
    scope = _own_or_named(principal, location, connection)
    return cover_report(
        connection,
        runtime.clock.now(),
        location=scope,
        policy=_policy(rate_days, lead_time_days, review_days),
        limit=limit,
    )


@router.get("/stockout-risk", response_model=CoverReport, responses=REFUSALS)
def get_stockout_risk(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    location: LocationQuery = None,
    rate_days: RateDays = None,
    lead_time_days: LeadTime = None,
    review_days: ReviewDays = None,
    limit: Limit = 500,
) -> CoverReport:
    """Positions that run out before their next replenishment arrives, soonest first."""
    scope = _own_or_named(principal, location, connection)
    return stockout_risk_report(
        connection,
        runtime.clock.now(),
        location=scope,
        policy=_policy(rate_days, lead_time_days, review_days),
        limit=limit,
    )


@router.get("/stockouts", response_model=StockoutReport, responses=REFUSALS)
def get_stockouts(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    location: LocationQuery = None,
    days: Days = 28,
    limit: Limit = 500,
) -> StockoutReport:
    """Stock-outs of the last ``days`` days at a location and the sales they probably cost."""
    scope = _own_or_named(principal, location, connection)
    return stockout_report(connection, runtime.clock.now(), location=scope, days=days, limit=limit)


@router.get("/replenishment", response_model=ReplenishmentReport, responses=REFUSALS)
def get_replenishment(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    location: LocationQuery = None,
    rate_days: RateDays = None,
    lead_time_days: LeadTime = None,
    review_days: ReviewDays = None,
    service_level: ServiceLevel = None,
    limit: Limit = 1000,
) -> ReplenishmentReport:
    """What to order for a location: up to a level covering lead time, review and safety."""
    scope = _own_or_named(principal, location, connection)
    return replenishment_report(
        connection,
        runtime.clock.now(),
        location=scope,
        policy=_policy(rate_days, lead_time_days, review_days, service_level),
        limit=limit,
    )


@router.get("/rebalancing", response_model=RebalancingReport, responses=REFUSALS)
def get_rebalancing(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    reference: ReferenceQuery,
    rate_days: RateDays = None,
    lead_time_days: LeadTime = None,
    review_days: ReviewDays = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RebalancingReport:
    """Transfers of a reference's sizes from stores where they sleep to stores where they sell,
    and of broken size runs to the store holding the rest of the run."""
    principal.require(Action.READ_REPORTS)
    involving = None if principal.role is Role.ADMIN else principal.location
    return rebalancing_report(
        connection,
        runtime.clock.now(),
        reference=reference,
        policy=_policy(rate_days, lead_time_days, review_days),
        involving=involving,
        limit=limit,
    )


@router.get("/kpis", response_model=NetworkKpis, responses=REFUSALS)
def get_kpis(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    location: LocationQuery = None,
    days: Days = 30,
) -> NetworkKpis:
    """Fill rate, short picks per location, orders saved in store and assignment-to-shipment
    time over the last ``days`` days; a store manager gets its own store's share."""
    scope = _network_or_named(principal, location, connection)
    return network_kpis(connection, runtime.clock.now(), days=days, location=scope)
