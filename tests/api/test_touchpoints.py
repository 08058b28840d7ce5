"""The touchpoint reports over HTTP, on a week of orders counted by hand (both backends).

Stores A (Paris) and B (Lyon), warehouse WH; every item of the week costs 19.90 EUR and each is
stocked only where the scene wants it served from. Read on 9 March 2026 at 11:00 in Paris with
``days=6``: the window runs from Tuesday 3 to Sunday 8 March (ISO week 2026-W10). Times are UTC
(Paris is one hour ahead, the same date).

- #1 counter: A sells 1 on 2 March (before the window) and 1 on 9 March (today): not counted.
  On 3 March A sells 3, and 2 more that the same till voids; B sells 1.
- #3 web, home, from WH: 2 units, placed 3 Mar 09:00, shipped 11:00 (2 h).
- #4 web, home, from B: 1, placed 3 Mar 12:00, shipped 4 Mar 12:00 (24 h).
- #5 order in store at A, home, from WH: 1, placed 3 Mar 12:00, shipped 4 Mar 12:00 (24 h).
- #6 web, collect at A from A's shelf: 1, placed 4 Mar 14:00, collected 5 Mar 10:00 (20 h).
- #7 web, collect at A, sent by B: 1, placed 3 Mar 12:00, B ships 4 Mar 12:00, A hands the
  parcel over 5 Mar 10:00 (46 h).
- #8 order in store at A, collect at A from its shelf: 1, placed 4 Mar 14:00, collected 5 Mar
  10:00 (20 h).
- #9 web, home, one line from WH and one from B: placed 6 Mar 08:00, both shipped 12:00 (4 h).
- #10 web, home, from B: B cannot find it (not found) and nobody else has it: unfulfillable.
- #11 order in store at A, collect at A: prepared, then the customer cancels.
- #12 order in store at A, collect at A, two lines: A cannot find the first (not found, nobody
  else has it: unfulfillable), then the customer cancels the rest (one unit).

By hand: counter A 3, B 1; order in store A 2 (#5, #8); web from the warehouse 3 (#3, #9);
web from a store B 2 (#4, #9); click & collect A 2 (#6, #7): 13 units. Web units served from
stock: WH 3, B 3 (#4, #7, #9), A 1 (#6; #7 was a parcel): 7, 4 of them from stores. Orders
served: 7, of which #9 split (B and WH).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ordersync.contract import Role
from ordersync.db.ledger_tx import table_of
from ordersync.db.offer_tables import OfferLocationRow, OfferRow
from tests.support.job_api import JobShop
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem

PRICE = 1990
READ_AT = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
WINDOW = {"days": 6}


def _at(ledger: Ledger, day: int, hour: int) -> None:
    ledger.clock.set(datetime(2026, 3, day, hour, 0, tzinfo=UTC))


def _sell(ledger: Ledger, sku: str, location: str, qty: int) -> str:
    op_id = new_op_id()
    body = {"op_id": op_id, "lines": [{"kind": "sale", "sku": sku, "location": location,
                                       "qty": qty}]}  # fmt: skip
    reply = ledger.send("POST", "/v1/movements", body, ledger.headers(location))
    assert reply.status_code == 201, reply.text
    return op_id


def _stocked(ledger: Ledger, shop: JobShop, location: str, qty: int = 1) -> str:
    sku = ledger.new_sku("REF-TP")
    shop.receive(location, sku, qty)
    return sku


def _job_at(shop: JobShop, order: dict[str, Any], location: str) -> dict[str, Any]:
    [job] = [j for j in shop.get_order(order["id"])["jobs"] if j["location"] == location]
    found: dict[str, Any] = job
    return found


@pytest.fixture(scope="module")
def week(shared: Ledger) -> Ledger:
    ledger = shared
    shop = JobShop(ledger.client, ledger.network)
    _at(ledger, 2, 10)
    counter = ledger.new_sku("REF-TP")
    shop.receive("A", counter, 20)
    shop.receive("B", counter, 5)
    _sell(ledger, counter, "A", 1)
    skus = {name: _stocked(ledger, shop, "WH", 2) for name in ("x2",)}
    skus |= {name: _stocked(ledger, shop, "WH") for name in ("x4", "x8")}
    skus |= {name: _stocked(ledger, shop, "B") for name in ("x3", "x6", "x9", "x10")}
    skus |= {name: _stocked(ledger, shop, "A") for name in ("x5", "x7", "x11", "x12", "x13")}
    store_a = shop.headers("A")

    _at(ledger, 3, 9)
    _sell(ledger, counter, "A", 3)
    voided = _sell(ledger, counter, "A", 2)
    reply = ledger.send(
        "POST", "/v1/voids", {"op_id": new_op_id(), "sale_op_id": voided}, ledger.headers("A")
    )
    assert reply.status_code == 201, reply.text
    _sell(ledger, counter, "B", 1)
    three = shop.order([(skus["x2"], 2)])
    _at(ledger, 3, 11)
    shop.walk(_job_at(shop, three, "WH"), "picking", "picked", "packed", "shipped")

    _at(ledger, 3, 12)
    four = shop.order([(skus["x3"], 1)])
    five = shop.order([(skus["x4"], 1)], channel="store", headers=store_a)
    seven = shop.order([(skus["x6"], 1)], collect_at="A")
    _at(ledger, 4, 12)
    for order, location in ((four, "B"), (five, "WH"), (seven, "B")):
        shop.walk(_job_at(shop, order, location), "picking", "picked", "packed", "shipped")

    _at(ledger, 4, 14)
    six = shop.order([(skus["x5"], 1)], collect_at="A")
    eight = shop.order([(skus["x7"], 1)], channel="store", collect_at="A", headers=store_a)
    _at(ledger, 5, 10)
    for order in (six, eight):
        shop.walk(_job_at(shop, order, "A"), "picking", "picked", "ready", "collected")
    shop.walk(_job_at(shop, seven, "A"), "ready", "collected")

    _at(ledger, 6, 8)
    nine = shop.order([(skus["x8"], 1), (skus["x9"], 1)])
    ten = shop.order([(skus["x10"], 1)])
    eleven = shop.order([(skus["x11"], 1)], channel="store", collect_at="A", headers=store_a)
    twelve = shop.order(
        [(skus["x12"], 1), (skus["x13"], 1)], channel="store", collect_at="A", headers=store_a
    )
    _at(ledger, 6, 12)
    for location in ("WH", "B"):
        shop.walk(_job_at(shop, nine, location), "picking", "picked", "packed", "shipped")
    rejected = shop.reject(_job_at(shop, ten, "B"), reason="not_found")
    assert rejected.status_code == 200, rejected.text
    assert [line["state"] for line in shop.get_order(ten["id"])["lines"]] == ["unfulfillable"]
    job = shop.walk(_job_at(shop, eleven, "A"), "picking", "picked", "ready")
    cancelled = shop.move(job, "cancelled", reason="customer_cancelled")
    assert cancelled.status_code == 200, cancelled.text
    job = shop.walk(_job_at(shop, twelve, "A"), "picking")
    rejected = shop.reject(job, reason="not_found")
    assert rejected.status_code == 200, rejected.text
    job = shop.walk(job, "picked")
    cancelled = shop.move(job, "cancelled", reason="customer_cancelled")
    assert cancelled.status_code == 200, cancelled.text
    assert [line["state"] for line in shop.get_order(twelve["id"])["lines"]] == [
        "unfulfillable",
        "cancelled",
    ]

    ledger.clock.set(READ_AT)
    _sell(ledger, counter, "A", 1)
    return ledger


def read(ledger: Ledger, report: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    reply = ledger.send(
        "GET", f"/v1/reports/{report}", headers=headers, params={**WINDOW, **params}
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def manager(ledger: Ledger, location: str = "A") -> dict[str, str]:
    return ledger.headers(location, Role.MANAGER)


def _rows(body: dict[str, Any], *fields: str) -> list[tuple[Any, ...]]:
    return [tuple(row[field] for field in fields) for row in body["rows"]]


# --- sales by touchpoint -----------------------------------------------------------------------


def test_the_network_sales_by_touchpoint_and_day_are_the_hand_counted_ones(week: Ledger) -> None:
    body = read(week, "touchpoint-sales")

    assert (body["start"], body["end"], body["by"], body["currency"]) == (
        "2026-03-03", "2026-03-08", "day", "EUR",
    )  # fmt: skip
    assert _rows(body, "period", "location", "touchpoint", "units") == [
        ("2026-03-03", "A", "counter_sale", 3),
        ("2026-03-03", "B", "counter_sale", 1),
        ("2026-03-03", "WH", "web_from_warehouse", 2),
        ("2026-03-04", "A", "order_in_store", 1),
        ("2026-03-04", "B", "web_from_store", 1),
        ("2026-03-05", "A", "order_in_store", 1),
        ("2026-03-05", "A", "click_and_collect", 2),
        ("2026-03-06", "B", "web_from_store", 1),
        ("2026-03-06", "WH", "web_from_warehouse", 1),
    ]
    assert all(row["value_minor"] == row["units"] * PRICE for row in body["rows"])
    assert [(t["touchpoint"], t["units"], t["value_minor"]) for t in body["totals"]] == [
        ("counter_sale", 4, 4 * PRICE),
        ("order_in_store", 2, 2 * PRICE),
        ("web_from_warehouse", 3, 3 * PRICE),
        ("web_from_store", 2, 2 * PRICE),
        ("web_drop_ship", 0, 0),
        ("click_and_collect", 2, 2 * PRICE),
    ]
    assert body["totals"][0]["unit_share"] == round(4 / 13, 4)


def test_by_week_the_window_is_one_iso_week(week: Ledger) -> None:
    body = read(week, "touchpoint-sales", by="week")

    assert _rows(body, "period", "start", "location", "touchpoint", "units") == [
        ("2026-W10", "2026-03-02", "A", "counter_sale", 3),
        ("2026-W10", "2026-03-02", "A", "order_in_store", 2),
        ("2026-W10", "2026-03-02", "A", "click_and_collect", 2),
        ("2026-W10", "2026-03-02", "B", "counter_sale", 1),
        ("2026-W10", "2026-03-02", "B", "web_from_store", 2),
        ("2026-W10", "2026-03-02", "WH", "web_from_warehouse", 3),
    ]


def test_a_store_manager_reads_its_own_store_and_no_other(week: Ledger) -> None:
    own = read(week, "touchpoint-sales", manager(week), by="week")
    assert own["location"] == "A"
    assert _rows(own, "touchpoint", "units") == [
        ("counter_sale", 3),
        ("order_in_store", 2),
        ("click_and_collect", 2),
    ]

    other = week.send(
        "GET", "/v1/reports/touchpoint-sales", headers=manager(week), params={"location": "B"}
    )
    assert_problem(other, 403)
    associate = week.send(
        "GET", "/v1/reports/touchpoint-sales", headers=week.headers("A", Role.ASSOCIATE)
    )
    assert_problem(associate, 403)


def test_an_admin_reads_any_one_store(week: Ledger) -> None:
    body = read(week, "touchpoint-sales", location="B", by="week")
    assert _rows(body, "location", "touchpoint", "units") == [
        ("B", "counter_sale", 1),
        ("B", "web_from_store", 2),
    ]


# --- store contribution, split rate ------------------------------------------------------------


def test_store_contribution_counts_what_each_location_served_for_web_orders(week: Ledger) -> None:
    body = read(week, "store-contribution")

    assert (body["web_units"], body["store_units"], body["store_share"]) == (7, 4, 0.5714)
    assert _rows(
        body, "location", "kind", "shipped_units", "shipped_value_minor", "collected_units",
        "parcel_units", "web_share",
    ) == [
        ("B", "store", 3, 3 * PRICE, 0, 0, 0.4286),
        ("WH", "warehouse", 3, 3 * PRICE, 0, 0, 0.4286),
        ("A", "store", 0, 0, 1, 1, 0.1429),
    ]  # fmt: skip


def test_the_split_rate_is_the_share_of_orders_served_from_two_places(week: Ledger) -> None:
    body = read(week, "split-rate")
    assert (body["orders"], body["split_orders"], body["split_rate"]) == (7, 1, 0.1429)
    assert _rows(body, "location", "orders", "split_orders") == [
        ("A", 2, 0),
        ("B", 3, 1),
        ("WH", 3, 1),
    ]

    store = read(week, "split-rate", manager(week, "B"))
    assert (store["orders"], store["split_orders"], store["split_rate"]) == (3, 1, 0.3333)
    assert _rows(store, "location") == [("B",)]


# --- time to customer, cancellations ---------------------------------------------------------


def test_time_to_customer_per_touchpoint_store_and_stage(week: Ledger) -> None:
    body = read(week, "time-to-customer")

    assert _rows(body, "touchpoint", "location", "stage", "count", "median_hours",
                 "p90_hours") == [
        ("order_in_store", "A", "collected", 1, 20.0, 20.0),
        ("order_in_store", "A", "shipped", 1, 24.0, 24.0),
        ("web_from_warehouse", "WH", "shipped", 2, 3.0, 3.8),
        ("web_from_store", "B", "shipped", 2, 14.0, 22.0),
        ("click_and_collect", "A", "collected", 2, 33.0, 43.4),
    ]  # fmt: skip


def test_cancellations_and_short_picks_by_reason_and_store(week: Ledger) -> None:
    body = read(week, "cancellations")

    # #12's job cancelled one unit: its other line was a short pick, counted as such
    assert _rows(body, "location", "source", "reason", "count", "units") == [
        ("A", "job", "customer_cancelled", 2, 2),
        ("A", "order_line", "customer_cancelled", 2, 2),
        (None, "order_line", "unfulfillable", 1, 1),
        ("A", "job_line", "not_found", 1, 1),
        ("A", "order_line", "unfulfillable", 1, 1),
        ("B", "job_line", "not_found", 1, 1),
    ]
    store = read(week, "cancellations", manager(week, "B"))
    assert _rows(store, "location", "source", "reason") == [("B", "job_line", "not_found")]


# --- windows -----------------------------------------------------------------------------------


def test_a_shorter_window_leaves_the_earlier_days_out(week: Ledger) -> None:
    body = read(week, "touchpoint-sales", days=3)  # 6, 7 and 8 March
    assert _rows(body, "period", "location", "touchpoint", "units") == [
        ("2026-03-06", "B", "web_from_store", 1),
        ("2026-03-06", "WH", "web_from_warehouse", 1),
    ]


def test_the_default_window_is_the_shared_one(week: Ledger) -> None:
    reply = week.send("GET", "/v1/reports/split-rate")
    assert reply.status_code == 200, reply.text
    assert (reply.json()["start"], reply.json()["end"]) == ("2026-02-09", "2026-03-08")


def test_offers_read_without_competitive_allocation_say_nothing(week: Ledger) -> None:
    assert read(week, "offers", days=1)["rows"] == []


# --- claims and offers -------------------------------------------------------------------------

OFFERS = table_of(OfferRow)
OFFER_LOCATIONS = table_of(OfferLocationRow)


def _offered(ledger: Ledger, day: int, answers: dict[str, tuple[str, int | None]]) -> None:
    """An offer made on ``day`` of March at 10:00 to the stores of ``answers``: how it ended
    for each, and after how many minutes the store answered."""
    made = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
    offer_id = new_op_id()
    won = [code for code, (state, _) in answers.items() if state == "won"]
    with ledger.network.engine.begin() as connection:
        connection.execute(
            OFFERS.insert().values(
                id=offer_id, order_id=new_op_id(), round=1,
                state="claimed" if won else "expired", lines="[]", created_at=made,
                expires_at=made + timedelta(hours=2), claimed_by=won[0] if won else None,
            )
        )  # fmt: skip
        for rank, (code, (state, minutes)) in enumerate(answers.items(), start=1):
            answered = None if minutes is None else made + timedelta(minutes=minutes)
            connection.execute(
                OFFER_LOCATIONS.insert().values(
                    offer_id=offer_id, location=code, rank=rank, state=state, answered_at=answered
                )
            )


@pytest.fixture(scope="module")
def offers(week: Ledger) -> Ledger:
    """By hand: A received 4 in the window, won 2 (after 30 and 60 minutes), lost 1, let 1
    expire; B received 4, won 1 (10 minutes), lost 2, let 1 expire. The offer of 2 March is
    before the window."""
    _offered(week, 2, {"A": ("won", 5), "B": ("lost", None)})
    _offered(week, 4, {"A": ("won", 30), "B": ("lost", None)})
    _offered(week, 5, {"A": ("lost", None), "B": ("won", 10)})
    _offered(week, 6, {"A": ("expired", None), "B": ("expired", None)})
    _offered(week, 7, {"A": ("won", 60), "B": ("lost", None)})
    return week


def test_offers_per_store_are_the_hand_counted_ones(offers: Ledger) -> None:
    body = read(offers, "offers")
    assert _rows(body, "location", "received", "claimed", "lost", "expired", "open",
                 "median_minutes_to_claim") == [
        ("A", 4, 2, 1, 1, 0, 45.0),
        ("B", 4, 1, 2, 1, 0, 10.0),
    ]  # fmt: skip

    store = read(offers, "offers", manager(offers, "B"))
    assert _rows(store, "location", "received", "claimed") == [("B", 4, 1)]
