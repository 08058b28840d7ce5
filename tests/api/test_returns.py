"""Customer returns over the API, on both backends: units back on sale or set aside as damaged
at any store, linked to the web order or counter sale they came from; a return that does not
match what was sold is recorded and flagged, a fat finger or a reason not in the list refused.

Store A is in Paris and B in Lyon; a web order placed here goes to A, the nearest store.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ordersync.clock import SystemClock
from ordersync.contract import Role
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.ledger_server import run_in_process
from tests.support.problems import assert_problem

PARIS = {"latitude": 48.85, "longitude": 2.35}


def _line(sku: str, qty: int = 1, reason: str = "wrong_size", **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "qty": qty, "reason": reason, **extra}


def _return(
    ledger: Ledger,
    location: str,
    lines: list[dict[str, Any]],
    headers: dict[str, str] | None = None,
    **reference: Any,
) -> httpx.Response:
    body = {"op_id": new_op_id(), "location": location, "lines": lines, **reference}
    return ledger.send("POST", "/v1/returns", body, headers or ledger.headers(location))


def _recorded(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _shipped_web_order(ledger: Ledger, sku: str, qty: int = 1) -> dict[str, Any]:
    """A web order of ``qty`` units of ``sku``, routed to A and shipped by A."""
    body = {
        "op_id": new_op_id(),
        "channel": "web",
        "lines": [{"sku": sku, "qty": qty}],
        "customer": {"name": "Inès Roux", "email": "ines@example.org"},
        "delivery": {"kind": "home", "address": "1 rue de Rivoli, Paris", **PARIS},
    }
    reply = ledger.send("POST", "/v1/orders", body, ledger.headers("WH", Role.WEB))
    assert reply.status_code == 201, reply.text
    order: dict[str, Any] = reply.json()
    [job] = order["jobs"]
    assert job["location"] == "A"
    steps: dict[str, dict[str, Any]] = {
        "picking": {},
        "picked": {},
        "packed": {"parcels": 1, "weight_grams": 300},
        "shipped": {"tracking": "COLIS-12"},
    }
    for step, extra in steps.items():
        move = {"op_id": new_op_id(), "to": step, **extra}
        path = f"/v1/jobs/{job['id']}/transitions"
        assert ledger.send("POST", path, move, ledger.headers("A")).status_code == 200
    return order


def _order_lines(ledger: Ledger, order_id: str) -> list[tuple[str, str, int]]:
    """The order's lines as the web platform follows them: (sku, state, returned)."""
    reply = ledger.send("GET", f"/v1/orders/{order_id}", headers=ledger.headers("WH", Role.WEB))
    assert reply.status_code == 200, reply.text
    return [(line["sku"], line["state"], line["returned"]) for line in reply.json()["lines"]]


def _sell(ledger: Ledger, lines: list[tuple[str, int]], at: str | None = None) -> str:
    sale_op_id = new_op_id()
    body: dict[str, Any] = {
        "op_id": sale_op_id,
        "lines": [{"kind": "sale", "sku": sku, "location": "A", "qty": qty} for sku, qty in lines],
    }
    if at is not None:
        body["occurred_at"] = at
    assert ledger.send("POST", "/v1/movements", body, ledger.headers("A")).status_code == 201
    return sale_op_id


# --- returns anywhere ------------------------------------------------------------------------


def test_a_web_order_shipped_by_one_store_is_returned_at_another(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 3)
    order = _shipped_web_order(shared, sku)
    assert shared.stock("A", sku)[0] == 2
    assert _order_lines(shared, order["id"]) == [(sku, "shipped", 0)]

    returned = _recorded(_return(shared, "B", [_line(sku)], order_id=order["id"]))

    assert returned["flags"] == []
    assert [(line["order_line_no"], line["flags"]) for line in returned["lines"]] == [(1, [])]
    assert [(p["location"], p["on_hand"], p["available"]) for p in returned["positions"]] == [
        ("B", 1, 1)
    ]
    assert shared.stock("B", sku)[0] == 1
    assert shared.stock("A", sku)[0] == 2
    assert _order_lines(shared, order["id"]) == [(sku, "shipped", 1)]
    [row] = shared.audit_rows(returned["id"])
    assert row["location"] == "B"
    changes = json.loads(row["detail"])["changes"]
    assert {"kind": "movement", "movement": "return", "sku": sku, "location": "B", "qty": 1} in (
        changes
    )
    assert any(
        change["kind"] == "state"
        and (change["entity"], change["to_state"]) == ("return", "recorded")
        for change in changes
    )


def test_more_units_than_the_order_line_sent_are_recorded_and_flagged(shared: Ledger) -> None:
    sku, other = shared.new_sku(), shared.new_sku()
    shared.receive(sku, "A", 3)
    order = _shipped_web_order(shared, sku, qty=2)
    assert _recorded(_return(shared, "A", [_line(sku)], order_id=order["id"]))["flags"] == []

    beyond = _recorded(_return(shared, "A", [_line(sku, 2)], order_id=order["id"]))
    stranger = _recorded(_return(shared, "A", [_line(other)], order_id=order["id"]))
    named_wrong = _recorded(
        _return(shared, "A", [_line(sku, order_line_no=2)], order_id=order["id"])
    )

    assert beyond["flags"] == ["more_than_sold"]
    assert beyond["lines"][0]["order_line_no"] == 1
    assert stranger["flags"] == named_wrong["flags"] == ["not_on_order"]
    assert stranger["lines"][0]["order_line_no"] is None
    assert _order_lines(shared, order["id"]) == [(sku, "shipped", 3)]
    assert shared.stock("A", sku)[0] == 1 + 3 + 1
    assert shared.stock("A", other)[0] == 1


def test_a_return_naming_an_unknown_order_is_recorded_and_flagged(shared: Ledger) -> None:
    sku = shared.new_sku()

    returned = _recorded(_return(shared, "A", [_line(sku)], order_id=new_op_id()))

    assert returned["flags"] == ["unknown_order"]
    assert returned["lines"][0]["flags"] == []
    assert shared.stock("A", sku)[0] == 1


def test_a_return_without_a_receipt_is_recorded(shared: Ledger) -> None:
    sku = shared.new_sku()

    returned = _recorded(_return(shared, "A", [_line(sku, 2, "changed_mind")]))

    assert (returned["flags"], returned["order_id"], returned["sale_op_id"]) == ([], None, None)
    assert returned["lines"] == [
        {
            "line_no": 1,
            "sku": sku,
            "qty": 2,
            "reason": "changed_mind",
            "disposition": "sellable",
            "order_line_no": None,
            "flags": [],
        }
    ]
    assert shared.stock("A", sku)[0] == 2


def test_a_damaged_return_is_on_hand_but_not_available(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 2)

    returned = _recorded(_return(shared, "A", [_line(sku, reason="faulty", disposition="damaged")]))

    [position] = returned["positions"]
    assert (position["on_hand"], position["available"]) == (3, 2)
    assert (position["unavailable"], position["dispositions"]) == (1, {"damaged": 1})
    found = shared.position("A", sku)
    assert found is not None
    assert (found["on_hand"], found["unavailable"], found["available"]) == (3, 1, 2)


# --- counter sales ---------------------------------------------------------------------------


def test_a_counter_sales_units_come_back_once(shared: Ledger) -> None:
    sku, other = shared.new_sku(), shared.new_sku()
    shared.receive(sku, "A", 5)
    sale_op_id = _sell(shared, [(sku, 2)])

    first = _recorded(_return(shared, "B", [_line(sku)], sale_op_id=sale_op_id))
    second = _recorded(_return(shared, "A", [_line(sku), _line(sku)], sale_op_id=sale_op_id))
    stranger = _recorded(_return(shared, "A", [_line(other)], sale_op_id=sale_op_id))
    unknown = _recorded(_return(shared, "A", [_line(sku)], sale_op_id=new_op_id()))

    assert first["flags"] == []
    assert [line["flags"] for line in second["lines"]] == [[], ["more_than_sold"]]
    assert second["flags"] == ["more_than_sold"]
    assert stranger["flags"] == ["not_on_order"]
    assert unknown["flags"] == ["unknown_sale"]
    assert shared.stock("A", sku)[0] == 3 + 2 + 1
    assert shared.stock("B", sku)[0] == 1


def test_a_voided_sales_units_were_never_sold(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    sale_op_id = _sell(shared, [(sku, 1)])
    void = {"op_id": new_op_id(), "sale_op_id": sale_op_id}
    assert shared.send("POST", "/v1/voids", void, shared.headers("A")).status_code == 201

    returned = _recorded(_return(shared, "A", [_line(sku)], sale_op_id=sale_op_id))

    assert returned["flags"] == ["more_than_sold"]


def test_returns_are_returned_units_never_negative_sales(shared: Ledger) -> None:
    reference = "REF-RETURNED"
    sku = shared.new_sku(reference)
    shared.receive(sku, "A", 10)
    yesterday = (shared.clock.now() - timedelta(days=1)).replace(hour=15)
    sale_op_id = _sell(shared, [(sku, 3)], at=yesterday.isoformat())
    later = (yesterday + timedelta(hours=2)).isoformat()
    assert (
        _return(shared, "A", [_line(sku, 2)], sale_op_id=sale_op_id, occurred_at=later).status_code
        == 201
    )

    reply = shared.send(
        "GET",
        "/v1/reports/sales-trend",
        params={"reference": reference, "location": "A", "days": 14},
        headers=shared.headers("A", Role.MANAGER),
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["series"][-1] == 3
    assert shared.stock("A", sku)[0] == 9


# --- refusals --------------------------------------------------------------------------------


def test_a_line_above_the_hard_limit_is_refused_with_the_limit(shared: Ledger) -> None:
    sku = shared.new_sku()
    before = shared.snapshot([sku])

    reply = _return(shared, "A", [_line(sku), _line(sku, 100_000)])

    assert_problem(reply, 422, "quantity-above-limit")
    assert (reply.json()["sku"], reply.json()["qty"], reply.json()["limit"]) == (sku, 100_000, 1000)
    assert "1000" in reply.json()["detail"]
    after = shared.snapshot([sku])
    assert {k: v for k, v in after.items() if k != "stored_outcomes"} == {
        k: v for k, v in before.items() if k != "stored_outcomes"
    }


def test_a_reason_not_in_the_list_is_refused_with_the_list(shared: Ledger) -> None:
    sku = shared.new_sku()
    listed = shared.send("GET", "/v1/returns/reasons", headers=shared.headers("A"))
    assert listed.status_code == 200, listed.text
    reasons = listed.json()["reasons"]
    assert "wrong_size" in reasons

    reply = _return(shared, "A", [_line(sku, reason="found_it_cheaper")])

    assert_problem(reply, 422, "invalid-request")
    assert reply.json()["allowed"] == reasons
    assert all(reason in reply.json()["detail"] for reason in reasons)
    assert shared.stock("A", sku)[0] == 0


@pytest.mark.parametrize(
    ("location", "role", "status"),
    [("B", Role.ASSOCIATE, 403), ("ZZ", Role.ADMIN, 422)],
)
def test_a_return_elsewhere_is_refused(
    shared: Ledger, location: str, role: Role, status: int
) -> None:
    sku = shared.new_sku()
    reply = _return(shared, location, [_line(sku)], headers=shared.headers("A", role))
    assert_problem(reply, status)
    assert shared.stock("B", sku)[0] == 0


def test_the_web_platform_reads_no_reasons_and_returns_nothing(shared: Ledger) -> None:
    web = shared.headers("WH", Role.WEB)
    assert_problem(shared.send("GET", "/v1/returns/reasons", headers=web), 403, "forbidden")
    sku = shared.new_sku()
    assert_problem(_return(shared, "WH", [_line(sku)], headers=web), 403, "forbidden")


# --- exactly once, and read back -------------------------------------------------------------


def test_a_pushed_return_is_applied_exactly_once(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 3)
    order = _shipped_web_order(shared, sku)
    associate = shared.headers("B")
    op = {
        "op": "customer_return",
        "op_id": new_op_id(),
        "location": "B",
        "order_id": order["id"],
        "lines": [_line(sku, disposition="damaged", order_line_no=1)],
    }

    results = []
    for _ in range(2):
        reply = shared.send("POST", "/v1/ops", {"ops": [op]}, associate)
        assert reply.status_code == 200, reply.text
        results.extend(reply.json()["results"])

    assert [(r["status"], r["replayed"]) for r in results] == [(201, False), (201, True)]
    assert results[0]["body"] == results[1]["body"]
    assert shared.movement_count(op["op_id"]) == 1
    assert shared.stock("B", sku)[0] == 1
    assert _order_lines(shared, order["id"]) == [(sku, "shipped", 1)]


def test_returns_are_read_back_by_their_store_and_head_office(shared: Ledger) -> None:
    sku = shared.new_sku()
    returned = _recorded(_return(shared, "B", [_line(sku)], order_id=new_op_id()))
    at_b, at_a = shared.headers("B"), shared.headers("A")
    path = f"/v1/returns/{returned['id']}"
    expected = {**returned, "positions": []}

    one = shared.send("GET", path, headers=at_b)
    listed = shared.send("GET", "/v1/returns", params={"days": 1}, headers=at_b)
    everywhere = shared.send("GET", "/v1/returns", params={"days": 1}, headers=shared.admin)

    assert one.status_code == 200, one.text
    assert one.json() == expected
    assert listed.status_code == 200, listed.text
    assert listed.json()[0] == expected
    assert {r["location"] for r in listed.json()} == {"B"}
    assert expected in everywhere.json()
    assert_problem(shared.send("GET", path, headers=at_a), 403, "forbidden")
    listed_elsewhere = shared.send("GET", "/v1/returns", params={"location": "B"}, headers=at_a)
    assert_problem(listed_elsewhere, 403, "forbidden")
    assert_problem(shared.send("GET", f"/v1/returns/{new_op_id()}", headers=at_b), 404)


def test_head_office_lists_the_returns_from_the_command_line(
    shared: Ledger, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command reads the system clock: the return is dated an hour before it."""
    sku = shared.new_sku()
    an_hour_ago = (SystemClock().now() - timedelta(hours=1)).isoformat()
    line = _line(sku, reason="faulty", disposition="damaged")
    returned = _recorded(
        _return(shared, "B", [line], occurred_at=an_hour_ago, order_id=new_op_id())
    )
    argv = ["--database-url", shared.network.url, "returns", "list", "--location", "B"]

    listed = run_in_process([*argv, "--days", "1", "--format", "json"], capsys, monkeypatch)
    table = run_in_process(argv, capsys, monkeypatch)
    refused = run_in_process([*argv[:4], "--days", "0"], capsys, monkeypatch)

    assert listed.returncode == 0, listed.describe()
    assert json.loads(listed.stdout)[0] == {**returned, "positions": []}
    assert table.returncode == 0, table.describe()
    assert f"{sku} x1 faulty (damaged)" in table.stdout
    assert "unknown_order" in table.stdout
    assert refused.returncode == 2
    assert "must be between 1 and 365" in refused.stderr
