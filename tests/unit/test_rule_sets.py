"""Rule sets as a policy: the set an order's attributes choose, each filter and sort key of a
rule, split allowed or refused, the chain of rules with its promise tolerance, the explanation
naming the rule set and rule, and the default rule set routing exactly as before rule sets."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest

from ordersync.contract import Channel, DeliveryKind, LocationKind
from ordersync.contract import RoutingReason as Reason
from ordersync.domain.routing import (
    Candidate,
    Line,
    RoutingDecision,
    RoutingPolicy,
    Verdict,
    policy_rule,
    route,
)
from ordersync.domain.rule_sets import (
    Conditions,
    OrderProfile,
    RuleSet,
    choose,
    default_rule_set,
    region_of,
    route_by_rules,
)
from ordersync.domain.rules import Filters, Rule, SortKey
from ordersync.services.routing_policy import default_policy_text, parse_policy

POLICY = RoutingPolicy()
ONE = [Line(1, "A", 1)]
TWO = [Line(1, "A", 1), Line(2, "B", 1)]
BEST = timedelta(days=1)


def place(
    code: str,
    km: float | None,
    stock: dict[str, int] | None = None,
    *,
    kind: str = "store",
    groups: frozenset[str] = frozenset(),
    cost: int = 0,
    sales: dict[str, float] | None = None,
    jobs_today: int = 0,
    capacity_left: int = 10,
) -> Candidate:
    return Candidate(
        code=code,
        kind=kind,
        fulfils=True,
        capacity_left=capacity_left,
        jobs_today=jobs_today,
        daily_capacity=10,
        distance_km=km,
        available=dict(stock or {}),
        groups=groups,
        ship_cost_minor=cost,
        daily_sales=dict(sales or {}),
    )


def delay(decision: RoutingDecision, candidates: list[Candidate]) -> timedelta:
    """As the ledger promises: 1 day within 50 km, 2 beyond, one more when split."""
    far = {c.code: c.distance_km or 0.0 for c in candidates}
    sources = [a.location for a in decision.assignments]
    days = 1 if max(far[s] for s in sources) <= 50 else 2
    return timedelta(days=days + (1 if len(sources) > 1 else 0))


def rules(*chain: Rule, name: str = "web") -> RuleSet:
    return RuleSet(name, Conditions(), chain)


def routed(lines: list[Line], candidates: list[Candidate], *chain: Rule) -> RoutingDecision:
    return route_by_rules(lines, candidates, POLICY, rules(*chain), delay, BEST)


def winner(decision: RoutingDecision) -> str:
    [assignment] = decision.assignments
    return assignment.location


def verdict(decision: RoutingDecision, code: str) -> Verdict:
    [found] = [v for v in decision.verdicts if v.location == code]
    return found


def reason(decision: RoutingDecision, code: str) -> dict[str, object]:
    found = verdict(decision, code)
    assert not found.won
    return found.reasons[0]


# --- conditions choose the rule set -----------------------------------------------------------

ORDER = OrderProfile(
    channel=Channel.WEB,
    delivery=DeliveryKind.HOME,
    value_minor=12_000,
    references=frozenset({"BRA-1"}),
    region="75",
)


@pytest.mark.parametrize(
    ("conditions", "met"),
    [
        (Conditions(), True),
        (Conditions(channels=frozenset({Channel.WEB})), True),
        (Conditions(channels=frozenset({Channel.STORE})), False),
        (Conditions(delivery=frozenset({DeliveryKind.HOME})), True),
        (Conditions(delivery=frozenset({DeliveryKind.COLLECT})), False),
        (Conditions(min_value_minor=12_000), True),
        (Conditions(min_value_minor=12_001), False),
        (Conditions(max_value_minor=12_000), True),
        (Conditions(max_value_minor=11_999), False),
        (Conditions(references=frozenset({"BRA-1", "X"})), True),
        (Conditions(references=frozenset({"X"})), False),
        (Conditions(regions=frozenset({"75", "92"})), True),
        (Conditions(regions=frozenset({"69"})), False),
        (
            Conditions(channels=frozenset({Channel.WEB}), regions=frozenset({"69"})),
            False,
        ),
    ],
)
def test_an_order_meets_a_rule_set_when_it_meets_every_condition_set(
    conditions: Conditions, met: bool
) -> None:
    assert conditions.met_by(ORDER) is met


def test_a_destination_without_a_postal_code_meets_no_region_condition() -> None:
    unknown = replace(ORDER, region=None)
    assert not Conditions(regions=frozenset({"75"})).met_by(unknown)
    assert Conditions(channels=frozenset({Channel.WEB})).met_by(unknown)


def test_the_first_rule_set_met_routes_the_order_and_none_met_leaves_the_default() -> None:
    paris = RuleSet("paris", Conditions(regions=frozenset({"75"})), (Rule(),))
    web = RuleSet("web", Conditions(channels=frozenset({Channel.WEB})), (Rule(),))
    assert choose([paris, web], ORDER) == paris
    assert choose([web, paris], ORDER) == web
    assert choose([paris], replace(ORDER, region="69")) is None
    # An order whose attributes are unknown meets only a rule set without conditions.
    anything = RuleSet("any", Conditions(), (Rule(),))
    assert choose([paris, anything], None) == anything


@pytest.mark.parametrize(
    ("postal_code", "region"),
    [
        ("75001", "75"),
        ("01000", "01"),
        ("69 002", "69"),
        ("20000", "2A"),
        ("20167", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97400", "974"),
        ("97122", "971"),
        ("98800", "988"),
        (None, None),
        ("", None),
        ("7500", None),
        ("750011", None),
        ("7500A", None),
    ],
)
def test_the_region_is_the_department_of_the_postal_code(
    postal_code: str | None, region: str | None
) -> None:
    assert region_of(postal_code) == region


# --- filters ------------------------------------------------------------------------------------


def test_a_rule_asks_only_the_location_kinds_it_names() -> None:
    candidates = [place("WH", 1.0, {"A": 9}, kind="warehouse"), place("S", 40.0, {"A": 1})]
    stores = Rule(name="stores", filters=Filters(kinds=frozenset({LocationKind.STORE})))
    decision = routed(ONE, candidates, stores)
    assert winner(decision) == "S"
    assert reason(decision, "WH")["code"] == Reason.NOT_FULFILLING
    assert verdict(decision, "WH").text == "warehouses are left out by the policy"


def test_a_rule_asks_only_the_locations_of_its_groups() -> None:
    candidates = [
        place("NEAR", 1.0, {"A": 5}, groups=frozenset({"outlet"})),
        place("FAR", 30.0, {"A": 5}, groups=frozenset({"paris", "flagship"})),
    ]
    paris = Rule(name="paris", filters=Filters(groups=frozenset({"paris"})))
    decision = routed(ONE, candidates, paris)
    assert winner(decision) == "FAR"
    assert reason(decision, "NEAR") == {"code": Reason.NOT_IN_GROUP, "groups": ["paris"]}
    assert verdict(decision, "NEAR").text == "in none of the groups paris"


def test_a_rule_asks_no_location_farther_than_its_distance() -> None:
    candidates = [place("NEAR", 10.0, {"A": 1}), place("FAR", 80.0, {"A": 9})]
    near = Rule(name="near", filters=Filters(max_distance_km=50.0))
    decision = routed(ONE, candidates, near)
    assert winner(decision) == "NEAR"
    assert reason(decision, "FAR") == {"code": Reason.TOO_FAR, "distance_km": 80.0}


def test_a_rule_may_keep_units_above_safety_stock_on_every_sku() -> None:
    candidates = [place("THIN", 1.0, {"A": 2}), place("DEEP", 30.0, {"A": 5})]
    keep = Rule(name="keep two", filters=Filters(min_units_left=2))
    decision = routed(ONE, candidates, keep)
    assert winner(decision) == "DEEP"
    assert reason(decision, "THIN") == {
        "code": Reason.BELOW_MIN_UNITS,
        "sku": "A",
        "requested": 1,
        "available": 2,
        "min_units_left": 2,
    }
    assert verdict(decision, "THIN").text == "A would keep fewer than 2 units (2 free of 1)"


def test_a_rule_may_ask_for_more_capacity_left_today() -> None:
    candidates = [place("BUSY", 1.0, {"A": 5}, capacity_left=2), place("FREE", 9.0, {"A": 5})]
    roomy = Rule(name="roomy", filters=Filters(min_capacity_left=3))
    decision = routed(ONE, candidates, roomy)
    assert winner(decision) == "FREE"
    assert reason(decision, "BUSY")["code"] == Reason.NO_CAPACITY


# --- sort keys ------------------------------------------------------------------------------------


def test_distance_ranks_the_nearest_first_beyond_the_tolerance() -> None:
    candidates = [place("NEAR", 2.0, {"A": 1}), place("FAR", 20.0, {"A": 9})]
    decision = routed(ONE, candidates, Rule(sort=(SortKey.DISTANCE, SortKey.STOCK_DEPTH)))
    assert winner(decision) == "NEAR"
    assert reason(decision, "FAR")["code"] == Reason.FARTHER


def test_stock_depth_ranks_the_deepest_first() -> None:
    candidates = [place("NEAR", 2.0, {"A": 1}), place("FAR", 20.0, {"A": 9})]
    decision = routed(ONE, candidates, Rule(sort=(SortKey.STOCK_DEPTH, SortKey.DISTANCE)))
    assert winner(decision) == "FAR"
    assert reason(decision, "NEAR") == {
        "code": Reason.SHALLOWER,
        "left_after": 0,
        "winner_left_after": 8,
    }


def test_days_of_cover_ranks_the_longest_cover_first() -> None:
    # DEEP holds more units but sells them fast: 9 left at 3 a day is 3 days; SLOW keeps 4 at
    # one every other day, 8 days.
    candidates = [
        place("DEEP", 2.0, {"A": 10}, sales={"A": 3.0}),
        place("SLOW", 2.0, {"A": 5}, sales={"A": 0.5}),
    ]
    decision = routed(ONE, candidates, Rule(sort=(SortKey.DAYS_OF_COVER,)))
    assert winner(decision) == "SLOW"
    assert reason(decision, "DEEP") == {
        "code": Reason.LESS_COVER,
        "days_left": 3.0,
        "winner_days_left": 8.0,
    }
    assert "fewer days of cover (3.0 against 8.0)" in verdict(decision, "DEEP").text


def test_a_sku_that_does_not_sell_there_has_endless_cover() -> None:
    candidates = [place("SELLS", 2.0, {"A": 50}, sales={"A": 1.0}), place("IDLE", 2.0, {"A": 2})]
    decision = routed(ONE, candidates, Rule(sort=(SortKey.DAYS_OF_COVER,)))
    assert winner(decision) == "IDLE"
    assert reason(decision, "SELLS")["winner_days_left"] is None


def test_load_ranks_the_least_busy_first() -> None:
    candidates = [place("BUSY", 2.0, {"A": 9}, jobs_today=8), place("CALM", 30.0, {"A": 1})]
    decision = routed(ONE, candidates, Rule(sort=(SortKey.LOAD,)))
    assert winner(decision) == "CALM"
    assert reason(decision, "BUSY")["code"] == Reason.BUSIER


def test_cost_ranks_the_cheapest_first() -> None:
    candidates = [place("DEAR", 2.0, {"A": 9}, cost=900), place("CHEAP", 30.0, {"A": 1}, cost=450)]
    decision = routed(ONE, candidates, Rule(sort=(SortKey.COST, SortKey.DISTANCE)))
    assert winner(decision) == "CHEAP"
    assert reason(decision, "DEAR") == {
        "code": Reason.COSTLIER,
        "cost_minor": 900,
        "winner_cost_minor": 450,
    }


# --- split ----------------------------------------------------------------------------------------

HALVES = [place("HAS-A", 2.0, {"A": 1}), place("HAS-B", 3.0, {"B": 1})]


def test_a_rule_that_splits_serves_the_order_from_several_locations() -> None:
    decision = routed(TWO, HALVES, Rule(name="split"))
    assert decision.complete
    assert sorted(a.location for a in decision.assignments) == ["HAS-A", "HAS-B"]


def test_a_rule_that_does_not_split_serves_nothing_when_no_one_location_can() -> None:
    decision = route(TWO, HALVES, POLICY, rule=Rule(name="whole", split=False))
    assert decision.assignments == []
    assert decision.unserved == TWO
    assert [r["code"] for r in verdict(decision, "HAS-A").reasons] == [
        Reason.SPLIT_REFUSED,
        Reason.NO_STOCK,
    ]


# --- chaining with the promise tolerance ----------------------------------------------------------


def test_a_rule_that_cannot_serve_passes_the_order_to_the_next() -> None:
    candidates = [place("S", 5.0, {"A": 0}), place("WH", 30.0, {"A": 9}, kind="warehouse")]
    stores = Rule(name="stores", filters=Filters(kinds=frozenset({LocationKind.STORE})))
    anyone = Rule(name="anyone")
    decision = routed(ONE, candidates, stores, anyone)
    assert winner(decision) == "WH"
    assert decision.rule == "anyone"
    [passed] = decision.rules_tried
    assert passed["rule"] == "stores"
    assert passed["code"] == Reason.RULE_PASSED
    assert passed["why"] == Reason.NO_STOCK
    assert passed["unserved"] == [1]


def test_the_chain_plus_two_days_then_plus_five_days() -> None:
    # Only FAR (beyond 50 km: promised a day after the best) holds the whole order; splitting
    # over the near halves would add a day too.
    candidates = [*HALVES, place("FAR", 300.0, {"A": 1, "B": 1})]
    chain = (
        Rule(name="same day", promise_tolerance_days=0),
        Rule(name="plus two", promise_tolerance_days=2, sort=(SortKey.STOCK_DEPTH,)),
        Rule(name="plus five", promise_tolerance_days=5),
    )
    decision = routed(TWO, candidates, *chain)
    assert winner(decision) == "FAR"
    assert decision.rule == "plus two"
    [passed] = decision.rules_tried
    assert passed["rule"] == "same day"
    assert passed["why"] == Reason.PROMISE_TOO_LATE
    assert (passed["days_late"], passed["tolerance_days"]) == (1, 0)


def test_a_plan_later_than_every_tolerance_is_refused() -> None:
    candidates = [place("FAR", 300.0, {"A": 1})]
    decision = routed(ONE, candidates, Rule(name="today", promise_tolerance_days=0))
    assert decision.assignments == []
    assert decision.unserved == ONE
    assert decision.rule is None
    assert reason(decision, "FAR") == {
        "code": Reason.PROMISE_TOO_LATE,
        "days_late": 1,
        "tolerance_days": 0,
    }


def test_when_no_rule_serves_the_whole_order_the_widest_plan_is_kept() -> None:
    candidates = [place("HAS-A", 2.0, {"A": 1})]
    whole = Rule(name="whole", split=False)
    parts = Rule(name="parts")
    decision = routed(TWO, candidates, whole, parts)
    assert [a.location for a in decision.assignments] == ["HAS-A"]
    assert decision.unserved == [TWO[1]]
    assert decision.rule == "parts"
    assert [t["rule"] for t in decision.rules_tried] == ["whole"]


# --- the explanation ------------------------------------------------------------------------------


def test_the_explanation_names_the_rule_set_the_rule_and_the_rules_passed() -> None:
    candidates = [place("S", 5.0, {"A": 0}), place("WH", 30.0, {"A": 9}, kind="warehouse")]
    stores = Rule(name="stores", filters=Filters(kinds=frozenset({LocationKind.STORE})))
    decision = route_by_rules(
        ONE, candidates, POLICY, rules(stores, Rule(name="anyone"), name="web"), delay, BEST
    )
    explained = decision.explanation()
    assert explained["rule_set"] == "web"
    assert explained["rule"] == "anyone"
    assert [t["rule"] for t in explained["rules_tried"]] == ["stores"]  # type: ignore[attr-defined]
    assert (
        explained["summary"] == 'rule set "web", rule "anyone": WH ships the whole order (30.0 km)'
    )
    texts = {c["location"]: c["text"] for c in explained["candidates"]}  # type: ignore[attr-defined]
    assert texts["S"] == "no stock of A (0 of 1)"


# --- the default is today's routing ---------------------------------------------------------------


def _network(rng: random.Random) -> list[Candidate]:
    return [
        Candidate(
            code=f"L{n}",
            kind=rng.choice(["store", "store", "warehouse"]),
            fulfils=rng.random() > 0.1,
            capacity_left=rng.choice([0, 1, 5]),
            jobs_today=rng.randint(0, 9),
            daily_capacity=10,
            distance_km=rng.choice([None, rng.uniform(0, 120)]),
            available={sku: rng.randint(-1, 3) for sku in "ABC" if rng.random() > 0.3},
            held_by_safety={sku: rng.randint(0, 2) for sku in "ABC"},
        )
        for n in range(rng.randint(1, 7))
    ]


@pytest.mark.parametrize(
    "policy",
    [
        RoutingPolicy(),
        RoutingPolicy(distance_tolerance_km=0.0),
        RoutingPolicy(include_warehouses=False),
        RoutingPolicy(max_distance_km=60.0, distance_tolerance_km=20.0),
    ],
)
@pytest.mark.parametrize("seed", range(40))
def test_the_default_rule_set_routes_exactly_as_the_policy_did(
    policy: RoutingPolicy, seed: int
) -> None:
    rng = random.Random(seed)
    lines = [Line(n, sku, rng.randint(1, 2)) for n, sku in enumerate("ABC"[: rng.randint(1, 3)], 1)]
    candidates = _network(rng)
    before = route(lines, candidates, policy).explanation()
    by_rules = route_by_rules(
        lines, candidates, policy, default_rule_set(policy), delay, BEST, named=False
    ).explanation()
    assert by_rules.pop("rule_set") == "default"
    assert by_rules.pop("rule") == "default"
    assert by_rules.pop("rules_tried") == []
    assert by_rules == before


def test_the_default_written_in_the_packaged_file_is_the_one_the_ledger_builds() -> None:
    written = "\n".join(
        line.removeprefix("# ").split("#")[0]
        for line in default_policy_text()
        .split("# [[rule_sets]]", 1)[1]
        .split("\n#\n", 1)[0]
        .splitlines()
    )
    document = parse_policy("[[rule_sets]]" + written, "uncommented default")
    assert document.rule_sets == (default_rule_set(RoutingPolicy()),)
    assert document.rule_sets[0].rules == (policy_rule(RoutingPolicy()),)
