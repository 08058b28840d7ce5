"""The sales-intelligence reports over HTTP, on a small history worked out by hand.

The history (store-local times, Paris) is posted through ``/v1/movements`` with the times it
happened; the reports are read on 3 March 2026 at 10:00, so the 28-day window runs from
3 February to 2 March.

- S1 (REF-1, 49.90) at A: 10 received on 1 February; 4 sold on 10 February, 6 on 20 February;
  empty since. In stock 18 days (3-20 February), 10 sold: 5/9 a day; out 10 days, ongoing.
- S2 (REF-1, 90C) at A: 5 received on 1 February, never sold (sleeping).
- S1 at B: 3 received on 1 February, one sold on each of 25, 26 and 27 February; out 3 days.
- S2 at B: 2 received on 1 February, both sold on 15 February; out since.
- S3 (REF-2) at A: 5 received on 1 February; three orders on 2 March: one shipped (5 hours
  after it was assigned), one short-picked (nowhere else holds S3: unfulfillable), one placed by
  store B for a customer and still assigned.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ordersync.contract import Role
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem

READ_AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
ROUTES = (
    "sales-trend?reference=REF-1",
    "cover",
    "stockout-risk",
    "stockouts",
    "replenishment",
    "rebalancing?reference=REF-1",
    "kpis",
)


def _at(ledger: Ledger, moment: str, lines: list[dict[str, Any]]) -> None:
    reply = ledger.send(
        "POST", "/v1/movements", {"op_id": new_op_id(), "occurred_at": moment, "lines": lines}
    )
    assert reply.status_code == 201, reply.text


def _line(kind: str, sku: str, location: str, qty: int) -> dict[str, Any]:
    return {"kind": kind, "sku": sku, "location": location, "qty": qty}


def _order(ledger: Ledger, headers: dict[str, str], channel: str) -> dict[str, Any]:
    body = {
        "op_id": new_op_id(),
        "channel": channel,
        "lines": [{"sku": "S3", "qty": 1}],
        "customer": {"name": "Camille Martin", "email": "camille@example.org"},
        "delivery": {
            "kind": "home",
            "address": "1 rue de Rivoli, Paris",
            "latitude": 48.85,
            "longitude": 2.35,
        },
    }
    reply = ledger.send("POST", "/v1/orders", body, headers)
    assert reply.status_code == 201, reply.text
    order: dict[str, Any] = reply.json()
    return order


def _move(ledger: Ledger, job_id: str, to: str, **extra: Any) -> None:
    body = {"op_id": new_op_id(), "to": to, **extra}
    reply = ledger.send("POST", f"/v1/jobs/{job_id}/transitions", body)
    assert reply.status_code == 200, reply.text


@pytest.fixture(scope="module")
def history(shared: Ledger) -> Iterator[Ledger]:
    ledger = shared
    _at(
        ledger,
        "2026-02-01T10:00:00+01:00",
        [
            _line("receipt", "S1", "A", 10),
            _line("receipt", "S2", "A", 5),
            _line("receipt", "S3", "A", 5),
            _line("receipt", "S1", "B", 3),
            _line("receipt", "S2", "B", 2),
        ],
    )
    _at(ledger, "2026-02-10T15:00:00+01:00", [_line("sale", "S1", "A", 4)])
    _at(ledger, "2026-02-15T11:00:00+01:00", [_line("sale", "S2", "B", 2)])
    _at(ledger, "2026-02-20T18:00:00+01:00", [_line("sale", "S1", "A", 6)])
    for day in (25, 26, 27):
        _at(ledger, f"2026-02-{day}T12:00:00+01:00", [_line("sale", "S1", "B", 1)])

    ledger.clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    shipped = _order(ledger, ledger.admin, "web")["jobs"][0]["id"]
    short = _order(ledger, ledger.admin, "web")["jobs"][0]["id"]
    _order(ledger, ledger.headers("B", Role.ASSOCIATE), "store")
    ledger.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    _move(ledger, shipped, "picking")
    reply = ledger.send(
        "POST",
        f"/v1/jobs/{short}/lines/1/reject",
        {"op_id": new_op_id(), "reason": "not_found"},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["rerouted_to"] is None
    _move(ledger, shipped, "picked")
    _move(ledger, shipped, "packed", parcels=1, weight_grams=300)
    ledger.clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    _move(ledger, shipped, "shipped", tracking="TRK-1")
    ledger.clock.set(READ_AT)
    return ledger


def read(ledger: Ledger, route: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    reply = ledger.send("GET", f"/v1/reports/{route}", headers=headers, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def manager(ledger: Ledger, location: str = "A") -> dict[str, str]:
    return ledger.headers(location, Role.MANAGER)


# --- who may read what -------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_associates_may_not_read_reports(history: Ledger, route: str) -> None:
    reply = history.send("GET", f"/v1/reports/{route}", headers=history.headers("A"))
    assert_problem(reply, 403, "forbidden")


@pytest.mark.parametrize("route", ROUTES)
def test_a_manager_reads_its_own_store(history: Ledger, route: str) -> None:
    reply = history.send("GET", f"/v1/reports/{route}", headers=manager(history))
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize("route", [r for r in ROUTES if "rebalancing" not in r])
def test_a_manager_may_not_read_another_store(history: Ledger, route: str) -> None:
    separator = "&" if "?" in route else "?"
    reply = history.send(
        "GET", f"/v1/reports/{route}{separator}location=B", headers=manager(history)
    )
    assert_problem(reply, 403, "forbidden")


def test_an_admin_reads_any_store(history: Ledger) -> None:
    body = read(history, "stockouts", history.admin, location="B")
    assert body["location"] == "B"
    assert {row["sku"] for row in body["rows"]} == {"S1", "S2"}


@pytest.mark.parametrize(
    ("route", "params", "status", "slug"),
    [
        ("cover", {"location": "ZZ"}, 422, "unknown-location"),
        ("cover", {"location": "a"}, 422, "validation"),
        ("cover", {"limit": 0}, 422, "validation"),
        ("stockouts", {"days": 366}, 422, "validation"),
        ("replenishment", {"service_level": 100}, 422, "validation"),
        ("sales-trend", {}, 422, "validation"),
        ("sales-trend", {"reference": "NOPE"}, 404, "unknown-reference"),
        ("sales-trend", {"reference": "REF-1", "days": 10, "recent_days": 6}, 422, None),
        ("rebalancing", {"reference": "../x"}, 422, "validation"),
        ("rebalancing", {"reference": "NOPE"}, 404, "unknown-reference"),
        ("kpis", {"days": 0}, 422, "validation"),
    ],
)
def test_bad_parameters_are_problems(
    history: Ledger, route: str, params: dict[str, Any], status: int, slug: str | None
) -> None:
    reply = history.send("GET", f"/v1/reports/{route}", headers=history.admin, params=params)
    assert_problem(reply, status, slug)


# --- what the reports say ----------------------------------------------------------------------


def test_sales_trend_of_a_store(history: Ledger) -> None:
    body = read(history, "sales-trend", manager(history), reference="REF-1")
    assert (body["start"], body["end"]) == ("2026-02-03", "2026-03-02")
    assert body["name"] == "Item S1"
    rows = {row["sku"]: row for row in body["rows"]}
    assert set(rows) == {"S1", "S2"}
    s1 = rows["S1"]
    assert s1["location"] == "A"
    assert len(s1["series"]) == 28
    assert [i for i, units in enumerate(s1["series"]) if units] == [7, 17]  # 10 and 20 Feb
    assert (s1["series"][7], s1["series"][17], s1["total"]) == (4, 6, 10)
    # last 7 days (24 Feb - 2 Mar) against the 7 before (17-23 Feb)
    assert (s1["recent_units"], s1["previous_units"], s1["change_pct"]) == (0, 6, -100.0)
    assert rows["S2"]["series"] == [0] * 28
    assert rows["S2"]["change_pct"] is None
    assert body["series"] == s1["series"]


def test_an_admin_sees_the_trend_of_the_whole_network(history: Ledger) -> None:
    body = read(history, "sales-trend", history.admin, reference="REF-1", days=14, recent_days=3)
    assert (body["start"], body["end"]) == ("2026-02-17", "2026-03-02")
    assert {(row["sku"], row["location"]) for row in body["rows"]} == {
        ("S1", "A"),
        ("S2", "A"),
        ("S1", "B"),
        ("S2", "B"),
    }
    # 20 Feb: 6 at A; 25, 26, 27 Feb: 1 at B
    assert body["series"] == [0, 0, 0, 6, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0]


def test_cover_and_risk_at_a_store(history: Ledger) -> None:
    body = read(history, "cover", manager(history))
    assert (body["as_of"], body["rate_days"]) == ("2026-03-03", 28)
    rows = {row["sku"]: row for row in body["rows"]}
    s1 = rows["S1"]
    # 5/9 a day, nothing left: empty today; next review Monday 9 March + 3 days
    assert s1["daily_rate"] == 0.556
    assert s1["days_of_cover"] == 0.0
    assert (s1["stockout_by"], s1["next_replenishment"]) == ("2026-03-03", "2026-03-12")
    assert s1["at_risk"]
    # S3: 1 sold in 28 in-stock days; 4 on hand, 1 reserved for B's order: 3 / (1/28) = 84 days
    assert rows["S3"]["days_of_cover"] == 84.0
    assert rows["S3"]["available"] == 3
    assert not rows["S3"]["at_risk"]
    assert rows["S2"]["daily_rate"] == 0.0
    assert rows["S2"]["days_of_cover"] is None
    assert [row["sku"] for row in body["rows"]] == ["S1", "S3", "S2"]

    risk = read(history, "stockout-risk", manager(history))
    assert [row["sku"] for row in risk["rows"]] == ["S1"]
    # with a 90-day lead time the next delivery comes on 7 June, after S3's 84 days (26 May)
    longer = read(history, "stockout-risk", manager(history), lead_time_days=90)
    assert [(row["sku"], row["stockout_by"]) for row in longer["rows"]] == [
        ("S1", "2026-03-03"),
        ("S3", "2026-05-26"),
    ]
    assert longer["rows"][1]["next_replenishment"] == "2026-06-07"


def test_stockouts_and_lost_sales(history: Ledger) -> None:
    body = read(history, "stockouts", manager(history))
    assert (body["start"], body["end"], body["currency"]) == ("2026-02-03", "2026-03-02", "EUR")
    [row] = body["rows"]
    assert row["sku"] == "S1"
    assert (row["first_day"], row["last_day"], row["days_out"]) == ("2026-02-21", "2026-03-02", 10)
    assert row["ongoing"]
    # 5/9 a day for 10 days = 5.56 units at 49.90
    assert row["lost_units"] == 5.56
    assert row["lost_value_minor"] == 27722
    assert body["lost_value_minor"] == 27722

    at_b = read(history, "stockouts", history.admin, location="B", days=7)
    rows = {row["sku"]: row for row in at_b["rows"]}
    # 24 Feb - 2 Mar: S1 sold 3 in 4 in-stock days, out 3 days; S2 out all 7 days, no rate
    assert (rows["S1"]["days_out"], rows["S1"]["lost_value_minor"]) == (3, round(4990 * 9 / 4))
    assert (rows["S2"]["days_out"], rows["S2"]["lost_value_minor"]) == (7, 0)


def test_replenishment_orders_up_to_the_level(history: Ledger) -> None:
    body = read(history, "replenishment", manager(history))
    rows = {row["sku"]: row for row in body["rows"]}
    s1 = rows["S1"]
    # 18 in-stock days: 4 and 6 sold, 16 days of nothing: rate 5/9, sample spread 1.653;
    # safety 1.645 * 1.653 * sqrt(10) = 8.60 -> 9; S = ceil(5.56 + 8.60) = 15; nothing on hand
    assert (s1["safety_units"], s1["order_up_to"], s1["suggested_qty"]) == (9, 15, 15)
    assert (s1["lead_time_days"], s1["review_days"]) == (3, 7)
    # S2 never sold; S3: 1/28 a day, S = ceil(10/28 + 1.645 * 0.189 * 3.162) = ceil(1.34) = 2,
    # while 3 units are still for sale: nothing to order
    assert set(rows) == {"S1"}
    # a 7-day lead time and 99 % service: safety 2.326 * 1.653 * sqrt(14) = 14.39 -> 15,
    # S = ceil(14 * 5/9 + 14.39) = ceil(22.17) = 23
    strict = read(history, "replenishment", manager(history), lead_time_days=7, service_level=99)
    [s1] = strict["rows"]
    assert (s1["safety_units"], s1["order_up_to"], s1["suggested_qty"]) == (15, 23, 23)


def test_rebalancing_moves_sleeping_stock_to_where_it_sells(history: Ledger) -> None:
    body = read(history, "rebalancing", history.admin, reference="REF-1")
    moves = [
        (row["sku"], row["from_location"], row["to_location"], row["qty"], row["reason"])
        for row in body["rows"]
    ]
    # S2 sleeps at A (5, no sale); B sold 2 in 13 in-stock days and wants ceil(10 * 2/13) = 2
    assert moves == [("S2", "A", "B", 2, "sleeping_stock")]
    assert body["rows"][0]["from_days_of_cover"] is None
    assert body["rows"][0]["to_days_of_cover"] == 0.0
    assert read(history, "rebalancing", manager(history, "B"), reference="REF-1") == body


def test_network_kpis(history: Ledger) -> None:
    body = read(history, "kpis", history.admin, days=7)
    assert (body["start"], body["end"]) == ("2026-02-24", "2026-03-02")
    # shipped, unfulfillable, still routed: 1 fulfilled of 2 ended
    assert (body["order_lines"], body["lines_fulfilled"], body["fill_rate"]) == (3, 1, 0.5)
    assert (body["store_orders"], body["store_orders_value_minor"]) == (1, 4990)
    assert body["avg_assign_to_ship_hours"] == 5.0
    [at_a] = body["locations"]
    assert at_a == {
        "location": "A",
        "jobs": 3,
        "job_lines": 3,
        "lines_rejected": 1,
        "rejection_rate": 0.3333,
        "avg_assign_to_ship_hours": 5.0,
    }
    # B's manager sees the order its store placed, and no jobs of its own
    at_b = read(history, "kpis", manager(history, "B"), days=7)
    assert (at_b["order_lines"], at_b["store_orders"]) == (1, 1)
    assert at_b["locations"] == [
        {
            "location": "B",
            "jobs": 0,
            "job_lines": 0,
            "lines_rejected": 0,
            "rejection_rate": None,
            "avg_assign_to_ship_hours": None,
        }
    ]
    # yesterday alone holds them all; a week later they are out of the window
    assert read(history, "kpis", history.admin, days=1)["order_lines"] == 3
    history.clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    try:
        later = read(history, "kpis", history.admin, days=7)
    finally:
        history.clock.set(READ_AT)
    assert (later["order_lines"], later["locations"]) == (0, [])
