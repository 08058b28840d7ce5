"""Voided counter sales over the API, on both backends: the stock, the day's sales and the
demand figures end as if the sale had never happened; who may void which sale, and when; a sale
is voided once, whichever way the void arrives.

The ledger's clock stands at 2026-03-02 09:00 UTC, 10:00 in Paris where store A is. Every
device of the module's ledger is ``test-device`` except the second till issued here.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from ordersync.contract import Role
from ordersync.db.ledger_tx import MOVEMENTS
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem

ANOTHER_TILL = "till-2"


def _sell(
    ledger: Ledger,
    sku: str,
    qty: int,
    *,
    at: str | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """A counter sale at A; returns its receipt reference (its operation id)."""
    sale_op_id = new_op_id()
    body: dict[str, Any] = {
        "op_id": sale_op_id,
        "lines": [{"kind": "sale", "sku": sku, "location": "A", "qty": qty}],
    }
    if at is not None:
        body["occurred_at"] = at
    reply = ledger.send("POST", "/v1/movements", body, headers)
    assert reply.status_code == 201, reply.text
    return sale_op_id


def _void(ledger: Ledger, sale_op_id: str, headers: dict[str, str]) -> httpx.Response:
    body = {"op_id": new_op_id(), "sale_op_id": sale_op_id, "reason": "rang up twice"}
    return ledger.send("POST", "/v1/voids", body, headers)


def _days_ago(ledger: Ledger, days: int, hour: int = 15) -> str:
    moment = ledger.clock.now().replace(hour=hour, minute=0) - timedelta(days=days)
    return moment.isoformat()


@pytest.fixture(scope="module")
def another_till(shared: Ledger) -> dict[str, str]:
    """An associate of A on a second terminal."""
    body = {"location": "A", "role": "associate", "device": ANOTHER_TILL}
    reply = shared.send("POST", "/v1/tokens", body)
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


# --- stock and the sale's day ----------------------------------------------------------------


def test_the_terminal_that_sold_voids_the_sale_the_same_day(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 10)
    associate = shared.headers("A", Role.ASSOCIATE)
    sale_op_id = _sell(shared, sku, 3, headers=associate)
    assert shared.stock("A", sku)[0] == 7

    reply = _void(shared, sale_op_id, associate)

    assert reply.status_code == 201, reply.text
    voided = reply.json()
    assert voided["sale_op_id"] == sale_op_id
    assert voided["location"] == "A"
    assert voided["lines"] == [{"sku": sku, "qty": 3}]
    assert voided["reason"] == "rang up twice"
    assert voided["device"] == "test-device"
    assert [(p["sku"], p["on_hand"], p["available"]) for p in voided["positions"]] == [
        (sku, 10, 10)
    ]
    assert shared.stock("A", sku)[0] == 10
    [row] = shared.audit_rows(voided["id"])
    assert row["location"] == "A"
    changes = json.loads(row["detail"])["changes"]
    assert {"kind": "movement", "movement": "void", "sku": sku, "location": "A", "qty": 3} in (
        changes
    )
    assert any(
        change["kind"] == "state"
        and (change["entity"], change["id"], change["to_state"]) == ("sale", sale_op_id, "voided")
        for change in changes
    )


def test_the_void_is_dated_when_the_sale_happened(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 10)
    sold_at = _days_ago(shared, 1)
    sale_op_id = _sell(shared, sku, 2, at=sold_at)

    reply = _void(shared, sale_op_id, shared.headers("A", Role.MANAGER))

    assert reply.status_code == 201, reply.text
    assert reply.json()["sold_at"] == sold_at.replace("+00:00", "Z")
    assert reply.json()["voided_at"] == shared.clock.now().isoformat().replace("+00:00", "Z")
    with shared.network.engine.connect() as connection:
        [(occurred_at, qty, reason)] = connection.execute(
            select(MOVEMENTS.c.occurred_at, MOVEMENTS.c.qty, MOVEMENTS.c.reason).where(
                MOVEMENTS.c.op_id == reply.json()["id"]
            )
        ).all()
    assert (qty, reason) == (2, f"void of sale {sale_op_id}")
    assert occurred_at == datetime.fromisoformat(sold_at)


def _reports(ledger: Ledger, sku: str, reference: str) -> dict[str, Any]:
    """What the reports say of one SKU at A, its own name left out."""
    found: dict[str, Any] = {}
    for path, query in (
        ("/v1/reports/cover", {"location": "A", "rate_days": 28, "limit": 10_000}),
        ("/v1/reports/replenishment", {"location": "A", "rate_days": 28, "limit": 10_000}),
    ):
        reply = _get(ledger, path, query)
        rows = [row for row in reply["rows"] if row["sku"] == sku]
        found[path] = [_anonymous(row) for row in rows]
    trend = _get(
        ledger, "/v1/reports/sales-trend", {"reference": reference, "location": "A", "days": 28}
    )
    found["trend"] = (trend["series"], [_anonymous(row) for row in trend["rows"]])
    return found


def _get(ledger: Ledger, path: str, query: dict[str, Any]) -> dict[str, Any]:
    reply = ledger.send("GET", path, params=query, headers=ledger.headers("A", Role.MANAGER))
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _anonymous(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in ("sku", "name", "reference")}


def test_a_voided_sale_leaves_stock_history_and_demand_as_if_it_never_happened(
    shared: Ledger,
) -> None:
    """Two SKUs with the same history, but one also had a mistaken sale of 40 yesterday, voided
    today by a manager: every figure of the reports is the same for both."""
    voided_ref, twin_ref = "REF-VOID", "REF-TWIN"
    voided, twin = shared.new_sku(voided_ref), shared.new_sku(twin_ref)
    for sku in (voided, twin):
        body = {
            "op_id": new_op_id(),
            "occurred_at": _days_ago(shared, 20, hour=7),
            "lines": [{"kind": "receipt", "sku": sku, "location": "A", "qty": 100}],
        }
        assert shared.send("POST", "/v1/movements", body).status_code == 201
        for days_ago in range(14, 0, -1):
            _sell(shared, sku, 1 + days_ago % 3, at=_days_ago(shared, days_ago))
    mistaken = _sell(shared, voided, 40, at=_days_ago(shared, 1, hour=16))
    assert _reports(shared, voided, voided_ref) != _reports(shared, twin, twin_ref)

    reply = _void(shared, mistaken, shared.headers("A", Role.MANAGER))

    assert reply.status_code == 201, reply.text
    assert shared.stock("A", voided) == shared.stock("A", twin)
    assert _reports(shared, voided, voided_ref) == _reports(shared, twin, twin_ref)


# --- who, when, and only once ----------------------------------------------------------------


def test_a_second_void_is_refused_and_says_which_void_went_first(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    sale_op_id = _sell(shared, sku, 1)
    first = _void(shared, sale_op_id, shared.admin)
    assert first.status_code == 201, first.text

    second = _void(shared, sale_op_id, shared.admin)

    assert_problem(second, 409, "already-voided")
    assert second.json()["voided_by_op"] == first.json()["id"]
    assert second.json()["voided_at"] == first.json()["voided_at"]
    assert shared.stock("A", sku)[0] == 5


def test_another_terminals_sale_is_a_managers_to_void(
    shared: Ledger, another_till: dict[str, str]
) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    sale_op_id = _sell(shared, sku, 2, headers=another_till)

    refused = _void(shared, sale_op_id, shared.headers("A", Role.ASSOCIATE))

    assert_problem(refused, 403, "forbidden")
    assert "made on another terminal" in refused.json()["detail"]
    assert refused.json()["required_role"] == "manager"
    assert shared.stock("A", sku)[0] == 3
    allowed = _void(shared, sale_op_id, shared.headers("A", Role.MANAGER))
    assert allowed.status_code == 201, allowed.text
    assert shared.stock("A", sku)[0] == 5


def test_an_earlier_store_days_sale_is_a_managers_to_void(shared: Ledger) -> None:
    """The store day is Paris's: 23:30 UTC the day before is already today there."""
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    associate = shared.headers("A", Role.ASSOCIATE)
    late_yesterday = _sell(shared, sku, 1, at="2026-03-01T23:30:00+01:00", headers=associate)
    early_today = _sell(shared, sku, 1, at="2026-03-01T23:30:00Z", headers=associate)

    refused = _void(shared, late_yesterday, associate)

    assert_problem(refused, 403, "forbidden")
    assert "earlier store day (2026-03-01): a manager voids it" in refused.json()["detail"]
    assert _void(shared, early_today, associate).status_code == 201
    assert _void(shared, late_yesterday, shared.headers("A", Role.MANAGER)).status_code == 201
    assert shared.stock("A", sku)[0] == 5


def test_another_stores_sale_is_out_of_reach(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    sale_op_id = _sell(shared, sku, 1)

    assert_problem(_void(shared, sale_op_id, shared.headers("B", Role.MANAGER)), 403, "forbidden")
    assert shared.stock("A", sku)[0] == 4


def test_an_unknown_sale_is_not_found(shared: Ledger) -> None:
    reply = _void(shared, new_op_id(), shared.admin)

    assert_problem(reply, 404, "not-found")
    assert "no counter sale" in reply.json()["detail"]


def test_an_orders_sale_is_cancelled_through_the_order_not_voided(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    held = shared.reserve(sku, "A", 1)
    handed_over = new_op_id()
    commit = {"op_id": handed_over, "movement": "sale"}
    assert shared.send("POST", f"/v1/reservations/{held}/commit", commit).status_code == 200

    reply = _void(shared, handed_over, shared.admin)

    assert_problem(reply, 422, "invalid-request")
    assert reply.json()["reservation_id"] == held
    assert shared.stock("A", sku)[0] == 4


def test_a_sale_whose_units_came_back_is_not_voided_too(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    sale_op_id = _sell(shared, sku, 2)
    returned = {
        "op_id": new_op_id(),
        "location": "A",
        "sale_op_id": sale_op_id,
        "lines": [{"sku": sku, "qty": 1, "reason": "wrong_size"}],
    }
    assert shared.send("POST", "/v1/returns", returned).status_code == 201

    reply = _void(shared, sale_op_id, shared.admin)

    assert_problem(reply, 409, "invalid-state")
    assert reply.json()["return_id"] == returned["op_id"]
    assert shared.stock("A", sku)[0] == 4


def test_a_pushed_void_is_applied_exactly_once(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    associate = shared.headers("A", Role.ASSOCIATE)
    sale_op_id = _sell(shared, sku, 2, headers=associate)
    op = {"op": "void_sale", "op_id": new_op_id(), "sale_op_id": sale_op_id}

    results = []
    for _ in range(2):
        reply = shared.send("POST", "/v1/ops", {"ops": [op]}, associate)
        assert reply.status_code == 200, reply.text
        [result] = reply.json()["results"]
        results.append(result)

    assert [(r["status"], r["replayed"]) for r in results] == [(201, False), (201, True)]
    assert results[0]["body"] == results[1]["body"]
    assert shared.stock("A", sku)[0] == 5
    assert shared.movement_count(op["op_id"]) == 1
    same = {"op_id": op["op_id"], "sale_op_id": sale_op_id}
    direct = shared.send("POST", "/v1/voids", same, associate)
    assert direct.status_code == 201
    assert direct.headers["Idempotent-Replayed"] == "true"
