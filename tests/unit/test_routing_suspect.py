"""Routing around suspect records: under ``exclude`` a location is no candidate for the SKUs
whose record there is suspect (its other SKUs still count); under ``last`` such a record serves
only the lines no trusted record can, and every verdict says which record was suspect."""

from __future__ import annotations

from ordersync.contract import RoutingReason, SuspectRouting
from ordersync.domain.routing import Candidate, Line, RoutingDecision, RoutingPolicy, route

EXCLUDE = RoutingPolicy(suspect_positions=SuspectRouting.EXCLUDE)
LAST = RoutingPolicy(suspect_positions=SuspectRouting.LAST)
TWO = [Line(1, "SKU-A", 1), Line(2, "SKU-B", 1)]


def place(
    code: str, km: float, stock: dict[str, int], suspect: frozenset[str] = frozenset()
) -> Candidate:
    return Candidate(
        code=code,
        kind="store",
        fulfils=True,
        capacity_left=10,
        jobs_today=0,
        daily_capacity=10,
        distance_km=km,
        available=stock,
        suspect=suspect,
    )


def served(decision: RoutingDecision) -> dict[str, list[int]]:
    return {a.location: [line.line_no for line in a.lines] for a in decision.assignments}


def reasons(decision: RoutingDecision, code: str) -> list[object]:
    [verdict] = [v for v in decision.verdicts if v.location == code]
    return [r["code"] for r in verdict.reasons]


def test_excluded_for_one_sku_a_location_still_serves_the_others() -> None:
    near = place("NEAR", 1.0, {"SKU-A": 5, "SKU-B": 5}, frozenset({"SKU-A"}))
    far = place("FAR", 30.0, {"SKU-A": 5})
    decision = route(TWO, [near, far], EXCLUDE)
    assert served(decision) == {"NEAR": [2], "FAR": [1]}
    [suspect] = [v for v in decision.verdicts if v.location == "NEAR"]
    assert suspect.won
    assert suspect.reasons == []


def test_excluded_everywhere_a_line_is_unserved_and_the_verdict_says_why() -> None:
    only = place("ONLY", 1.0, {"SKU-A": 5}, frozenset({"SKU-A"}))
    decision = route([Line(1, "SKU-A", 1)], [only], EXCLUDE)
    assert not decision.complete
    assert reasons(decision, "ONLY") == [RoutingReason.SUSPECT_RECORD]


def test_ranked_last_a_trusted_split_beats_a_suspect_whole_order() -> None:
    # The nearest location holds the whole order, but its record of SKU-B is suspect.
    suspect = place("SUSPECT", 0.0, {"SKU-A": 5, "SKU-B": 5}, frozenset({"SKU-B"}))
    left = place("LEFT", 10.0, {"SKU-A": 5})
    right = place("RIGHT", 10.0, {"SKU-B": 5})
    decision = route(TWO, [suspect, left, right], LAST)
    assert decision.complete
    assert served(decision)["RIGHT"] == [2]
    assert 2 not in served(decision).get("SUSPECT", [])


def test_ranked_last_a_suspect_record_serves_what_no_trusted_one_can() -> None:
    suspect = place("SUSPECT", 0.0, {"SKU-A": 5}, frozenset({"SKU-A"}))
    trusted = place("TRUSTED", 50.0, {"SKU-B": 5})
    decision = route(TWO, [suspect, trusted], LAST)
    assert served(decision) == {"SUSPECT": [1], "TRUSTED": [2]}
    [winner] = [v for v in decision.verdicts if v.location == "SUSPECT"]
    assert [r["code"] for r in winner.reasons] == [RoutingReason.SUSPECT_RECORD]
    assert "suspect until counted" in winner.text
