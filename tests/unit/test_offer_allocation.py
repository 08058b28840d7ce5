"""Competitive allocation as a pure plan (``domain.offers.allocate``): which assignments of a
routing decision are offered, to which locations and in what order, and which stay plain jobs
because there is nobody to compete with."""

from __future__ import annotations

from ordersync.contract import LocationKind
from ordersync.domain.offers import OfferPlan, allocate
from ordersync.domain.routing import (
    Assignment,
    Candidate,
    Line,
    RoutingDecision,
    RoutingPolicy,
    route,
)
from ordersync.domain.rules import Competitive, Filters, Rule, SortKey

POLICY = RoutingPolicy()
LINE = [Line(1, "SKU-A", 1)]
EVERY_KIND = frozenset({LocationKind.STORE, LocationKind.WAREHOUSE, LocationKind.SUPPLIER})
RACE = Rule(
    name="stores",
    filters=Filters(kinds=EVERY_KIND),
    sort=(SortKey.DISTANCE, SortKey.STOCK_DEPTH),
    distance_tolerance_km=0.0,
    competitive=Competitive(offer_to=3, claim_minutes=20),
)


def place(code: str, km: float, *, kind: str = "store", units: int = 5) -> Candidate:
    return Candidate(
        code=code,
        kind=kind,
        fulfils=True,
        capacity_left=10,
        jobs_today=0,
        daily_capacity=10,
        distance_km=km,
        available={"SKU-A": units},
    )


def sent_to(code: str, lines: list[Line] = LINE) -> RoutingDecision:
    """A decision that sends ``lines`` to ``code``, as a rule's plan would."""
    return RoutingDecision([Assignment(code, list(lines))], [], [], f"to {code}", "web", "stores")


def test_a_rule_without_competitive_settings_offers_nothing() -> None:
    decision = sent_to("A")
    candidates = [place("A", 1.0), place("B", 2.0)]
    plain = Rule(name="stores", filters=Filters(kinds=EVERY_KIND))

    for rule in (plain, None):
        allocation = allocate(decision, rule, candidates, POLICY, None)
        assert (allocation.offers, allocation.direct) == ([], decision)


def test_the_rules_choice_leads_and_the_next_best_placed_follow_up_to_offer_to() -> None:
    candidates = [place(code, km) for code, km in (("D", 4.0), ("A", 3.0), ("C", 1.0), ("B", 2.0))]

    # The rule sent the line to A; the nearest of the others follow it, up to three in all.
    allocation = allocate(sent_to("A"), RACE, candidates, POLICY, None)

    assert allocation.offers == [OfferPlan(LINE, ["A", "C", "B"], 20)]
    assert allocation.direct.assignments == []
    assert allocation.offered_lines == {1}


def test_equally_near_locations_are_ranked_by_the_rules_next_sort_key() -> None:
    candidates = [place("A", 1.0, units=9), place("B", 1.0, units=2), place("C", 1.0, units=6)]

    allocation = allocate(sent_to("A"), RACE, candidates, POLICY, None)

    [offer] = allocation.offers
    assert offer.locations == ["A", "C", "B"]


def test_an_offer_goes_only_to_locations_able_to_serve_every_line_of_it() -> None:
    lines = [Line(1, "SKU-A", 2), Line(2, "SKU-B", 1)]
    both = Candidate("A", "store", True, 10, 0, 10, 1.0, {"SKU-A": 2, "SKU-B": 1})
    short = Candidate("B", "store", True, 10, 0, 10, 2.0, {"SKU-A": 1, "SKU-B": 1})
    other = Candidate("C", "store", True, 10, 0, 10, 3.0, {"SKU-A": 5, "SKU-B": 5})
    full = Candidate("D", "store", True, 0, 10, 10, 0.5, {"SKU-A": 5, "SKU-B": 5})

    allocation = allocate(sent_to("A", lines), RACE, [both, short, other, full], POLICY, None)

    # B lacks a unit of SKU-A, D has no capacity left today: neither is offered the lines.
    assert allocation.offers == [OfferPlan(lines, ["A", "C"], 20)]


def test_with_a_single_able_location_the_line_becomes_a_job_at_once() -> None:
    decision = sent_to("A")
    candidates = [place("A", 1.0), place("B", 2.0, units=0)]

    allocation = allocate(decision, RACE, candidates, POLICY, None)

    assert allocation.offers == []
    assert allocation.direct == decision


def test_a_collection_at_the_stores_own_counter_is_never_offered() -> None:
    decision = sent_to("A")
    candidates = [place("A", 0.0), place("B", 1.0), place("C", 2.0)]

    allocation = allocate(decision, RACE, candidates, POLICY, collect_at="A")

    assert allocation.offers == []
    assert allocation.direct == decision


def test_a_collection_shipped_from_elsewhere_is_not_offered_to_the_collection_store() -> None:
    candidates = [place("A", 0.0), place("B", 1.0), place("C", 2.0)]

    allocation = allocate(sent_to("B"), RACE, candidates, POLICY, collect_at="A")

    assert allocation.offers == [OfferPlan(LINE, ["B", "C"], 20)]


def test_a_line_sent_to_a_supplier_is_never_offered_and_suppliers_are_never_offered_lines() -> None:
    supplier = place("DS1", 0.5, kind=LocationKind.SUPPLIER)
    candidates = [supplier, place("A", 1.0), place("WH", 2.0, kind=LocationKind.WAREHOUSE)]

    to_supplier = allocate(sent_to("DS1"), RACE, candidates, POLICY, None)
    to_store = allocate(sent_to("A"), RACE, candidates, POLICY, None)

    assert (to_supplier.offers, to_supplier.direct.assignments) == ([], [Assignment("DS1", LINE)])
    assert to_store.offers == [OfferPlan(LINE, ["A", "WH"], 20)]


def test_locations_already_asked_are_left_out() -> None:
    candidates = [place(code, km) for code, km in (("A", 1.0), ("B", 2.0), ("C", 3.0), ("D", 4.0))]

    allocation = allocate(sent_to("C"), RACE, candidates, POLICY, None, frozenset({"A", "B"}))

    assert allocation.offers == [OfferPlan(LINE, ["C", "D"], 20)]


def test_only_the_competitive_assignments_of_a_split_decision_are_offered() -> None:
    lines = [Line(1, "SKU-A", 1), Line(2, "SKU-B", 1)]
    to_a = Candidate("A", "store", True, 10, 0, 10, 1.0, {"SKU-A": 1})
    to_b = Candidate("B", "store", True, 10, 0, 10, 2.0, {"SKU-B": 1})
    also_a = Candidate("C", "store", True, 10, 0, 10, 3.0, {"SKU-A": 1})
    decision = route(lines, [to_a, to_b, also_a], POLICY, rule=RACE)
    assert [(a.location, [ln.line_no for ln in a.lines]) for a in decision.assignments] == [
        ("A", [1]),
        ("B", [2]),
    ]

    allocation = allocate(decision, RACE, [to_a, to_b, also_a], POLICY, None)

    # SKU-A has two able stores, SKU-B only B: one offer, one plain job.
    assert allocation.offers == [OfferPlan([lines[0]], ["A", "C"], 20)]
    assert allocation.direct.assignments == [Assignment("B", [lines[1]])]
    assert allocation.offered_lines == {1}
