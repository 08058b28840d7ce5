"""``GET /v1/audit``: who changed what, and each change before and after, on both backends.

Every audited operation lists what it changed: positions with on hand and reserved before and
after, orders, jobs and lines with their state before and after, and the movements it posted. A
refused operation leaves no row, and its changes do not leak into the next operation of the same
transaction. The log filters by person, device, operation and time within the one location the
caller may read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from ordersync.contract import (
    PERSON_HEADER,
    MovementBatch,
    ReservationCreate,
    Role,
    uuid7,
)
from ordersync.db.ledger_tx import LedgerTx, table_of
from ordersync.db.tables import StaffRow
from ordersync.db.tx_journal import MAX_AUDITED_CHANGES
from ordersync.db.writer import execute_batch, run_in_transaction
from ordersync.services.operations import operation_work
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.ledger_harness import SYSTEM
from tests.support.problems import assert_problem

HOME = {"address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}
CUSTOMER = {"name": "Camille Martin", "email": "camille@example.org"}


def _audit(ledger: Ledger, headers: dict[str, str] | None = None, **query: Any) -> Any:
    reply = ledger.send("GET", "/v1/audit", headers=headers or ledger.admin, params=query)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _entry_of(ledger: Ledger, op_id: str, location: str = "A") -> dict[str, Any]:
    """The audit entry of operation ``op_id``, as the API shows it."""
    [row] = ledger.audit_rows(op_id)
    [entry] = _audit(ledger, location=location, after_id=row["id"] - 1, limit=1)
    assert entry["op_id"] == op_id
    found: dict[str, Any] = entry
    return found


def _positions(entry: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """(on hand before, after, reserved before, after) per (location, sku)."""
    return {
        (c["location"], c["sku"]): (
            c["on_hand_before"],
            c["on_hand_after"],
            c["reserved_before"],
            c["reserved_after"],
        )
        for c in entry["changes"]
        if c["kind"] == "position"
    }


def _states(entry: dict[str, Any]) -> set[tuple[str, int | None, str | None, str]]:
    """(entity, line number, from, to) of each state change."""
    return {
        (c["entity"], c.get("line_no"), c["from_state"], c["to_state"])
        for c in entry["changes"]
        if c["kind"] == "state"
    }


def _movements(entry: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [
        (c["movement"], c["location"], c["sku"], c["qty"])
        for c in entry["changes"]
        if c["kind"] == "movement"
    ]


def _post(
    ledger: Ledger, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    reply = ledger.send("POST", path, body, headers)
    assert reply.status_code in (200, 201), reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def _sell(ledger: Ledger, sku: str, qty: int, headers: dict[str, str] | None = None) -> str:
    op_id = new_op_id()
    line = {"kind": "sale", "sku": sku, "location": "A", "qty": qty}
    _post(ledger, "/v1/movements", {"op_id": op_id, "lines": [line]}, headers)
    return op_id


def test_a_sale_shows_on_hand_before_and_after_and_its_movement(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 12)
    op_id = _sell(shared, sku, 1, shared.headers("A"))

    entry = _entry_of(shared, op_id)
    assert entry["operation"] == "movements"
    assert _positions(entry) == {("A", sku): (12, 11, 0, 0)}
    assert _movements(entry) == [("sale", "A", sku, -1)]
    assert entry["changes_total"] == 2


def test_a_sale_below_zero_shows_the_position_flagged(shared: Ledger) -> None:
    sku = shared.new_sku()
    op_id = _sell(shared, sku, 2, shared.headers("A"))

    [position] = [c for c in _entry_of(shared, op_id)["changes"] if c["kind"] == "position"]
    assert (position["on_hand_before"], position["on_hand_after"]) == (0, -2)
    assert (position["suspect_before"], position["suspect_after"]) == (False, True)


def test_a_reservation_shows_reserved_before_and_after(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    shared.reserve(sku, "A", 1)
    reservation_id = shared.reserve(sku, "A", 2)

    entry = _entry_of(shared, reservation_id)
    assert _positions(entry) == {("A", sku): (5, 5, 1, 3)}
    assert _states(entry) == {("reservation", None, None, "pending")}

    release = {"op_id": new_op_id()}
    _post(shared, f"/v1/reservations/{reservation_id}/release", release)
    released = _entry_of(shared, release["op_id"])
    assert _positions(released) == {("A", sku): (5, 5, 3, 1)}
    assert _states(released) == {("reservation", None, "pending", "released")}


def test_job_transitions_show_their_states_from_and_to(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 4)
    order = _post(
        shared,
        "/v1/orders",
        {
            "op_id": new_op_id(),
            "channel": "web",
            "lines": [{"sku": sku, "qty": 1}],
            "customer": CUSTOMER,
            "delivery": {"kind": "home", **HOME},
        },
    )
    [job] = order["jobs"]
    assert job["location"] == "A"
    placed = _entry_of(shared, order["id"])
    assert {
        ("order", None, None, "open"),
        ("order_line", 1, None, "routed"),
        ("job", None, None, "assigned"),
    } <= _states(placed)
    assert _positions(placed) == {("A", sku): (4, 4, 0, 1)}

    steps: dict[str, dict[str, Any]] = {
        "picking": {},
        "picked": {},
        "packed": {"parcels": 1, "weight_grams": 300},
        "shipped": {"tracking": "COLIS-9"},
    }
    entries = {}
    for step, extra in steps.items():
        op_id = new_op_id()
        body = {"op_id": op_id, "to": step, **extra}
        _post(shared, f"/v1/jobs/{job['id']}/transitions", body, shared.headers("A"))
        entries[step] = _entry_of(shared, op_id)
    assert _states(entries["picking"]) == {("job", None, "assigned", "picking")}
    assert _positions(entries["picking"]) == {}
    assert _states(entries["shipped"]) == {
        ("job", None, "packed", "shipped"),
        ("job_line", 1, "open", "shipped"),
        ("order_line", 1, "routed", "shipped"),
        ("order", None, "open", "closed"),
        ("reservation", None, "pending", "committed"),
    }
    assert _positions(entries["shipped"]) == {("A", sku): (4, 3, 1, 0)}
    assert _movements(entries["shipped"]) == [("shipment", "A", sku, -1)]


def test_a_refused_operation_leaves_no_row_and_no_changes_in_the_next_one(shared: Ledger) -> None:
    sku, scarce = shared.new_sku(), shared.new_sku()
    shared.receive(sku, "A", 10)
    shared.receive(scarce, "A", 1)
    refused = ReservationCreate.model_validate(
        {
            "op_id": str(uuid7()),
            "lines": [
                {"sku": sku, "location": "A", "qty": 3},
                {"sku": scarce, "location": "A", "qty": 2},
            ],
        }
    )
    sale = MovementBatch.model_validate(
        {"op_id": str(uuid7()), "lines": [{"kind": "sale", "sku": sku, "location": "A", "qty": 1}]}
    )
    # One transaction: the refusal's first line was held, then taken back with its savepoint.
    [(first, _), (second, _)] = execute_batch(
        shared.network.engine,
        shared.clock,
        [
            operation_work("reserve", SYSTEM, refused),
            operation_work("movements", SYSTEM, sale),
        ],
    )
    assert first.status == 409
    assert second.status == 201
    assert shared.audit_rows(str(refused.op_id)) == []
    entry = _entry_of(shared, str(sale.op_id))
    assert _positions(entry) == {("A", sku): (10, 9, 0, 0)}
    assert _states(entry) == set()


def test_changes_taken_back_with_a_savepoint_leave_the_journal(shared: Ledger) -> None:
    sku = shared.new_sku()

    def receive(tx: LedgerTx, qty: int) -> None:
        seq = tx.next_seq()
        tx.change_on_hand(sku, "A", qty, default_safety_stock=0, seq=seq)
        tx.add_movement(
            seq=seq,
            op_id=new_op_id(),
            kind="receipt",
            sku=sku,
            location="A",
            qty=qty,
            actor=0,
            device="tests",
            occurred_at=tx.now,
        )

    def work(tx: LedgerTx) -> dict[str, Any]:
        start = tx.mark()
        savepoint, inner = tx.savepoint(), tx.mark()
        receive(tx, 5)
        tx.rollback_to(savepoint)
        tx.restore(inner)
        receive(tx, 2)
        return tx.journal.take(start.journal)

    detail = run_in_transaction(shared.network.engine, shared.clock, work)
    assert detail["changes"] == [
        {
            "kind": "position",
            "sku": sku,
            "location": "A",
            "on_hand_before": 0,
            "on_hand_after": 2,
            "reserved_before": 0,
            "reserved_after": 0,
        },
        {"kind": "movement", "movement": "receipt", "sku": sku, "location": "A", "qty": 2},
    ]


def test_a_huge_batch_keeps_the_first_changes_and_their_count(shared: Ledger) -> None:
    sku = shared.new_sku()
    lines = [{"kind": "receipt", "sku": sku, "location": "A", "qty": 1}] * 250
    op_id = new_op_id()
    _post(shared, "/v1/movements", {"op_id": op_id, "lines": lines})

    entry = _entry_of(shared, op_id)
    assert len(entry["changes"]) == MAX_AUDITED_CHANGES
    # one position, merged from its first change to its last, then one movement per line
    assert entry["changes_total"] == 251
    assert _positions(entry) == {("A", sku): (0, 250, 0, 0)}


def test_filters_by_device_operation_and_time(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 10)
    start = shared.last_audit_id()
    issued = _post(
        shared,
        "/v1/tokens",
        {"location": "A", "role": "associate", "device": "till-audit"},
    )
    till = {"Authorization": f"Bearer {issued['token']}"}
    early = _sell(shared, sku, 1, till)
    shared.clock.advance(timedelta(hours=1))
    boundary = shared.clock.now()
    late = _sell(shared, sku, 1, till)
    other = _sell(shared, sku, 1, shared.headers("A"))

    def ops(**query: Any) -> list[str]:
        return [e["op_id"] for e in _audit(shared, location="A", after_id=start, **query)]

    assert ops(device="till-audit") == [early, late]
    assert ops(device="till-audit", since=boundary.isoformat()) == [late]
    assert ops(device="till-audit", until=boundary.isoformat()) == [early]
    assert ops(operation="movements") == [early, late, other]
    assert ops(operation="token.issue") == [None]
    assert ops(device="till-audit", operation="count") == []


def test_filters_by_person_and_names_them(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 10)
    with shared.network.engine.begin() as connection:
        connection.execute(
            insert(table_of(StaffRow)).values(
                code="ines.a",
                name="Inès Audit",
                role="associate",
                location="A",
                pin_verifier="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                active=True,
                created_at=shared.clock.now(),
                updated_at=shared.clock.now(),
            )
        )
    start = shared.last_audit_id()
    hers = _sell(shared, sku, 1, {**shared.headers("A"), PERSON_HEADER: "ines.a"})
    _sell(shared, sku, 1, shared.headers("A"))

    [entry] = _audit(shared, location="A", after_id=start, person="ines.a")
    assert (entry["op_id"], entry["person"], entry["person_name"]) == (hers, "ines.a", "Inès Audit")
    anonymous = _audit(shared, location="A", after_id=start)[-1]
    assert (anonymous["person"], anonymous["person_name"]) == (None, None)


def test_managers_read_their_own_location_and_admins_any(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "B", 3)
    # tokens first: issuing one writes an audit row
    associate_of_b, manager_of_b = shared.headers("B"), shared.headers("B", Role.MANAGER)
    start = shared.last_audit_id()
    op_id = new_op_id()
    line = {"kind": "sale", "sku": sku, "location": "B", "qty": 1}
    _post(shared, "/v1/movements", {"op_id": op_id, "lines": [line]}, associate_of_b)

    mine = _audit(shared, manager_of_b, after_id=start)
    assert [e["op_id"] for e in mine] == [op_id]
    assert _positions(mine[0]) == {("B", sku): (3, 2, 0, 0)}
    assert [e["op_id"] for e in _audit(shared, location="B", after_id=start)] == [op_id]
    refused = shared.send(
        "GET", "/v1/audit", headers=manager_of_b, params={"location": "A", "after_id": start}
    )
    assert_problem(refused, 403, "forbidden")
    assert _audit(shared, location="A", after_id=start) == []


@pytest.mark.parametrize(
    ("query", "status", "slug"),
    [
        ({"since": "2026-03-01T09:00:00"}, 422, "validation"),
        ({"since": "yesterday"}, 422, "validation"),
        ({"since": "2026-03-02T00:00Z", "until": "2026-03-01T00:00Z"}, 422, "invalid-request"),
        ({"person": "nobody.here"}, 422, "invalid-request"),
        ({"device": "no-such-till"}, 422, "invalid-request"),
        ({"operation": "DROP TABLE"}, 422, "validation"),
    ],
)
def test_bad_filters_get_a_readable_problem(
    shared: Ledger, query: dict[str, str], status: int, slug: str
) -> None:
    reply = shared.send("GET", "/v1/audit", params={"location": "A", **query})
    body = assert_problem(reply, status, slug)
    assert body["detail"]
