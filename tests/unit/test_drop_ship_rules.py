"""Drop-ship as pure rules: a rule asks suppliers only when it names their kind, a supplier's
promise adds its lead time to the shipping days, and an acknowledged drop-ship job is due once
its lead time and the time to ship have passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordersync.contract import JobKind, JobStateName, LocationKind, RoutingReason
from ordersync.domain.routing import Candidate, Line, RoutingDecision, RoutingPolicy, route
from ordersync.domain.rules import Filters, Rule, SortKey
from ordersync.domain.service_levels import ServiceLevels, step_due
from ordersync.services.orders import shelf_promise
from ordersync.services.routing_policy import PolicyDocument, Promise

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LINE = [Line(1, "SKU-A", 1)]
PROMISE = Promise()
POLICY = PolicyDocument(routing=RoutingPolicy(), promise=PROMISE)
SUPPLIERS = Rule(
    name="suppliers",
    filters=Filters(kinds=frozenset({LocationKind.SUPPLIER})),
    sort=(SortKey.COST, SortKey.DISTANCE),
)


def place(
    code: str, km: float, *, kind: str = "store", lead: int = 0, cost: int = 0, units: int = 5
) -> Candidate:
    return Candidate(
        code=code,
        kind=kind,
        fulfils=True,
        capacity_left=10,
        jobs_today=0,
        daily_capacity=10,
        distance_km=km,
        available={"SKU-A": units},
        lead_time_days=lead,
        ship_cost_minor=cost,
    )


def test_the_default_rule_leaves_suppliers_out_even_when_they_alone_hold_the_units() -> None:
    supplier = place("DS1", 3.0, kind="supplier", lead=3)
    store = place("A", 1.0, units=0)

    decision = route(LINE, [supplier, store], RoutingPolicy())

    assert decision.unserved == LINE
    [left_out] = [v for v in decision.verdicts if v.location == "DS1"]
    assert left_out.reasons == [
        {"code": RoutingReason.NOT_FULFILLING, "detail": "suppliers are left out by the policy"}
    ]


def test_a_policy_without_warehouses_leaves_suppliers_out_too() -> None:
    supplier = place("DS1", 3.0, kind="supplier")

    decision = route(LINE, [supplier], RoutingPolicy(include_warehouses=False))

    assert not decision.assignments


def test_a_rule_naming_suppliers_asks_only_suppliers_the_cheapest_first() -> None:
    near_store = place("A", 1.0)
    cheap = place("DS1", 300.0, kind="supplier", cost=200)
    dear = place("DS2", 2.0, kind="supplier", cost=900)

    decision = route(LINE, [near_store, cheap, dear], RoutingPolicy(), rule=SUPPLIERS)

    assert [a.location for a in decision.assignments] == ["DS1"]
    verdicts = {v.location: v for v in decision.verdicts}
    assert verdicts["A"].reasons[0]["code"] == RoutingReason.NOT_FULFILLING
    assert verdicts["DS2"].reasons[0]["code"] == RoutingReason.COSTLIER


def _promised(decision: RoutingDecision, candidates: list[Candidate]) -> datetime:
    return shelf_promise(NOW, decision, candidates, POLICY, None)


def test_a_supplier_is_promised_after_its_lead_time_and_the_shipping_days() -> None:
    near = [place("DS1", 10.0, kind="supplier", lead=3)]
    far = [place("DS1", 400.0, kind="supplier", lead=3)]

    for candidates, shipping in ((near, PROMISE.near_days), (far, PROMISE.far_days)):
        decision = route(LINE, candidates, RoutingPolicy(), rule=SUPPLIERS)
        assert _promised(decision, candidates) == NOW + timedelta(days=3 + shipping)


def test_a_store_is_promised_as_before() -> None:
    candidates = [place("A", 400.0)]

    decision = route(LINE, candidates, RoutingPolicy())

    assert _promised(decision, candidates) == NOW + timedelta(days=PROMISE.far_days)


def test_an_acknowledged_drop_ship_job_is_due_after_the_lead_time_and_the_time_to_ship() -> None:
    levels = ServiceLevels()

    due = step_due(
        levels, JobKind.DROP_SHIP, JobStateName.ACKNOWLEDGED, NOW, lead_time=timedelta(days=3)
    )

    assert due == NOW + timedelta(days=3, minutes=levels.to_ship_minutes)
    assert step_due(levels, JobKind.DROP_SHIP, JobStateName.SHIPPED, NOW) is None
