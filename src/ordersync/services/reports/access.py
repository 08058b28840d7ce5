"""Who reads which report, and each report as a device asks for it.

Reports are for manager and admin devices (associates get 403). A store manager reads its own
location: a report about another location is refused. A report without a location is about the
caller's own location, except that an admin reads the whole network where a report has a
network-wide form (sales trend, KPIs, return rates, the touchpoint reports). The rebalancing
report is network-wide by nature: an admin sees every suggested transfer of the reference, a store
manager those from or to its store.

Each report is a ``ReportRead``: the report function and the rule that says what it is about.
The rule runs first, so a caller who may not read the report learns nothing else about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Connection

from ordersync.contract import Role
from ordersync.domain.permissions import Action, Principal
from ordersync.services.access import readable_location
from ordersync.services.reports.cover import cover_report, stockout_risk_report
from ordersync.services.reports.kpis import network_kpis
from ordersync.services.reports.rebalancing import rebalancing_report
from ordersync.services.reports.replenishment import replenishment_report
from ordersync.services.reports.returns import return_rate_report
from ordersync.services.reports.stockouts import stockout_report
from ordersync.services.reports.touchpoint_offers import offer_outcomes
from ordersync.services.reports.touchpoints import (
    cancellations,
    split_rate,
    store_contribution,
    time_to_customer,
    touchpoint_sales,
)
from ordersync.services.reports.trend import sales_trend
from ordersync.services.reports.variance import recent_variance

R = TypeVar("R", bound=BaseModel, covariant=True)
ReportScope = Callable[[Connection, Principal, str | None], dict[str, str | None]]
"""What a report is about for this caller, as the report function's keyword arguments."""


def at_location(
    connection: Connection, principal: Principal, location: str | None
) -> dict[str, str | None]:
    """One location: the caller's own, or the one it names when it may read that one."""
    return {"location": readable_location(connection, principal, Action.READ_REPORTS, location)}


def at_location_or_network(
    connection: Connection, principal: Principal, location: str | None
) -> dict[str, str | None]:
    """The whole network for an admin who names no location; else as ``at_location``."""
    if location is None and principal.role is Role.ADMIN:
        principal.require(Action.READ_REPORTS)
        return {"location": None}
    return at_location(connection, principal, location)


def involving_caller(
    _connection: Connection, principal: Principal, _location: str | None
) -> dict[str, str | None]:
    """The network, limited for a store manager to what goes from or to its own store."""
    principal.require(Action.READ_REPORTS)
    return {"involving": None if principal.role is Role.ADMIN else principal.location}


@dataclass(frozen=True, slots=True)
class ReportRead(Generic[R]):
    report: Callable[..., R]
    """``report(connection, now, **scope, **arguments)``: the report itself, no permission check."""
    scope: ReportScope

    def __call__(
        self,
        connection: Connection,
        principal: Principal,
        now: datetime,
        location: str | None = None,
        **arguments: Any,
    ) -> R:
        return self.report(
            connection, now, **self.scope(connection, principal, location), **arguments
        )


SALES_TREND = ReportRead(sales_trend, at_location_or_network)
COVER = ReportRead(cover_report, at_location)
STOCKOUT_RISK = ReportRead(stockout_risk_report, at_location)
STOCKOUTS = ReportRead(stockout_report, at_location)
REPLENISHMENT = ReportRead(replenishment_report, at_location)
REBALANCING = ReportRead(rebalancing_report, involving_caller)
KPIS = ReportRead(network_kpis, at_location_or_network)
VARIANCE = ReportRead(recent_variance, at_location)
RETURN_RATES = ReportRead(return_rate_report, at_location_or_network)
TOUCHPOINT_SALES = ReportRead(touchpoint_sales, at_location_or_network)
STORE_CONTRIBUTION = ReportRead(store_contribution, at_location_or_network)
SPLIT_RATE = ReportRead(split_rate, at_location_or_network)
TIME_TO_CUSTOMER = ReportRead(time_to_customer, at_location_or_network)
CANCELLATIONS = ReportRead(cancellations, at_location_or_network)
OFFER_OUTCOMES = ReportRead(offer_outcomes, at_location_or_network)
