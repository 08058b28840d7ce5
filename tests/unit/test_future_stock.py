"""Future stock as rules: which incoming units a line may be promised (policy, horizon, sources,
who may serve), which win (the collection store's, then the soonest, then the nearest), the date
promised, the sentences that explain it, and the ``[future_stock]`` policy table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ordersync.contract import DocumentKind, Order, RoutingReason
from ordersync.domain.future_stock import (
    FuturePlan,
    FutureStockPolicy,
    IncomingSource,
    IncomingUnits,
    counts,
    document_text,
    plan_incoming,
    prefaced,
    promise_date,
    short_text,
    with_future,
)
from ordersync.domain.routing import Candidate, Line, RoutingPolicy, route
from ordersync.services.routing_policy import PolicyError, parse_policy
from storeapp.i18n import Translator, active, use
from storeapp.services.orders import OrderOutcome, OrderStatus
from storeapp.wording.orders import Tone, awaiting_lines, routing_reason

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTING = RoutingPolicy()
POLICY = FutureStockPolicy()


def days(n: float) -> datetime:
    return NOW + timedelta(days=n)


def units(
    location: str,
    free: int,
    until: datetime,
    *,
    document: str | None = None,
    sku: str = "S1",
    kind: DocumentKind = DocumentKind.DELIVERY,
    source: str = "LISE",
    source_kind: IncomingSource = IncomingSource.SUPPLIER,
) -> IncomingUnits:
    return IncomingUnits(
        document_kind=kind,
        document_id=document or f"doc-{location}-{until:%d}",
        location=location,
        sku=sku,
        free=free,
        source=source,
        source_kind=source_kind,
        expected_until=until,
        expected_day=until.date(),
    )


def place(
    code: str, km: float | None, *, fulfils: bool = True, kind: str = "store", capacity: int = 5
) -> Candidate:
    return Candidate(
        code=code,
        kind=kind,
        fulfils=fulfils,
        capacity_left=capacity,
        jobs_today=0,
        daily_capacity=10,
        distance_km=km,
    )


def shipping(distance: float | None) -> int:
    return 1 if (distance or 0.0) <= 50 else 2


def plan(
    lines: list[Line],
    pool: list[IncomingUnits],
    places: list[Candidate],
    policy: FutureStockPolicy = POLICY,
    collect_at: str | None = None,
    excluded: frozenset[str] = frozenset(),
) -> tuple[list[FuturePlan], list[Line]]:
    return plan_incoming(lines, pool, places, ROUTING, policy, NOW, shipping, collect_at, excluded)


ONE = [Line(1, "S1", 1)]
PLACES = [place("A", 2.0), place("B", 390.0), place("WH", 10.0, kind="warehouse")]


# --- what the policy lets count --------------------------------------------------------------


def test_units_count_within_the_horizon_from_an_allowed_source_when_enabled() -> None:
    assert counts(units("A", 1, days(21)), POLICY, NOW)
    assert not counts(units("A", 1, days(21) + timedelta(seconds=1)), POLICY, NOW)
    assert not counts(units("A", 1, days(1)), FutureStockPolicy(enabled=False), NOW)
    stores_only = FutureStockPolicy(sources=frozenset({IncomingSource.STORE}))
    assert not counts(units("A", 1, days(1)), stores_only, NOW)
    transfer = units("A", 1, days(1), source="B", source_kind=IncomingSource.STORE)
    assert counts(transfer, stores_only, NOW)


def test_a_late_document_still_counts_and_is_promised_from_now() -> None:
    late = units("A", 1, days(-2))
    assert counts(late, POLICY, NOW)
    assert promise_date(late.expected_until, NOW, 2, at_counter=False) == days(2)
    assert promise_date(days(3), NOW, 2, at_counter=True) == days(3)


# --- which units win -------------------------------------------------------------------------


def test_the_soonest_arrival_wins_then_the_nearest() -> None:
    pool = [units("A", 1, days(5)), units("B", 1, days(3)), units("WH", 1, days(3))]
    [chosen], unserved = plan(ONE, pool, PLACES)
    assert unserved == []
    assert chosen.units.location == "WH"  # as soon as B's, and nearer
    assert chosen.promised_at == days(3) + timedelta(days=1)


def test_the_collection_stores_own_delivery_wins_even_when_later() -> None:
    pool = [units("A", 1, days(8)), units("B", 1, days(2))]
    [chosen], _ = plan(ONE, pool, PLACES, collect_at="A")
    assert (chosen.units.location, chosen.at_counter, chosen.distance_km) == ("A", True, 0.0)
    assert chosen.promised_at == days(8)  # handed over where it arrives: no shipment


def test_a_collection_store_that_does_not_ship_may_still_hand_over_its_own_delivery() -> None:
    closed = [place("A", 0.0, fulfils=False, capacity=0)]
    [chosen], _ = plan(ONE, [units("A", 1, days(2))], closed, collect_at="A")
    assert chosen.at_counter
    refused, unserved = plan(ONE, [units("A", 1, days(2))], closed)
    assert (refused, unserved) == ([], ONE)


@pytest.mark.parametrize(
    "places",
    [
        pytest.param([place("B", 390.0, fulfils=False)], id="does-not-fulfil"),
        pytest.param([place("B", 390.0, capacity=0)], id="no-capacity"),
        pytest.param([], id="unknown-location"),
    ],
)
def test_units_at_a_location_routing_would_leave_out_are_not_promised(
    places: list[Candidate],
) -> None:
    assert plan(ONE, [units("B", 5, days(2))], places) == ([], ONE)


def test_a_location_that_already_failed_the_line_is_not_promised_again() -> None:
    assert plan(ONE, [units("B", 5, days(2))], PLACES, excluded=frozenset({"B"})) == ([], ONE)


def test_units_too_few_for_the_line_or_promised_to_an_earlier_line_are_not_promised() -> None:
    two = [Line(1, "S1", 2), Line(2, "S2", 1), Line(3, "S1", 1)]
    pool = [units("A", 2, days(2)), units("B", 1, days(4), sku="S2")]
    plans, unserved = plan(two, pool, PLACES)
    assert [(p.line.line_no, p.units.location) for p in plans] == [(1, "A"), (2, "B")]
    assert unserved == [Line(3, "S1", 1)]
    assert plan([Line(1, "S1", 3)], pool, PLACES) == ([], [Line(1, "S1", 3)])


# --- what a person reads ---------------------------------------------------------------------


def test_the_documents_are_named_with_their_place_and_day() -> None:
    day = date(2026, 12, 12)
    assert (
        document_text(DocumentKind.DELIVERY, "LISE", "PAR01", day)
        == "the delivery expected at PAR01 on 12 Dec"
    )
    assert (
        document_text(DocumentKind.TRANSFER, "LYO01", "PAR01", day)
        == "the transfer from LYO01 expected at PAR01 on 12 Dec"
    )
    short = short_text(DocumentKind.DELIVERY, "LISE", "PAR01", day, missing=1, cancelled=False)
    assert short == "the delivery expected at PAR01 on 12 Dec came 1 short"
    called_off = short_text(DocumentKind.TRANSFER, "LYO01", "PAR01", day, missing=2, cancelled=True)
    assert called_off == "the transfer from LYO01 expected at PAR01 on 12 Dec was cancelled"
    taken = short_text(DocumentKind.DELIVERY, "LISE", "PAR01", day, missing=0, cancelled=False)
    assert taken.endswith("arrived, but its units are no longer free at PAR01")


def test_the_decision_shows_the_waiting_line_won_by_where_its_units_arrive() -> None:
    lines = [Line(1, "S1", 1), Line(2, "S2", 1)]
    shelf_a = Candidate("A", "store", True, 5, 0, 10, 2.0, available={"S1": 3})
    shelf = route(lines, [shelf_a, place("B", 390.0)], ROUTING)
    assert [line.line_no for line in shelf.unserved] == [2]
    plans, unserved = plan([Line(2, "S2", 1)], [units("B", 1, days(3), sku="S2")], PLACES)

    decision = with_future(shelf, plans, unserved)

    assert decision.complete
    assert [(a.location, [ln.line_no for ln in a.lines]) for a in decision.assignments] == [
        ("A", [1]),
        ("B", [2]),
    ]
    assert decision.summary == (
        "A serves S1 from the shelf; line 2 (S2) waits for incoming stock, "
        "from the delivery expected at B on 5 Mar"
    )
    verdicts = {v.location: v for v in decision.verdicts}
    assert [verdicts["A"].won, verdicts["B"].won] == [True, True]
    assert verdicts["B"].text == "serves S2 from the delivery expected at B on 5 Mar"
    [reason] = verdicts["B"].reasons
    assert reason["code"] == RoutingReason.FUTURE_STOCK
    assert reason["expected_at"] == "2026-03-05T09:00:00+00:00"
    assert decision.explanation()["unserved"] == []
    again = prefaced(decision, "the delivery expected at A on 4 Mar came 1 short")
    assert again.summary.startswith("the delivery expected at A on 4 Mar came 1 short: A serves")


def test_a_line_nobody_can_serve_even_later_is_said_so() -> None:
    shelf = route(ONE, PLACES, ROUTING)
    decision = with_future(shelf, [], ONE)
    assert not decision.complete
    assert decision.summary == "nobody can serve line 1 (S1)"


# --- the policy table ------------------------------------------------------------------------


def test_the_future_stock_table_is_read_with_its_defaults() -> None:
    assert parse_policy("").future_stock == FutureStockPolicy()
    read = parse_policy(
        '[future_stock]\nenabled = false\nhorizon_days = 7\nsources = ["warehouse"]\n'
    ).future_stock
    assert read == FutureStockPolicy(
        enabled=False, horizon_days=7, sources=frozenset({IncomingSource.WAREHOUSE})
    )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        pytest.param("future_stock = true\n", "write it as [future_stock]", id="not-a-table"),
        pytest.param("[future_stock]\nenabled = 1\n", "future_stock.enabled", id="bad-bool"),
        pytest.param(
            "[future_stock]\nhorizon_days = -1\n", "future_stock.horizon_days", id="negative"
        ),
        pytest.param(
            "[future_stock]\nhorizon_days = 2.5\n", "future_stock.horizon_days", id="fraction"
        ),
        pytest.param("[future_stock]\nsources = []\n", "future_stock.sources", id="no-source"),
        pytest.param('[future_stock]\nsources = "store"\n', "future_stock.sources", id="text"),
        pytest.param('[future_stock]\nsources = ["shop"]\n', "'shop'", id="unknown-source"),
        pytest.param("[future_stock]\nsources = [1]\n", "future_stock.sources", id="number"),
        pytest.param("[future_stock]\nhorizon = 3\n", "future_stock.horizon", id="unknown-key"),
    ],
)
def test_a_bad_future_stock_table_is_refused_naming_the_key(content: str, said: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(content, "my-policy.toml")
    assert said in str(refused.value)
    assert "my-policy.toml" in str(refused.value)


# --- what the store app shows ----------------------------------------------------------------


def _waiting_order() -> Order:
    hold = {
        "order_line_no": 2,
        "sku": "S2",
        "qty": 1,
        "location": "A",
        "document_kind": "delivery",
        "document_id": "01a251b1-a87b-7f39-aee3-ec36c0a71ede",
        "expected_at": "2026-12-12T11:00:00Z",
        "state": "open",
        "created_at": "2026-12-01T09:00:00Z",
    }
    return Order.model_validate(
        {
            "id": "01a251b1-a87b-7f39-aee3-ec36c0a71edf",
            "channel": "store",
            "state": "open",
            "external_ref": None,
            "placed_by": "A",
            "customer": {"name": "Camille Martin"},
            "delivery": {"kind": "collect", "collect_at": "A"},
            "lines": [
                {"line_no": 1, "sku": "S1", "qty": 2, "state": "routed"},
                {"line_no": 2, "sku": "S2", "qty": 1, "state": "awaiting_stock"},
            ],
            "jobs": [],
            "routing": [],
            "created_at": "2026-12-01T09:00:00Z",
            "promised_by": "2026-12-12T11:00:00Z",
            "holds": [hold],
        }
    )


TIMES = "\u00d7"


@pytest.mark.parametrize(
    ("language", "heading", "line"),
    [
        (
            "en_GB",
            "Waiting for incoming stock:",
            f"  1 {TIMES} S2: awaiting stock, expected 12 Dec",
        ),
        (
            "fr_FR",
            "En attente de stock à venir :",
            f"  1 {TIMES} S2 : en attente de stock, attendu le 12 déc.",
        ),
    ],
)
def test_the_store_shows_a_waiting_line_with_the_day_it_is_expected(
    language: str, heading: str, line: str
) -> None:
    order = _waiting_order()
    outcome = OrderOutcome(OrderStatus.PLACED, order.id, [("S1", 2)], order=order)
    before = active()
    use(Translator(language, "Europe/Paris"))
    try:
        shown = awaiting_lines(outcome)
        reason = routing_reason({"code": "future_stock", "expected_at": "2026-12-12T11:00:00Z"})
    finally:
        use(before)
    assert [(s.text, s.tone) for s in shown] == [(heading, Tone.HEADING), (line, Tone.PLAIN)]
    assert reason == line.split(": ")[-1].split(" : ")[-1]
    nothing = OrderOutcome(
        OrderStatus.PLACED,
        order.id,
        [("S1", 2)],
        order=order.model_copy(update={"lines": order.lines[:1], "holds": []}),
    )
    assert awaiting_lines(nothing) == []
