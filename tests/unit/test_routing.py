"""Routing as a policy: who serves an order, ranked by fewest shipments, distance (within a
tolerance), stock depth and today's load, and a verdict a person can read for every candidate."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from ordersync.contract import RoutingReason as Reason
from ordersync.domain.routing import (
    Candidate,
    Line,
    RoutingDecision,
    RoutingPolicy,
    Verdict,
    route,
)

POLICY = RoutingPolicy(distance_tolerance_km=5.0)
EXACT = RoutingPolicy(distance_tolerance_km=0.0)

ONE = [Line(1, "SKU-A", 1)]
TWO = [Line(1, "SKU-A", 1), Line(2, "SKU-B", 1)]


def place(
    code: str,
    km: float | None,
    stock: dict[str, int] | None = None,
    *,
    held: dict[str, int] | None = None,
    kind: str = "store",
    fulfils: bool = True,
    capacity_left: int = 10,
    jobs_today: int = 0,
    daily_capacity: int = 10,
) -> Candidate:
    return Candidate(
        code=code,
        kind=kind,
        fulfils=fulfils,
        capacity_left=capacity_left,
        jobs_today=jobs_today,
        daily_capacity=daily_capacity,
        distance_km=km,
        available=dict(stock or {}),
        held_by_safety=dict(held or {}),
    )


def served(decision: RoutingDecision) -> dict[str, list[int]]:
    return {a.location: [line.line_no for line in a.lines] for a in decision.assignments}


def verdict(decision: RoutingDecision, code: str) -> Verdict:
    [found] = [v for v in decision.verdicts if v.location == code]
    return found


def codes(v: Verdict) -> list[str]:
    return [str(r["code"]) for r in v.reasons]


def only_reason(v: Verdict) -> dict[str, object]:
    assert not v.won
    assert len(v.reasons) == 1, v.reasons
    return v.reasons[0]


# --- fewest shipments, then distance ----------------------------------------------------------


def test_the_nearest_store_that_holds_the_whole_order_wins() -> None:
    decision = route(
        TWO,
        [
            place("FAR", 20.0, {"SKU-A": 5, "SKU-B": 5}),
            place("NEAR", 2.0, {"SKU-A": 5, "SKU-B": 5}),
        ],
        POLICY,
    )

    assert served(decision) == {"NEAR": [1, 2]}
    assert decision.complete
    assert decision.unserved == []
    assert "NEAR" in decision.summary
    winner = verdict(decision, "NEAR")
    assert winner.won
    assert winner.reasons == []
    assert "SKU-A" in winner.text
    assert "2.0 km" in winner.text
    loser = only_reason(verdict(decision, "FAR"))
    assert loser == {"code": Reason.FARTHER, "distance_km": 20.0, "winner_distance_km": 2.0}
    assert "farther" in verdict(decision, "FAR").text
    assert "20.0 km" in verdict(decision, "FAR").text
    assert "2.0 km" in verdict(decision, "FAR").text


def test_one_location_for_the_whole_order_beats_nearer_locations_that_would_split_it() -> None:
    decision = route(
        TWO,
        [
            place("HAS-A", 1.0, {"SKU-A": 5}),
            place("HAS-B", 1.5, {"SKU-B": 5}),
            place("HAS-BOTH", 80.0, {"SKU-A": 1, "SKU-B": 1}),
        ],
        POLICY,
    )

    assert served(decision) == {"HAS-BOTH": [1, 2]}
    lacks_b = only_reason(verdict(decision, "HAS-A"))
    assert lacks_b == {"code": Reason.NO_STOCK, "sku": "SKU-B", "requested": 1, "available": 0}
    assert "no stock" in verdict(decision, "HAS-A").text
    assert "SKU-B" in verdict(decision, "HAS-A").text
    lacks_a = only_reason(verdict(decision, "HAS-B"))
    assert lacks_a == {"code": Reason.NO_STOCK, "sku": "SKU-A", "requested": 1, "available": 0}


def test_a_store_beyond_the_tolerance_loses_as_farther_even_with_deeper_stock() -> None:
    decision = route(
        ONE, [place("DEEP", 12.0, {"SKU-A": 50}), place("THIN", 1.0, {"SKU-A": 2})], POLICY
    )

    assert served(decision) == {"THIN": [1]}
    reason = only_reason(verdict(decision, "DEEP"))
    assert reason["code"] == Reason.FARTHER
    assert reason["distance_km"] == 12.0
    assert reason["winner_distance_km"] == 1.0


def test_distances_within_the_tolerance_count_as_equal_so_deeper_stock_wins() -> None:
    decision = route(
        ONE, [place("THIN", 1.0, {"SKU-A": 2}), place("DEEP", 4.0, {"SKU-A": 10})], POLICY
    )

    assert served(decision) == {"DEEP": [1]}
    reason = only_reason(verdict(decision, "THIN"))
    assert reason == {"code": Reason.SHALLOWER, "left_after": 1, "winner_left_after": 9}
    assert "fewer units" in verdict(decision, "THIN").text
    assert "1 against 9" in verdict(decision, "THIN").text


def test_two_stores_two_km_apart_count_as_equally_near_wherever_they_sit() -> None:
    # 4 km and 6 km differ by 2 km, well within the 5 km tolerance: depth must decide,
    # even though the two distances fall either side of a multiple of the tolerance.
    decision = route(
        ONE, [place("THIN", 4.0, {"SKU-A": 2}), place("DEEP", 6.0, {"SKU-A": 10})], POLICY
    )

    assert served(decision) == {"DEEP": [1]}
    assert codes(verdict(decision, "THIN")) == [Reason.SHALLOWER]


def test_with_no_tolerance_the_nearer_store_wins_by_any_margin() -> None:
    decision = route(
        ONE, [place("DEEP", 1.2, {"SKU-A": 50}), place("THIN", 1.1, {"SKU-A": 1})], EXACT
    )

    assert served(decision) == {"THIN": [1]}
    assert codes(verdict(decision, "DEEP")) == [Reason.FARTHER]


def test_a_location_of_unknown_distance_ranks_after_every_known_one() -> None:
    decision = route(
        ONE, [place("NOWHERE", None, {"SKU-A": 50}), place("KNOWN", 300.0, {"SKU-A": 1})], POLICY
    )

    assert served(decision) == {"KNOWN": [1]}
    reason = only_reason(verdict(decision, "NOWHERE"))
    assert reason["code"] == Reason.FARTHER
    assert reason["distance_km"] is None
    assert verdict(decision, "NOWHERE").distance_km is None


# --- stock depth, then load, then code ----------------------------------------------------------


def test_stock_depth_keeps_a_store_from_being_stripped_of_its_last_units() -> None:
    decision = route(
        [Line(1, "SKU-A", 2)],
        [place("LAST-TWO", 1.0, {"SKU-A": 2}), place("PLENTY", 3.0, {"SKU-A": 6})],
        POLICY,
    )

    assert served(decision) == {"PLENTY": [1]}
    reason = only_reason(verdict(decision, "LAST-TWO"))
    assert reason == {"code": Reason.SHALLOWER, "left_after": 0, "winner_left_after": 4}


def test_stock_depth_is_judged_on_the_sku_that_would_be_left_thinnest() -> None:
    decision = route(
        TWO,
        [
            place("LOPSIDED", 1.0, {"SKU-A": 100, "SKU-B": 1}),
            place("EVEN", 1.0, {"SKU-A": 5, "SKU-B": 5}),
        ],
        POLICY,
    )

    assert served(decision) == {"EVEN": [1, 2]}
    reason = only_reason(verdict(decision, "LOPSIDED"))
    assert reason == {"code": Reason.SHALLOWER, "left_after": 0, "winner_left_after": 4}


def test_with_equal_distance_and_depth_the_less_loaded_store_wins() -> None:
    decision = route(
        ONE,
        [
            place("BUSY", 1.0, {"SKU-A": 5}, jobs_today=8, capacity_left=2),
            place("QUIET", 2.0, {"SKU-A": 5}, jobs_today=2, capacity_left=8),
        ],
        POLICY,
    )

    assert served(decision) == {"QUIET": [1]}
    reason = only_reason(verdict(decision, "BUSY"))
    assert reason == {"code": Reason.BUSIER, "load": 0.8, "winner_load": 0.2}
    assert "busier" in verdict(decision, "BUSY").text
    assert "80%" in verdict(decision, "BUSY").text
    assert "20%" in verdict(decision, "BUSY").text


def test_load_is_jobs_today_against_daily_capacity_not_the_raw_job_count() -> None:
    decision = route(
        ONE,
        [
            place("SMALL", 1.0, {"SKU-A": 5}, jobs_today=5, daily_capacity=10, capacity_left=5),
            place("LARGE", 1.0, {"SKU-A": 5}, jobs_today=6, daily_capacity=20, capacity_left=14),
        ],
        POLICY,
    )

    assert served(decision) == {"LARGE": [1]}
    assert only_reason(verdict(decision, "SMALL"))["code"] == Reason.BUSIER


def test_depth_outranks_load() -> None:
    decision = route(
        ONE,
        [
            place("THIN-IDLE", 1.0, {"SKU-A": 1}, jobs_today=0),
            place("DEEP-BUSY", 1.0, {"SKU-A": 9}, jobs_today=9, capacity_left=1),
        ],
        POLICY,
    )

    assert served(decision) == {"DEEP-BUSY": [1]}
    assert codes(verdict(decision, "THIN-IDLE")) == [Reason.SHALLOWER]


def test_distance_outranks_depth_and_load() -> None:
    decision = route(
        ONE,
        [
            place("NEAR-THIN-BUSY", 1.0, {"SKU-A": 1}, jobs_today=9, capacity_left=1),
            place("FAR-DEEP-IDLE", 30.0, {"SKU-A": 90}),
        ],
        POLICY,
    )

    assert served(decision) == {"NEAR-THIN-BUSY": [1]}
    assert codes(verdict(decision, "FAR-DEEP-IDLE")) == [Reason.FARTHER]


def test_an_exact_tie_is_broken_by_location_code_whatever_the_input_order() -> None:
    twins = [place("S-B", 1.0, {"SKU-A": 5}), place("S-A", 1.0, {"SKU-A": 5})]

    assert served(route(ONE, twins, POLICY)) == {"S-A": [1]}
    assert served(route(ONE, list(reversed(twins)), POLICY)) == {"S-A": [1]}
    assert not verdict(route(ONE, twins, POLICY), "S-B").won


# --- stock reasons ------------------------------------------------------------------------------


def test_a_store_without_the_units_loses_on_no_stock_with_sku_requested_and_available() -> None:
    decision = route(
        [Line(1, "SKU-A", 3)],
        [place("SHORT", 1.0, {"SKU-A": 1}), place("FULL", 9.0, {"SKU-A": 3})],
        POLICY,
    )

    assert served(decision) == {"FULL": [1]}
    reason = only_reason(verdict(decision, "SHORT"))
    assert reason == {"code": Reason.NO_STOCK, "sku": "SKU-A", "requested": 3, "available": 1}
    assert "no stock" in verdict(decision, "SHORT").text
    assert "SKU-A" in verdict(decision, "SHORT").text
    assert "1 of 3" in verdict(decision, "SHORT").text


def test_units_kept_back_by_safety_stock_lose_on_safety_stock_not_on_no_stock() -> None:
    decision = route(
        [Line(1, "SKU-A", 3)],
        [place("GUARDED", 1.0, {"SKU-A": 1}, held={"SKU-A": 2}), place("FULL", 9.0, {"SKU-A": 3})],
        POLICY,
    )

    assert served(decision) == {"FULL": [1]}
    reason = only_reason(verdict(decision, "GUARDED"))
    assert reason == {"code": Reason.SAFETY_STOCK, "sku": "SKU-A", "requested": 3, "available": 1}
    assert "safety stock" in verdict(decision, "GUARDED").text
    assert "SKU-A" in verdict(decision, "GUARDED").text


def test_safety_stock_too_small_to_have_covered_the_line_is_still_no_stock() -> None:
    decision = route(
        [Line(1, "SKU-A", 3)],
        [place("SHORT", 1.0, {"SKU-A": 0}, held={"SKU-A": 2}), place("FULL", 9.0, {"SKU-A": 3})],
        POLICY,
    )

    assert codes(verdict(decision, "SHORT")) == [Reason.NO_STOCK]


def test_available_below_zero_is_reported_as_zero() -> None:
    decision = route(ONE, [place("OVERSOLD", 1.0, {"SKU-A": -4})], POLICY)

    reason = only_reason(verdict(decision, "OVERSOLD"))
    assert reason == {"code": Reason.NO_STOCK, "sku": "SKU-A", "requested": 1, "available": 0}


def test_a_store_holding_exactly_the_quantity_above_safety_stock_can_serve() -> None:
    decision = route([Line(1, "SKU-A", 3)], [place("EXACT", 1.0, {"SKU-A": 3})], POLICY)

    assert served(decision) == {"EXACT": [1]}


# --- exclusions ---------------------------------------------------------------------------------


def test_a_location_that_does_not_fulfil_orders_is_never_chosen() -> None:
    decision = route(
        ONE,
        [place("SHOWROOM", 0.5, {"SKU-A": 50}, fulfils=False), place("STORE", 40.0, {"SKU-A": 1})],
        POLICY,
    )

    assert served(decision) == {"STORE": [1]}
    assert only_reason(verdict(decision, "SHOWROOM")) == {"code": Reason.NOT_FULFILLING}
    assert "does not fulfil" in verdict(decision, "SHOWROOM").text


def test_a_location_with_no_job_capacity_left_today_is_never_chosen() -> None:
    decision = route(
        ONE,
        [
            place("FULL-DAY", 0.5, {"SKU-A": 50}, capacity_left=0, jobs_today=10),
            place("STORE", 40.0, {"SKU-A": 1}),
        ],
        POLICY,
    )

    assert served(decision) == {"STORE": [1]}
    assert only_reason(verdict(decision, "FULL-DAY")) == {
        "code": Reason.NO_CAPACITY,
        "jobs_today": 10,
    }
    assert "capacity" in verdict(decision, "FULL-DAY").text


def test_a_location_beyond_the_maximum_distance_is_never_chosen() -> None:
    policy = RoutingPolicy(distance_tolerance_km=5.0, max_distance_km=50.0)
    decision = route(
        ONE,
        [place("ABROAD", 60.0, {"SKU-A": 50}), place("EDGE", 50.0, {"SKU-A": 1})],
        policy,
    )

    assert served(decision) == {"EDGE": [1]}
    assert only_reason(verdict(decision, "ABROAD")) == {
        "code": Reason.TOO_FAR,
        "distance_km": 60.0,
    }
    assert "too far" in verdict(decision, "ABROAD").text
    assert "60.0 km" in verdict(decision, "ABROAD").text


def test_a_maximum_distance_of_zero_means_no_limit() -> None:
    decision = route(ONE, [place("REMOTE", 900.0, {"SKU-A": 1})], POLICY)

    assert served(decision) == {"REMOTE": [1]}


def test_warehouses_take_part_unless_the_policy_leaves_them_out() -> None:
    candidates = [
        place("DC", 1.0, {"SKU-A": 500}, kind="warehouse"),
        place("STORE", 30.0, {"SKU-A": 1}),
    ]

    assert served(route(ONE, candidates, POLICY)) == {"DC": [1]}
    without = route(ONE, candidates, RoutingPolicy(include_warehouses=False))
    assert served(without) == {"STORE": [1]}
    reason = only_reason(verdict(without, "DC"))
    assert reason["code"] in {Reason.NOT_FULFILLING, Reason.EXCLUDED}
    assert verdict(without, "DC").text


def test_a_location_that_already_failed_the_line_is_excluded_from_rerouting() -> None:
    decision = route(
        ONE,
        [place("SHORT-PICKED", 0.5, {"SKU-A": 50}), place("NEXT", 20.0, {"SKU-A": 1})],
        POLICY,
        excluded=frozenset({"SHORT-PICKED"}),
    )

    assert served(decision) == {"NEXT": [1]}
    reason = only_reason(verdict(decision, "SHORT-PICKED"))
    assert reason["code"] == Reason.EXCLUDED
    assert "already failed" in verdict(decision, "SHORT-PICKED").text


def test_when_every_candidate_is_excluded_the_lines_are_unserved() -> None:
    decision = route(
        ONE,
        [
            place("OFF", 1.0, {"SKU-A": 5}, fulfils=False),
            place("FULL", 2.0, {"SKU-A": 5}, capacity_left=0),
        ],
        POLICY,
    )

    assert decision.assignments == []
    assert decision.unserved == ONE
    assert not decision.complete


# --- splits -------------------------------------------------------------------------------------


def test_an_order_no_single_location_can_serve_is_split_over_two() -> None:
    decision = route(
        TWO,
        [place("HAS-A", 3.0, {"SKU-A": 5}), place("HAS-B", 7.0, {"SKU-B": 5})],
        POLICY,
    )

    assert served(decision) == {"HAS-A": [1], "HAS-B": [2]}
    assert decision.complete
    assert "split" in decision.summary
    assert verdict(decision, "HAS-A").won
    assert verdict(decision, "HAS-B").won
    assert "SKU-A" in verdict(decision, "HAS-A").text
    assert "SKU-B" in verdict(decision, "HAS-B").text


def test_a_split_prefers_the_location_covering_most_lines() -> None:
    lines = [Line(1, "SKU-A", 1), Line(2, "SKU-B", 1), Line(3, "SKU-C", 1)]
    decision = route(
        lines,
        [
            place("NEAR-ONE", 1.0, {"SKU-A": 9}),
            place("FAR-TWO", 20.0, {"SKU-A": 1, "SKU-B": 1}),
            place("HAS-C", 30.0, {"SKU-C": 1}),
        ],
        POLICY,
    )

    assert served(decision) == {"FAR-TWO": [1, 2], "HAS-C": [3]}
    loser = verdict(decision, "NEAR-ONE")
    assert codes(loser) == [Reason.PARTIAL, Reason.NO_STOCK, Reason.NO_STOCK]
    assert [r.get("sku") for r in loser.reasons[1:]] == ["SKU-B", "SKU-C"]
    assert "part of the order" in loser.text


def test_within_a_split_the_nearer_of_two_locations_holding_a_line_serves_it() -> None:
    decision = route(
        TWO,
        [
            place("FAR-A", 40.0, {"SKU-A": 9}),
            place("NEAR-A", 1.0, {"SKU-A": 9}),
            place("HAS-B", 10.0, {"SKU-B": 9}),
        ],
        POLICY,
    )

    assert served(decision) == {"NEAR-A": [1], "HAS-B": [2]}
    assert not verdict(decision, "FAR-A").won


def test_a_split_uses_as_few_locations_as_possible() -> None:
    # WIDE holds four of the six lines, but the other two sit in different places: taking it
    # first needs three shipments, while FIRST-HALF + SECOND-HALF serve everything in two.
    lines = [Line(n, f"SKU-{n}", 1) for n in range(1, 7)]
    decision = route(
        lines,
        [
            place("WIDE", 1.0, {"SKU-1": 5, "SKU-2": 5, "SKU-4": 5, "SKU-5": 5}),
            place("FIRST-HALF", 10.0, {"SKU-1": 5, "SKU-2": 5, "SKU-3": 5}),
            place("SECOND-HALF", 12.0, {"SKU-4": 5, "SKU-5": 5, "SKU-6": 5}),
        ],
        POLICY,
    )

    assert decision.complete
    assert served(decision) == {"FIRST-HALF": [1, 2, 3], "SECOND-HALF": [4, 5, 6]}


def test_lines_no_one_can_serve_are_unserved_while_the_rest_is_routed() -> None:
    decision = route(
        TWO,
        [place("HAS-A", 3.0, {"SKU-A": 5}), place("ALSO-A", 30.0, {"SKU-A": 5})],
        POLICY,
    )

    assert served(decision) == {"HAS-A": [1]}
    assert decision.unserved == [Line(2, "SKU-B", 1)]
    assert not decision.complete
    assert "part" in decision.summary
    assert not verdict(decision, "ALSO-A").won
    assert Reason.NO_STOCK in codes(verdict(decision, "ALSO-A"))


def test_nothing_available_anywhere_routes_nothing_and_says_why_for_each_location() -> None:
    decision = route(
        TWO,
        [place("EMPTY", 1.0), place("GUARDED", 2.0, {"SKU-A": 0}, held={"SKU-A": 3})],
        POLICY,
    )

    assert decision.assignments == []
    assert decision.unserved == TWO
    assert not decision.complete
    assert "no location" in decision.summary
    assert codes(verdict(decision, "EMPTY")) == [Reason.NO_STOCK, Reason.NO_STOCK]
    assert codes(verdict(decision, "GUARDED")) == [Reason.SAFETY_STOCK, Reason.NO_STOCK]
    assert all(not v.won for v in decision.verdicts)


def test_with_no_candidates_at_all_every_line_is_unserved() -> None:
    decision = route(TWO, [], POLICY)

    assert decision.assignments == []
    assert decision.unserved == TWO
    assert decision.verdicts == []


# --- verdicts, determinism, explanation ---------------------------------------------------------


def mixed_network() -> list[Candidate]:
    return [
        place("WINNER", 2.0, {"SKU-A": 5, "SKU-B": 5}),
        place("FARTHER", 30.0, {"SKU-A": 5, "SKU-B": 5}),
        place("SHALLOW", 3.0, {"SKU-A": 1, "SKU-B": 1}),
        place("BUSY", 2.5, {"SKU-A": 5, "SKU-B": 5}, jobs_today=9, capacity_left=1),
        place("GUARDED", 1.0, {"SKU-A": 0, "SKU-B": 5}, held={"SKU-A": 2}),
        place("EMPTY", 1.5),
        place("OFF", 0.1, {"SKU-A": 9, "SKU-B": 9}, fulfils=False),
        place("FULL", 0.2, {"SKU-A": 9, "SKU-B": 9}, capacity_left=0, jobs_today=10),
        place("DC", 0.3, {"SKU-A": 9, "SKU-B": 9}, kind="warehouse"),
        place("FAILED", 0.4, {"SKU-A": 9, "SKU-B": 9}),
        place("ABROAD", 900.0, {"SKU-A": 9, "SKU-B": 9}),
        place("NOWHERE", None, {"SKU-A": 9, "SKU-B": 9}),
    ]


MIXED_POLICY = RoutingPolicy(
    distance_tolerance_km=5.0, max_distance_km=500.0, include_warehouses=False
)
FAILED = frozenset({"FAILED"})


def test_every_candidate_gets_exactly_one_verdict_with_its_reason() -> None:
    decision = route(TWO, mixed_network(), MIXED_POLICY, FAILED)

    assert served(decision) == {"WINNER": [1, 2]}
    assert sorted(v.location for v in decision.verdicts) == sorted(c.code for c in mixed_network())
    expected = {
        "WINNER": [],
        "FARTHER": [Reason.FARTHER],
        "SHALLOW": [Reason.SHALLOWER],
        "BUSY": [Reason.BUSIER],
        "GUARDED": [Reason.SAFETY_STOCK],
        "EMPTY": [Reason.NO_STOCK, Reason.NO_STOCK],
        "OFF": [Reason.NOT_FULFILLING],
        "FULL": [Reason.NO_CAPACITY],
        "FAILED": [Reason.EXCLUDED],
        "ABROAD": [Reason.TOO_FAR],
        "NOWHERE": [Reason.FARTHER],
    }
    for code, reasons in expected.items():
        assert codes(verdict(decision, code)) == reasons, code
    assert codes(verdict(decision, "DC"))[0] in {Reason.NOT_FULFILLING, Reason.EXCLUDED}
    assert [v.location for v in decision.verdicts if v.won] == ["WINNER"]
    assert all(v.text for v in decision.verdicts)


def test_the_same_input_gives_the_same_decision() -> None:
    first = route(TWO, mixed_network(), MIXED_POLICY, FAILED)
    second = route(TWO, mixed_network(), MIXED_POLICY, FAILED)

    assert first == second
    assert first.explanation() == second.explanation()


@pytest.mark.parametrize("seed", range(6))
def test_the_order_candidates_arrive_in_does_not_change_the_decision(seed: int) -> None:
    network = mixed_network()
    baseline = route(TWO, network, MIXED_POLICY, FAILED).explanation()
    shuffled = list(network)
    random.Random(seed).shuffle(shuffled)

    assert route(TWO, shuffled, MIXED_POLICY, FAILED).explanation() == baseline


def test_a_split_does_not_depend_on_the_order_candidates_arrive_in() -> None:
    lines = [Line(1, "SKU-A", 1), Line(2, "SKU-B", 1), Line(3, "SKU-C", 1)]
    network = [
        place("A1", 1.0, {"SKU-A": 3}),
        place("A2", 1.0, {"SKU-A": 3}),
        place("BC1", 2.0, {"SKU-B": 3, "SKU-C": 3}),
        place("BC2", 2.0, {"SKU-B": 3, "SKU-C": 3}),
    ]
    decisions = {
        json.dumps(route(lines, list(order), POLICY).explanation(), sort_keys=True)
        for order in itertools.permutations(network)
    }

    assert len(decisions) == 1
    assert served(route(lines, network, POLICY)) == {"BC1": [2, 3], "A1": [1]}


def test_the_explanation_is_plain_json() -> None:
    decision = route(TWO, mixed_network(), MIXED_POLICY, FAILED)

    text = json.dumps(decision.explanation())
    back = json.loads(text)

    assert back["summary"] == decision.summary
    assert back["assignments"] == [{"location": "WINNER", "lines": [1, 2]}]
    assert back["unserved"] == []
    by_location = {c["location"]: c for c in back["candidates"]}
    assert by_location["WINNER"]["won"] is True
    assert by_location["WINNER"]["distance_km"] == 2.0
    assert by_location["NOWHERE"]["distance_km"] is None
    assert by_location["FARTHER"]["reasons"] == [
        {"code": "farther", "distance_km": 30.0, "winner_distance_km": 2.0}
    ]
    assert by_location["GUARDED"]["reasons"] == [
        {"code": "safety_stock", "sku": "SKU-A", "requested": 1, "available": 0}
    ]
    assert "safety stock" in by_location["GUARDED"]["text"]


def test_an_unserved_split_explanation_is_plain_json_too() -> None:
    lines = [Line(1, "SKU-A", 1), Line(2, "SKU-B", 1), Line(3, "SKU-Z", 2)]
    decision = route(
        lines,
        [place("HAS-A", 3.0, {"SKU-A": 5}), place("HAS-B", None, {"SKU-B": 5, "SKU-A": 0})],
        POLICY,
    )

    back = json.loads(json.dumps(decision.explanation()))

    assert back["assignments"] == [
        {"location": "HAS-A", "lines": [1]},
        {"location": "HAS-B", "lines": [2]},
    ]
    assert back["unserved"] == [{"line_no": 3, "sku": "SKU-Z", "qty": 2}]
