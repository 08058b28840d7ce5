"""The return-rate report over HTTP, on a small history worked out by hand (both backends).

Read on 3 March 2026 at 10:00 in Paris: the 28-day window runs from 3 February to 2 March.

- REF-1 (S1, S2). Sold at A: 4 + 2 of S1 (10 and 20 Feb), 1 of S2 (12 Feb); at B: 2 of S1
  (15 Feb). Returned at A: S1 wrong size (12 Feb), S1 faulty (21 Feb), S2 wrong size (13 Feb);
  at B: S1 wrong size (16 Feb). Outside the window: an S1 return at A on 2 Feb and one today.
- REF-2 (S3). Sold at A: 2 (14 Feb); returned at A: 1 changed mind (20 Feb).

So A: REF-1 3 returned of 7 sold (2 wrong size, 1 faulty), REF-2 1 of 2. The network: REF-1 4 of
9. Returns are never negative sales: the sales trend still says 7 sold at A.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ordersync.contract import Role
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem

READ_AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _moved(ledger: Ledger, moment: str, kind: str, sku: str, location: str, qty: int) -> None:
    line = {"kind": kind, "sku": sku, "location": location, "qty": qty}
    body = {"op_id": new_op_id(), "occurred_at": moment, "lines": [line]}
    reply = ledger.send("POST", "/v1/movements", body)
    assert reply.status_code == 201, reply.text


def _returned(ledger: Ledger, moment: str, sku: str, location: str, reason: str) -> None:
    body = {
        "op_id": new_op_id(),
        "location": location,
        "occurred_at": moment,
        "lines": [{"sku": sku, "qty": 1, "reason": reason}],
    }
    reply = ledger.send("POST", "/v1/returns", body, ledger.headers(location))
    assert reply.status_code == 201, reply.text


@pytest.fixture(scope="module")
def history(shared: Ledger) -> Ledger:
    ledger = shared
    for sku, location, qty in (("S1", "A", 10), ("S2", "A", 5), ("S3", "A", 5), ("S1", "B", 5)):
        _moved(ledger, "2026-02-01T10:00:00+01:00", "receipt", sku, location, qty)
    for moment, sku, location, qty in (
        ("2026-02-10T15:00:00+01:00", "S1", "A", 4),
        ("2026-02-12T11:00:00+01:00", "S2", "A", 1),
        ("2026-02-14T11:00:00+01:00", "S3", "A", 2),
        ("2026-02-15T11:00:00+01:00", "S1", "B", 2),
        ("2026-02-20T18:00:00+01:00", "S1", "A", 2),
    ):
        _moved(ledger, moment, "sale", sku, location, qty)
    ledger.clock.set(READ_AT)
    for moment, sku, location, reason in (
        ("2026-02-02T12:00:00+01:00", "S1", "A", "faulty"),  # before the window
        ("2026-02-12T16:00:00+01:00", "S1", "A", "wrong_size"),
        ("2026-02-13T16:00:00+01:00", "S2", "A", "wrong_size"),
        ("2026-02-16T16:00:00+01:00", "S1", "B", "wrong_size"),
        ("2026-02-20T19:00:00+01:00", "S3", "A", "changed_mind"),
        ("2026-02-21T16:00:00+01:00", "S1", "A", "faulty"),
        ("2026-03-03T09:30:00+01:00", "S1", "A", "faulty"),  # today: not a complete day
    ):
        _returned(ledger, moment, sku, location, reason)
    return ledger


def read(ledger: Ledger, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    reply = ledger.send("GET", "/v1/reports/returns", headers=headers, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def manager(ledger: Ledger, location: str = "A") -> dict[str, str]:
    return ledger.headers(location, Role.MANAGER)


def test_a_store_managers_return_rates_most_returned_first(history: Ledger) -> None:
    body = read(history, manager(history))
    assert body["location"] == "A"
    assert body["days"] == 28
    assert body["since"] == "2026-02-02T23:00:00Z"  # 3 February, midnight in Paris
    assert body["rows"] == [
        {
            "reference": "REF-1",
            "name": "Item S1",
            "sold_units": 7,
            "returned_units": 3,
            "return_rate": 0.4286,
            "by_reason": {"wrong_size": 2, "faulty": 1},
        },
        {
            "reference": "REF-2",
            "name": "Item S3",
            "sold_units": 2,
            "returned_units": 1,
            "return_rate": 0.5,
            "by_reason": {"changed_mind": 1},
        },
    ]


def test_head_office_reads_the_whole_network_or_one_store(history: Ledger) -> None:
    network = read(history, history.admin)
    assert network["location"] is None
    ref_1 = network["rows"][0]
    assert (ref_1["reference"], ref_1["sold_units"], ref_1["returned_units"]) == ("REF-1", 9, 4)
    assert ref_1["by_reason"] == {"wrong_size": 3, "faulty": 1}
    store_b = read(history, history.admin, location="B")
    assert [(r["reference"], r["sold_units"], r["returned_units"]) for r in store_b["rows"]] == [
        ("REF-1", 2, 1)
    ]


def test_a_shorter_window_and_a_row_limit(history: Ledger) -> None:
    # 24 February to 2 March: no return, nothing to report
    assert read(history, manager(history), days=7)["rows"] == []
    body = read(history, manager(history), days=28, limit=1)
    assert [row["reference"] for row in body["rows"]] == ["REF-1"]


def test_returns_are_not_negative_sales(history: Ledger) -> None:
    trend = read_trend(history)
    assert sum(row["total"] for row in trend["rows"]) == 7


def read_trend(ledger: Ledger) -> dict[str, Any]:
    reply = ledger.send(
        "GET", "/v1/reports/sales-trend", headers=manager(ledger), params={"reference": "REF-1"}
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def test_who_may_read_it(history: Ledger) -> None:
    assert_problem(
        history.send("GET", "/v1/reports/returns", headers=history.headers("A")), 403, "forbidden"
    )
    other = history.send(
        "GET", "/v1/reports/returns", headers=manager(history), params={"location": "B"}
    )
    assert_problem(other, 403, "forbidden")


@pytest.mark.parametrize(
    ("params", "status", "slug"),
    [
        ({"location": "ZZ"}, 422, "unknown-location"),
        ({"location": "a b"}, 422, "validation"),
        ({"days": 0}, 422, "validation"),
        ({"days": 366}, 422, "validation"),
        ({"limit": 0}, 422, "validation"),
    ],
)
def test_bad_parameters_are_problems(
    history: Ledger, params: dict[str, Any], status: int, slug: str
) -> None:
    reply = history.send("GET", "/v1/reports/returns", headers=history.admin, params=params)
    assert_problem(reply, status, slug)
