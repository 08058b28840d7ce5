"""The sales-intelligence reports, one row of ``REPORTS`` each: path, query, reply and service.

Who may read which report is the services' business (``services.reports.access``); a route only
reads its query parameters, asks the report's service on behalf of the caller and answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.contract import (
    CODE_PATTERN,
    SKU_PATTERN,
    CoverReport,
    NetworkKpis,
    Problem,
    RebalancingReport,
    ReplenishmentReport,
    ReturnRateReport,
    SalesPeriod,
    SalesTrend,
    StockoutReport,
)
from ordersync.contract.report_windows import (
    KPIS_WINDOW,
    RETURNS_WINDOW,
    SALES_TREND_WINDOW,
    STOCKOUTS_WINDOW,
    TOUCHPOINTS_WINDOW,
    TREND_RECENT_WINDOW,
)
from ordersync.contract.touchpoints import (
    Cancellations,
    OfferOutcomes,
    SplitRate,
    StoreContribution,
    TimeToCustomer,
    TouchpointSales,
)
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.services.reports.access import (
    CANCELLATIONS,
    COVER,
    KPIS,
    OFFER_OUTCOMES,
    REBALANCING,
    REPLENISHMENT,
    RETURN_RATES,
    SALES_TREND,
    SPLIT_RATE,
    STOCKOUT_RISK,
    STOCKOUTS,
    STORE_CONTRIBUTION,
    TIME_TO_CUSTOMER,
    TOUCHPOINT_SALES,
    ReportRead,
)

router = APIRouter(prefix="/reports", tags=["reports"])

REFUSALS: dict[int | str, dict[str, object]] = {
    403: {"model": Problem, "description": "Not a manager of this location"},
    404: {"model": Problem, "description": "Unknown reference"},
    422: {"model": Problem, "description": "Invalid parameter or unknown location"},
}

Days = Annotated[int, Field(ge=1, le=365, description="Complete days before today.")]
Limit = Annotated[int, Field(ge=1, le=10_000, description="Most rows returned.")]


class ReportQuery(BaseModel):
    """The query parameters of a report; ``arguments`` are what its service is given."""

    def arguments(self) -> dict[str, Any]:
        return self.model_dump()


class Located(ReportQuery):
    location: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=32,
            pattern=CODE_PATTERN,
            description="Location code; the caller's own location when left out.",
        ),
    ] = None


class Referenced(ReportQuery):
    reference: Annotated[
        str, Field(min_length=1, max_length=64, pattern=SKU_PATTERN, description="Reference code.")
    ]


class Tuned(ReportQuery):
    """The knobs of the report policy; left out, the policy's own value holds."""

    rate_days: Annotated[
        int | None, Field(ge=1, le=365, description="Days the sales rate is taken over (28).")
    ] = None
    lead_time_days: Annotated[
        int | None, Field(ge=0, le=180, description="Days from order to shelf (3).")
    ] = None
    review_days: Annotated[
        int | None, Field(ge=1, le=180, description="Days between replenishment reviews (7).")
    ] = None

    def arguments(self) -> dict[str, Any]:
        values = super().arguments()
        level = values.pop("service_level", None)
        policy = ReportPolicy().with_values(
            rate_days=values.pop("rate_days"),
            lead_time_days=values.pop("lead_time_days"),
            review_days=values.pop("review_days"),
            service_level=None if level is None else level / 100,
        )
        return {**values, "policy": policy}


class SalesTrendQuery(Located, Referenced):
    days: Days = SALES_TREND_WINDOW.default
    recent_days: Annotated[int, Field(ge=1, le=TREND_RECENT_WINDOW.longest)] = (
        TREND_RECENT_WINDOW.default
    )


class CoverQuery(Tuned, Located):
    limit: Limit = 500


class StockoutsQuery(Located):
    days: Days = STOCKOUTS_WINDOW.default
    limit: Limit = 500


class ReplenishmentQuery(Tuned, Located):
    service_level: Annotated[
        int | None,
        Field(ge=50, le=99, description="Chance in percent of not running out in a cycle (95)."),
    ] = None
    limit: Limit = 1000


class RebalancingQuery(Tuned, Referenced):
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class KpisQuery(Located):
    days: Days = KPIS_WINDOW.default


class ReturnsQuery(Located):
    days: Days = RETURNS_WINDOW.default
    limit: Limit = 500


class TouchpointQuery(Located):
    days: Days = TOUCHPOINTS_WINDOW.default


class TouchpointSalesQuery(TouchpointQuery):
    by: Annotated[SalesPeriod, Field(description="One row per day or ISO week.")] = SalesPeriod.DAY


@dataclass(frozen=True, slots=True)
class ReportRoute:
    path: str
    query: type[ReportQuery]
    reply: type[BaseModel]
    read: ReportRead[BaseModel]
    description: str

    @property
    def name(self) -> str:
        return "get_" + self.path.strip("/").replace("-", "_")


REPORTS = (
    ReportRoute(
        "/sales-trend",
        SalesTrendQuery,
        SalesTrend,
        SALES_TREND,
        "Units sold per day of every size of a reference at a location (an admin without a\n"
        "location: every location), with the last ``recent_days`` against the ones before.",
    ),
    ReportRoute(
        "/cover",
        CoverQuery,
        CoverReport,
        COVER,
        "Days of cover of each position at a location: at risk first, then the shortest cover.",
    ),
    ReportRoute(
        "/stockout-risk",
        CoverQuery,
        CoverReport,
        STOCKOUT_RISK,
        "Positions that run out before their next replenishment arrives, soonest first.",
    ),
    ReportRoute(
        "/stockouts",
        StockoutsQuery,
        StockoutReport,
        STOCKOUTS,
        "Stock-outs of the last ``days`` days at a location and the sales they probably cost.",
    ),
    ReportRoute(
        "/replenishment",
        ReplenishmentQuery,
        ReplenishmentReport,
        REPLENISHMENT,
        "What to order for a location: up to a level covering lead time, review and safety.",
    ),
    ReportRoute(
        "/rebalancing",
        RebalancingQuery,
        RebalancingReport,
        REBALANCING,
        "Transfers of a reference's sizes from stores where they sleep to stores where they "
        "sell,\nand of broken size runs to the store holding the rest of the run.",
    ),
    ReportRoute(
        "/kpis",
        KpisQuery,
        NetworkKpis,
        KPIS,
        "Fill rate, short picks per location, orders saved in store and assignment-to-shipment\n"
        "time over the last ``days`` days; a store manager gets its own store's share.",
    ),
    ReportRoute(
        "/returns",
        ReturnsQuery,
        ReturnRateReport,
        RETURN_RATES,
        "Units returned per reference over the last ``days`` days against the units it sold,\n"
        "with the reasons given, most returned first (an admin without a location: the network).",
    ),
    ReportRoute(
        "/touchpoint-sales",
        TouchpointSalesQuery,
        TouchpointSales,
        TOUCHPOINT_SALES,
        "Units and value served per touchpoint (counter sale, order in store, web shipped from a\n"
        "warehouse, a store or a supplier, click & collect) per day or week, at each store the\n"
        "customer dealt with (an admin without a location: the network).",
    ),
    ReportRoute(
        "/store-contribution",
        TouchpointQuery,
        StoreContribution,
        STORE_CONTRIBUTION,
        "Units and value each location shipped or handed over from its own stock for web orders,\n"
        "and its share of the network's web units.",
    ),
    ReportRoute(
        "/split-rate",
        TouchpointQuery,
        SplitRate,
        SPLIT_RATE,
        "Share of the orders placed in the window served from the stock of more than one location.",
    ),
    ReportRoute(
        "/time-to-customer",
        TouchpointQuery,
        TimeToCustomer,
        TIME_TO_CUSTOMER,
        "Hours from the order to shipment and to collection (median, 90th percentile, count)\n"
        "per touchpoint and store.",
    ),
    ReportRoute(
        "/cancellations",
        TouchpointQuery,
        Cancellations,
        CANCELLATIONS,
        "Jobs cancelled, lines short-picked and order lines nothing served, by location and\n"
        "reason.",
    ),
    ReportRoute(
        "/offers",
        TouchpointQuery,
        OfferOutcomes,
        OFFER_OUTCOMES,
        "Offers each store received, claimed, lost to another store or let expire, and its median\n"
        "time to claim.",
    ),
)


def _endpoint(route: ReportRoute) -> Callable[..., BaseModel]:
    def read(
        principal: PrincipalDep, connection: ReadDep, runtime: RuntimeDep, query: ReportQuery
    ) -> BaseModel:
        return route.read(connection, principal, runtime.clock.now(), **query.arguments())

    # Each report has its own query model: FastAPI reads the parameters from this annotation.
    read.__annotations__["query"] = Annotated[route.query, Query()]
    return read


for report in REPORTS:
    router.add_api_route(
        report.path,
        _endpoint(report),
        methods=["GET"],
        name=report.name,
        description=report.description,
        response_model=report.reply,
        responses=REFUSALS,
    )
