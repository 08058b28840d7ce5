"""Transfer suggestions for one reference, on a small network worked out by hand.

Policy defaults: a store keeps what 10 days (lead time 3 + review 7) of sales need; stock that
did not sell in the window, or lasts over 90 days, sleeps. The colour has 7 sizes.
"""

from __future__ import annotations

from ordersync.domain.analytics.demand import Rate
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.domain.analytics.rebalancing import Holding, Transfer, suggest_transfers

POLICY = ReportPolicy()


def held(sku: str, location: str, units: int, rate: Rate) -> Holding:
    return Holding(sku=sku, colour="noir", location=location, units=units, rate=rate,
                   sold=rate.units)  # fmt: skip


HOLDINGS = [
    # S1 sleeps at A (no sale in the window); B sells it and has none, C sells it faster.
    held("S1", "A", 6, Rate(0, 28)),
    held("S1", "B", 0, Rate(3, 10)),  # wants ceil(3) - 0 = 3
    held("S1", "C", 1, Rate(1, 2)),  # wants ceil(5) - 1 = 4, keeps all it has
    # S2 lasts 100 days at A (over 90): A keeps ceil(1) = 1, offers 9; B wants 4 - 2 = 2.
    held("S2", "A", 10, Rate(1, 10)),
    held("S2", "B", 2, Rate(2, 5)),
    # S3 lasts 30 days at A: not sleeping, nobody is served.
    held("S3", "A", 3, Rate(1, 10)),
    held("S3", "B", 0, Rate(1, 5)),
    # C holds two sizes of seven (S1, S4): a broken run. S4 does not sell there.
    held("S4", "C", 2, Rate(0, 28)),
    # D holds one size (S5), asleep; E sells it and has none.
    held("S5", "D", 4, Rate(0, 28)),
    held("S5", "E", 0, Rate(1, 5)),  # wants 2
]


def transfers() -> list[Transfer]:
    return suggest_transfers(HOLDINGS, {"noir": 7}, POLICY)


def test_sleeping_stock_goes_to_the_emptiest_store_where_it_sells_first() -> None:
    sleeping = [
        (t.sku, t.from_location, t.to_location, t.qty)
        for t in transfers()
        if t.reason == "sleeping_stock"
    ]
    assert sleeping == [
        ("S1", "A", "B", 3),
        ("S1", "A", "C", 3),
        ("S2", "A", "B", 2),
        ("S5", "D", "E", 2),
    ]


def test_covers_are_those_before_the_transfer() -> None:
    first = transfers()[0]
    assert first.from_cover is None  # sells nothing at A
    assert first.to_cover == 0
    s2 = next(t for t in transfers() if t.sku == "S2")
    assert (s2.from_cover, s2.to_cover) == (100, 5)


def test_broken_runs_go_to_the_store_holding_the_most_sizes() -> None:
    broken = [
        (t.sku, t.from_location, t.to_location, t.qty)
        for t in transfers()
        if t.reason == "broken_size_run"
    ]
    # C keeps its S1 (it sells: it needs 5) and sends S4; D sends what the sleeping transfer left.
    # A holds three sizes (S1, S2, S3); B holds one (S2) and is broken itself.
    assert broken == [("S4", "C", "A", 2), ("S5", "D", "A", 2)]


def test_nothing_moves_when_every_store_sells_what_it_holds() -> None:
    steady = [held(sku, store, 5, Rate(1, 2)) for sku in ("S1", "S2", "S3") for store in ("A", "B")]
    assert suggest_transfers(steady, {"noir": 3}, POLICY) == []


def test_a_store_never_sends_to_itself_and_never_more_than_it_has() -> None:
    for transfer in transfers():
        assert transfer.from_location != transfer.to_location
    sent: dict[tuple[str, str], int] = {}
    for transfer in transfers():
        key = (transfer.sku, transfer.from_location)
        sent[key] = sent.get(key, 0) + transfer.qty
    units = {(h.sku, h.location): h.units for h in HOLDINGS}
    assert all(qty <= units[key] for key, qty in sent.items())
