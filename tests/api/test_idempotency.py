"""Exactly-once mutations: every mutating endpoint replays its first outcome for the same op id.

For each endpoint: a replayed success gets the same status and body, flagged as a replay, and
changes nothing; a replayed refusal stays the same refusal even once the ledger would accept the
request; the same id with another request is refused and changes nothing; an operation pushed in
bulk and sent alone gets one outcome; and 20 copies sent at once apply exactly once, on one server
process or two.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ordersync.api.app import create_app
from ordersync.contract import Role
from tests.support.ledger_api import Ledger, ledger_settings, new_op_id
from tests.support.problems import assert_problem, without_instance

REPLAYED = "Idempotent-Replayed"
ENDPOINTS = ["movements", "reserve", "commit", "release", "count", "safety_stock", "ops"]


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    def send(self, ledger: Ledger) -> httpx.Response:
        return ledger.client.request(self.method, self.path, json=self.body, headers=self.headers)

    @property
    def op_ids(self) -> list[str]:
        if "ops" in self.body:
            return [op["op_id"] for op in self.body["ops"]]
        return [self.body["op_id"]]

    def changed(self, **members: Any) -> Call:
        return Call(self.method, self.path, {**self.body, **members}, self.headers)


@dataclass
class Scenario:
    """A request that succeeds, the sku it touches, and what it does to its stock at store A."""

    call: Call
    sku: str
    effect: tuple[int, int, int]
    """(on_hand, reserved, safety_stock) change at store A."""
    movements: int
    """Movements the request writes."""
    changed: Call
    """The same op id for another request."""


def _associate(ledger: Ledger) -> dict[str, str]:
    return ledger.headers("A", Role.ASSOCIATE)


def _manager(ledger: Ledger) -> dict[str, str]:
    return ledger.headers("A", Role.MANAGER)


def _admin(ledger: Ledger) -> dict[str, str]:
    """An admin device of A: the only one allowed an instant transfer (a correction)."""
    return ledger.headers("A", Role.ADMIN)


def _movements(ledger: Ledger) -> Scenario:
    sku = ledger.new_sku()
    lines = [
        {"kind": "receipt", "sku": sku, "location": "A", "qty": 5},
        {"kind": "sale", "sku": sku, "location": "A", "qty": 2},
        {"kind": "adjustment", "sku": sku, "location": "A", "delta": 1, "reason": "found"},
    ]
    call = Call("POST", "/v1/movements", {"op_id": new_op_id(), "lines": lines}, _manager(ledger))
    return Scenario(
        call, sku, (4, 0, 0), 3, changed=call.changed(lines=[{**lines[0], "qty": 6}, *lines[1:]])
    )


def _reserve(ledger: Ledger) -> Scenario:
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    line = {"sku": sku, "location": "A", "qty": 2}
    call = Call(
        "POST", "/v1/reservations", {"op_id": new_op_id(), "lines": [line]}, _associate(ledger)
    )
    return Scenario(call, sku, (0, 2, 0), 0, changed=call.changed(lines=[{**line, "qty": 1}]))


def _commit(ledger: Ledger) -> Scenario:
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    held = ledger.reserve(sku, "A", 3, _associate(ledger))
    call = Call(
        "POST",
        f"/v1/reservations/{held}/commit",
        {"op_id": new_op_id(), "lines": [{"sku": sku, "location": "A", "qty": 2}]},
        _associate(ledger),
    )
    return Scenario(call, sku, (-2, -3, 0), 1, changed=call.changed(movement="shipment"))


def _release(ledger: Ledger) -> Scenario:
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    held = ledger.reserve(sku, "A", 3, _associate(ledger))
    other = ledger.reserve(sku, "A", 1, _associate(ledger))
    call = Call(
        "POST", f"/v1/reservations/{held}/release", {"op_id": new_op_id()}, _associate(ledger)
    )
    return Scenario(
        call,
        sku,
        (0, -3, 0),
        0,
        changed=Call("POST", f"/v1/reservations/{other}/release", call.body, call.headers),
    )


def _count(ledger: Ledger) -> Scenario:
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    body = {
        "op_id": new_op_id(),
        "sku": sku,
        "location": "A",
        "counted": 3,
        "as_of_seq": ledger.head(),
    }
    call = Call("POST", "/v1/counts", body, _associate(ledger))
    return Scenario(call, sku, (-2, 0, 0), 1, changed=call.changed(counted=4))


def _safety_stock(ledger: Ledger) -> Scenario:
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    call = Call(
        "PUT",
        f"/v1/positions/A/{sku}/safety-stock",
        {"op_id": new_op_id(), "safety_stock": 2},
        _manager(ledger),
    )
    return Scenario(call, sku, (0, 0, 2), 0, changed=call.changed(safety_stock=3))


def _ops(ledger: Ledger) -> Scenario:
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    receipt = {
        "op": "movements",
        "op_id": new_op_id(),
        "lines": [{"kind": "receipt", "sku": sku, "location": "A", "qty": 2}],
    }
    reserve = {
        "op": "reserve",
        "op_id": new_op_id(),
        "lines": [{"sku": sku, "location": "A", "qty": 3}],
    }
    call = Call("POST", "/v1/ops", {"ops": [receipt, reserve]}, _associate(ledger))
    return Scenario(
        call,
        sku,
        (2, 3, 0),
        1,
        changed=call.changed(
            ops=[receipt, {**reserve, "lines": [{"sku": sku, "location": "A", "qty": 1}]}]
        ),
    )


SCENARIOS: dict[str, Callable[[Ledger], Scenario]] = {
    "movements": _movements,
    "reserve": _reserve,
    "commit": _commit,
    "release": _release,
    "count": _count,
    "safety_stock": _safety_stock,
    "ops": _ops,
}


def _plus(stock: tuple[int, int, int, bool], effect: tuple[int, int, int]) -> tuple[int, int, int]:
    return (stock[0] + effect[0], stock[1] + effect[1], stock[2] + effect[2])


def _applied_once(ledger: Ledger, scenario: Scenario, before: tuple[int, int, int, bool]) -> None:
    assert ledger.stock("A", scenario.sku)[:3] == _plus(before, scenario.effect)
    op_ids = scenario.call.op_ids
    assert sum(ledger.movement_count(op_id) for op_id in op_ids) == scenario.movements
    for op_id in op_ids:
        assert len(ledger.audit_rows(op_id)) == 1, op_id


def _results(reply: httpx.Response) -> list[dict[str, Any]]:
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()["results"]
    return results


# --- replays ---------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_replayed_success_gets_the_same_reply_and_no_second_effect(
    shared: Ledger, endpoint: str
) -> None:
    ledger = shared
    scenario = SCENARIOS[endpoint](ledger)
    before = ledger.stock("A", scenario.sku)
    first = scenario.call.send(ledger)
    assert first.status_code in (200, 201), first.text
    assert REPLAYED not in first.headers
    _applied_once(ledger, scenario, before)
    state = ledger.snapshot([scenario.sku])
    feed_head = ledger.head()

    ledger.clock.advance(timedelta(hours=2))  # pending holds would have expired by now
    for _ in range(2):
        again = scenario.call.send(ledger)
        assert again.status_code == first.status_code
        if endpoint == "ops":
            assert [r["status"] for r in _results(again)] == [r["status"] for r in _results(first)]
            assert [r["body"] for r in _results(again)] == [r["body"] for r in _results(first)]
            assert all(r["replayed"] for r in _results(again))
            assert not any(r["replayed"] for r in _results(first))
        else:
            assert again.json() == first.json()
            assert again.headers.get(REPLAYED) == "true"
    assert ledger.snapshot([scenario.sku]) == state
    feed = ledger.send(
        "GET", "/v1/changes", params={"since": feed_head}, headers=_associate(ledger)
    )
    assert feed.status_code == 200, feed.text
    assert feed.json()["changes"] == []
    _applied_once(ledger, scenario, before)


@dataclass
class Refusal:
    call: Call
    status: int
    slug: str
    make_possible: Callable[[], None]
    sku: str


def _refused_movements(ledger: Ledger) -> Refusal:
    sku = ledger.new_sku()
    transfer = {"kind": "transfer", "sku": sku, "from_location": "A", "to_location": "B", "qty": 3}
    call = Call(
        "POST", "/v1/movements", {"op_id": new_op_id(), "lines": [transfer]}, _admin(ledger)
    )
    return Refusal(call, 409, "insufficient-stock", lambda: ledger.receive(sku, "A", 10), sku)


def _refused_reserve(ledger: Ledger) -> Refusal:
    sku = ledger.new_sku()
    body = {"op_id": new_op_id(), "lines": [{"sku": sku, "location": "A", "qty": 2}]}
    call = Call("POST", "/v1/reservations", body, _associate(ledger))
    return Refusal(call, 409, "insufficient-stock", lambda: ledger.receive(sku, "A", 10), sku)


def _refused_before_the_reservation(ledger: Ledger, action: str) -> Refusal:
    sku = ledger.new_sku()
    held = new_op_id()
    call = Call(
        "POST", f"/v1/reservations/{held}/{action}", {"op_id": new_op_id()}, _associate(ledger)
    )

    def make_possible() -> None:
        ledger.receive(sku, "A", 10)
        reply = ledger.send(
            "POST",
            "/v1/reservations",
            {"op_id": held, "lines": [{"sku": sku, "location": "A", "qty": 2}]},
            _associate(ledger),
        )
        assert reply.status_code == 201, reply.text

    return Refusal(call, 404, "not-found", make_possible, sku)


def _refused_count(ledger: Ledger) -> Refusal:
    sku = ledger.new_sku()
    ahead = ledger.head() + 6
    body = {"op_id": new_op_id(), "sku": sku, "location": "A", "counted": 1, "as_of_seq": ahead}
    call = Call("POST", "/v1/counts", body, _associate(ledger))

    def make_possible() -> None:
        while ledger.head() < ahead:
            ledger.receive(sku, "A", 1)

    return Refusal(call, 409, "stale-count", make_possible, sku)


def _refused_safety_stock(ledger: Ledger) -> Refusal:
    sku = f"U{new_op_id()[-12:]}"
    call = Call(
        "PUT",
        f"/v1/positions/A/{sku}/safety-stock",
        {"op_id": new_op_id(), "safety_stock": 1},
        _manager(ledger),
    )

    def make_possible() -> None:
        item = {
            "sku": sku,
            "reference": "REF-U",
            "name": "Late item",
            "size": "S",
            "colour": "vert",
            "gtins": ["96385074"],
            "price_minor": 100,
        }
        reply = ledger.send("PUT", "/v1/items", {"items": [item]})
        assert reply.status_code == 200, reply.text

    return Refusal(call, 422, "unknown-sku", make_possible, sku)


def _refused_ops(ledger: Ledger) -> Refusal:
    refusal = _refused_reserve(ledger)
    op = {"op": "reserve", **refusal.call.body}
    refusal.call = Call("POST", "/v1/ops", {"ops": [op]}, refusal.call.headers)
    return refusal


REFUSALS: dict[str, Callable[[Ledger], Refusal]] = {
    "movements": _refused_movements,
    "reserve": _refused_reserve,
    "commit": lambda ledger: _refused_before_the_reservation(ledger, "commit"),
    "release": lambda ledger: _refused_before_the_reservation(ledger, "release"),
    "count": _refused_count,
    "safety_stock": _refused_safety_stock,
    "ops": _refused_ops,
}


def _outcome(reply: httpx.Response, bulk: bool) -> tuple[int, dict[str, Any], bool]:
    """(status, body without instance, replayed) of a single reply or of a one-op bulk push."""
    if bulk:
        [result] = _results(reply)
        return result["status"], without_instance(result["body"]), result["replayed"]
    return reply.status_code, without_instance(reply.json()), reply.headers.get(REPLAYED) == "true"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_replayed_refusal_stays_the_same_refusal(shared: Ledger, endpoint: str) -> None:
    ledger = shared
    refusal = REFUSALS[endpoint](ledger)
    bulk = endpoint == "ops"
    first = refusal.call.send(ledger)
    status, body, replayed = _outcome(first, bulk)
    assert (status, body["type"], replayed) == (
        refusal.status,
        f"urn:ordersync:problem:{refusal.slug}",
        False,
    ), first.text
    if not bulk:
        assert_problem(first, refusal.status, refusal.slug)
    for op_id in refusal.call.op_ids:
        assert ledger.audit_rows(op_id) == []

    refusal.make_possible()
    state = ledger.snapshot([refusal.sku])
    again = refusal.call.send(ledger)
    assert _outcome(again, bulk) == (status, body, True)
    if not bulk:
        assert_problem(again, refusal.status, refusal.slug)
    assert ledger.snapshot([refusal.sku]) == state
    for op_id in refusal.call.op_ids:
        assert ledger.audit_rows(op_id) == []
        assert ledger.movement_count(op_id) == 0

    # the refusal is the stored outcome, not the ledger's answer today: a new id succeeds
    fresh = _with_new_op_ids(refusal.call)
    fresh_status, _, _ = _outcome(fresh.send(ledger), bulk)
    assert fresh_status in (200, 201)


def _with_new_op_ids(call: Call) -> Call:
    if "ops" in call.body:
        return call.changed(ops=[{**op, "op_id": new_op_id()} for op in call.body["ops"]])
    return call.changed(op_id=new_op_id())


# --- the same id for another request ---------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_same_op_id_with_another_request_is_refused_without_effect(
    shared: Ledger, endpoint: str
) -> None:
    ledger = shared
    scenario = SCENARIOS[endpoint](ledger)
    first = scenario.call.send(ledger)
    assert first.status_code in (200, 201), first.text
    state = ledger.snapshot([scenario.sku])

    reused = scenario.changed.send(ledger)
    if endpoint == "ops":
        kept, changed = _results(reused)
        assert (kept["status"], kept["replayed"]) == (201, True)
        assert changed["status"] == 422
        assert changed["body"]["type"] == "urn:ordersync:problem:idempotency-key-reused"
    else:
        assert_problem(reused, 422, "idempotency-key-reused")
        assert REPLAYED not in reused.headers
    assert ledger.snapshot([scenario.sku]) == state

    # the same id on another endpoint is another request too
    elsewhere = ledger.send(
        "POST",
        "/v1/counts",
        {
            "op_id": scenario.call.op_ids[-1],
            "sku": scenario.sku,
            "location": "A",
            "counted": 0,
            "as_of_seq": ledger.head(),
        },
        _associate(ledger),
    )
    assert_problem(elsewhere, 422, "idempotency-key-reused")
    assert ledger.snapshot([scenario.sku]) == state
    for op_id in scenario.call.op_ids:
        assert len(ledger.audit_rows(op_id)) == 1


def test_same_op_id_with_another_request_after_a_refusal_is_refused(shared: Ledger) -> None:
    ledger = shared
    refusal = _refused_reserve(ledger)
    assert refusal.call.send(ledger).status_code == 409
    refusal.make_possible()
    state = ledger.snapshot([refusal.sku])
    smaller = refusal.call.changed(lines=[{"sku": refusal.sku, "location": "A", "qty": 1}])
    assert_problem(smaller.send(ledger), 422, "idempotency-key-reused")
    assert ledger.snapshot([refusal.sku]) == state


def test_same_op_id_from_another_store_is_not_given_the_first_stores_result(
    shared: Ledger,
) -> None:
    ledger = shared
    sku = ledger.new_sku()
    store_a, store_b = ledger.headers("A"), ledger.headers("B")
    op_id = new_op_id()
    line = {"sku": sku, "location": "A", "qty": 1}
    first = ledger.send(
        "POST",
        "/v1/movements",
        {"op_id": op_id, "lines": [{"kind": "receipt", **line}]},
        store_a,
    )
    assert first.status_code == 201, first.text
    state = ledger.snapshot([sku])
    other = ledger.send(
        "POST",
        "/v1/movements",
        {"op_id": op_id, "lines": [{"kind": "receipt", **line, "location": "B"}]},
        store_b,
    )
    assert_problem(other, 422, "idempotency-key-reused")
    assert ledger.snapshot([sku]) == state


# --- bulk push and single endpoints agree ----------------------------------------------------


def _single_and_bulk(ledger: Ledger, kind: str, succeed: bool) -> tuple[Call, Call, str]:
    """One operation as a single-endpoint call and as a one-op bulk push; and its sku."""
    sku = ledger.new_sku()
    if succeed:
        ledger.receive(sku, "A", 10)
    headers = _associate(ledger)
    op_id = new_op_id()
    held = (
        ledger.reserve(sku, "A", 2, headers)
        if succeed and kind in ("commit", "release")
        else new_op_id()
    )
    line = {"sku": sku, "location": "A", "qty": 2}
    if kind == "movements":
        lines = [{"kind": "sale" if succeed else "return", **line}]
        if not succeed:
            lines = [
                {"kind": "transfer", "sku": sku, "from_location": "A", "to_location": "B", "qty": 2}
            ]
            headers = _admin(ledger)
        body: dict[str, Any] = {"op_id": op_id, "lines": lines}
        single = Call("POST", "/v1/movements", body, headers)
        op = {"op": "movements", **body}
    elif kind == "reserve":
        body = {"op_id": op_id, "lines": [line], "order_ref": "WEB-9"}
        single = Call("POST", "/v1/reservations", body, headers)
        op = {"op": "reserve", **body}
    elif kind in ("commit", "release"):
        body = {"op_id": op_id}
        if kind == "commit":
            body["movement"] = "shipment"
        single = Call("POST", f"/v1/reservations/{held}/{kind}", body, headers)
        op = {"op": kind, "reservation_id": held, **body}
    else:
        ahead = ledger.head() + (0 if succeed else 1_000)
        body = {"op_id": op_id, "sku": sku, "location": "A", "counted": 4, "as_of_seq": ahead}
        single = Call("POST", "/v1/counts", body, headers)
        op = {"op": "count", **body}
    return single, Call("POST", "/v1/ops", {"ops": [op]}, headers), sku


@pytest.mark.parametrize("first", ["ops", "single"])
@pytest.mark.parametrize("kind", ["movements", "reserve", "commit", "release", "count"])
def test_an_operation_gets_one_outcome_through_ops_or_its_own_endpoint(
    shared: Ledger, kind: str, first: str
) -> None:
    ledger = shared
    for succeed in (True, False):
        single, bulk, sku = _single_and_bulk(ledger, kind, succeed)
        calls = (
            [(bulk, True), (single, False)] if first == "ops" else [(single, False), (bulk, True)]
        )
        (call_1, bulk_1), (call_2, bulk_2) = calls
        status, body, replayed = _outcome(call_1.send(ledger), bulk_1)
        assert replayed is False
        assert (status < 400) is succeed, (status, body)
        state = ledger.snapshot([sku])
        assert _outcome(call_2.send(ledger), bulk_2) == (status, body, True)
        assert ledger.snapshot([sku]) == state
        assert len(ledger.audit_rows(single.body["op_id"])) == (1 if succeed else 0)


# --- concurrent duplicates -------------------------------------------------------------------


async def _burst(ledger: Ledger, call: Call, copies: int, processes: int) -> list[httpx.Response]:
    """Send ``copies`` of one request at once, spread over ``processes`` app instances."""
    settings = ledger_settings(ledger.network.url)
    apps = [create_app(settings, clock=ledger.clock) for _ in range(processes)]
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://ledger")
                )
            )
        return list(
            await asyncio.gather(
                *(
                    clients[number % processes].request(
                        call.method, call.path, json=call.body, headers=call.headers
                    )
                    for number in range(copies)
                )
            )
        )


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_concurrent_duplicates_apply_exactly_once(
    shared: Ledger, endpoint: str, processes: int
) -> None:
    ledger = shared
    scenario = SCENARIOS[endpoint](ledger)
    before = ledger.stock("A", scenario.sku)
    replies = asyncio.run(_burst(ledger, scenario.call, copies=20, processes=processes))

    statuses = {reply.status_code for reply in replies}
    assert len(statuses) == 1, [r.text[:200] for r in replies]
    assert statuses <= {200, 201}, replies[0].text
    if endpoint == "ops":
        outcomes = [[(r["status"], r["body"]) for r in _results(reply)] for reply in replies]
        assert all(status == 201 for status, _ in outcomes[0])
        for index in range(len(scenario.call.op_ids)):  # each op applied by one reply only
            fresh = [not _results(reply)[index]["replayed"] for reply in replies]
            assert fresh.count(True) == 1
    else:
        outcomes = [reply.json() for reply in replies]
        fresh = [REPLAYED not in reply.headers for reply in replies]
        assert fresh.count(True) == 1
    assert all(outcome == outcomes[0] for outcome in outcomes)
    _applied_once(ledger, scenario, before)
    assert ledger.position("A", scenario.sku) is not None
