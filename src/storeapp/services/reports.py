"""The manager's reports, read live from the ledger: stock-out risk and days of cover, the sales
trend of a reference, stock-outs and the sales they lost, replenishment suggestions, rebalancing
suggestions of a reference (from or to this store), count variance and the network's KPIs.

Every read answers an ``Answer``: the report, or why there is none in words the screens and the
command translate (``Refusal``): managers only (the ledger's 403), offline, not offered by this
ledger yet, not found. Reports are never cached: a stale report would be read as today's. What
the ledger last said about this device's right to read them is remembered (``manager_access``
in the cache's ``sync_state``), so an associate's terminal says "managers only" offline too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine

from ordersync.contract import (
    PROBLEM_TYPE_PREFIX,
    CoverReport,
    NetworkKpis,
    RebalancingReport,
    ReplenishmentReport,
    SalesTrend,
    StockoutReport,
    VarianceReport,
)
from ordersync.contract.report_windows import (
    KPIS_WINDOW,
    SALES_TREND_WINDOW,
    STOCKOUTS_WINDOW,
    TREND_RECENT_WINDOW,
    VARIANCE_WINDOW,
)
from storeapp.cache.state import read_state, write_state
from storeapp.sync.client import LedgerClient, LedgerRefused, LedgerUnauthorized, LedgerUnavailable

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

MANAGER_ACCESS = "manager_access"
"""``sync_state`` key: ``allowed`` or ``refused``, as the ledger last answered a manager read."""
_MISSING_ROUTE_DETAIL = "Not Found"
"""The detail of the ledger's 404 for a path it has no route for (an older ledger)."""


class Refusal(StrEnum):
    """Why a manager read has no answer; stable codes the screens and the command translate."""

    MANAGERS_ONLY = "managers_only"
    """The ledger's 403: this device's token is not a manager's (or not of this store)."""
    OFFLINE = "offline"
    """No definite answer from the ledger (network down, timeout, 5xx)."""
    UNAVAILABLE = "unavailable"
    """The ledger does not offer this read (an older version: 404 on the route, 405)."""
    NOT_FOUND = "not_found"
    """The thing asked about does not exist (an unknown reference)."""
    REFUSED = "refused"
    """Any other refusal (a revoked token, a bad parameter): ``detail`` says which."""


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    """A report, or why there is none (``refusal`` and the ledger's ``detail``)."""

    value: T | None
    refusal: Refusal | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None


def refusal_of(error: LedgerRefused) -> Refusal:
    if isinstance(error, LedgerUnauthorized):
        return Refusal.REFUSED
    if error.status == 403:
        return Refusal.MANAGERS_ONLY
    if error.status == 405:
        return Refusal.UNAVAILABLE
    if error.status == 404:
        kind = str(error.problem.get("type", ""))
        if kind in ("", "about:blank") or (
            kind == PROBLEM_TYPE_PREFIX + "not-found"
            and error.problem.get("detail") == _MISSING_ROUTE_DETAIL
        ):
            return Refusal.UNAVAILABLE
        return Refusal.NOT_FOUND
    return Refusal.REFUSED


def known_access(engine: Engine) -> bool | None:
    """What the ledger last said: True (a manager's device), False (refused), None (never asked)."""
    with engine.connect() as connection:
        value = read_state(connection, MANAGER_ACCESS)
    return None if value is None else value == "allowed"


def remember_access(engine: Engine, allowed: bool) -> None:
    value = "allowed" if allowed else "refused"
    with engine.connect() as connection:
        if read_state(connection, MANAGER_ACCESS) == value:
            return
    with engine.begin() as connection:
        write_state(connection, MANAGER_ACCESS, value)


def ask(engine: Engine, read: Callable[[], T], *, managers_only: bool = True) -> Answer[T]:
    """Run a read and sort its outcome. For a read only managers may make, the ledger's answer
    also tells whether this device is a manager's: that is remembered for offline use."""
    try:
        value = read()
    except LedgerUnavailable as error:
        return Answer(None, Refusal.OFFLINE, str(error))
    except LedgerRefused as error:
        refusal = refusal_of(error)
        if managers_only and refusal is Refusal.MANAGERS_ONLY:
            remember_access(engine, False)
        return Answer(None, refusal, str(error))
    if managers_only:
        remember_access(engine, True)
    return Answer(value)


class ReportsService:
    """Live reads of the manager's reports for this store (``location``)."""

    def __init__(self, engine: Engine, location: str, client: LedgerClient) -> None:
        self._engine = engine
        self._location = location
        self._client = client

    @property
    def location(self) -> str:
        return self._location

    def _read(self, path: str, model: type[M], **params: Any) -> Answer[M]:
        query = {key: value for key, value in params.items() if value is not None}
        return ask(self._engine, lambda: self._client.read(path, model, query))

    def cover(self) -> Answer[CoverReport]:
        """Days of cover of every position of this store at its recent sales rate."""
        return self._read("/reports/cover", CoverReport, location=self._location)

    def stockout_risk(self) -> Answer[CoverReport]:
        """The positions that run out before their next replenishment, soonest first."""
        return self._read("/reports/stockout-risk", CoverReport, location=self._location)

    def trend(
        self,
        reference: str,
        *,
        days: int = SALES_TREND_WINDOW.default,
        recent_days: int = TREND_RECENT_WINDOW.default,
        location: str | None = None,
    ) -> Answer[SalesTrend]:
        """Units of ``reference`` sold per day, per size and location (this store by default)."""
        return self._read(
            "/reports/sales-trend",
            SalesTrend,
            reference=reference.strip(),
            location=location or self._location,
            days=days,
            recent_days=recent_days,
        )

    def stockouts(self, *, days: int = STOCKOUTS_WINDOW.default) -> Answer[StockoutReport]:
        return self._read("/reports/stockouts", StockoutReport, location=self._location, days=days)

    def replenishment(self) -> Answer[ReplenishmentReport]:
        return self._read("/reports/replenishment", ReplenishmentReport, location=self._location)

    def rebalancing(self, reference: str) -> Answer[RebalancingReport]:
        """Transfers the ledger suggests for the sizes of ``reference``: a store manager sees
        those from or to its own store."""
        return self._read("/reports/rebalancing", RebalancingReport, reference=reference.strip())

    def variance(
        self, *, days: int = VARIANCE_WINDOW.default, period: Literal["day", "week"] = "day"
    ) -> Answer[VarianceReport]:
        return self._read(
            "/reports/variance",
            VarianceReport,
            location=self._location,
            days=days,
            period=period,
        )

    def kpis(self, *, days: int = KPIS_WINDOW.default) -> Answer[NetworkKpis]:
        return self._read("/reports/kpis", NetworkKpis, days=days)
