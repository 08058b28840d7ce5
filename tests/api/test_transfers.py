"""Transfers between locations over the API: requested, sent by scan (in transit), received by
scan, or called off; their discrepancies, positions, incoming units, feed rows and audit rows at
each step, on both backends.

Store A is in Paris and B in Lyon (about 390 km: the policy's ``far_days``, 2); the warehouse WH
is in Paris (``near_days``, 1). Each test uses SKUs of its own on the module's shared ledger.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ordersync.contract import Role
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem
from tests.support.transfers import (
    RECEIVED_AT,
    SENT_AT,
    Transfers,
    discrepancies,
    line_quantities,
    lines_of,
    of_kind,
)


@pytest.fixture
def transfers(shared: Ledger) -> Transfers:
    return Transfers(shared)


# --- the whole journey -----------------------------------------------------------------------


def test_a_transfer_requested_sent_and_received_exactly(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 10)
    ledger.receive(sku, "B", 1)
    head = ledger.head()

    reply = transfers.request(lines_of(**{sku: 3}), headers=ledger.headers("B", Role.MANAGER))
    assert reply.status_code == 201, reply.text
    requested = reply.json()
    transfer_id = requested["id"]
    assert requested["state"] == "requested"
    assert (requested["from_location"], requested["to_location"]) == ("A", "B")
    assert requested["origin"] == "manual"
    assert requested["requested_at"] == ledger.clock.now().isoformat().replace("+00:00", "Z")
    assert requested["sent_at"] is None
    assert requested["expected_at"] is None
    assert line_quantities(requested) == [(sku, 3, None, None)]
    assert ledger.stock("A", sku)[0] == 10
    assert ledger.stock("B", sku)[0] == 1
    assert transfers.in_transit("B", sku) is None
    for end in ("A", "B"):
        assert [t["state"] for t in of_kind(transfers.feed(end, head), "transfer")] == ["requested"]

    head = ledger.head()
    sent = transfers.sent(transfer_id, lines_of(**{sku: 3}))
    assert sent["state"] == "sent"
    assert sent["sent_at"] == SENT_AT
    assert sent["expected_at"] == "2026-03-04T10:00:00Z"  # Paris to Lyon: far_days, 2
    assert line_quantities(sent) == [(sku, 3, 3, None)]
    assert sent["discrepancies"] == []
    assert ledger.stock("A", sku) == (7, 0, 0, False)
    assert ledger.stock("B", sku)[0] == 1
    assert transfers.in_transit("B", sku) == (0, 3, 0)
    at_b = transfers.feed("B", head)
    [incoming] = of_kind(at_b, "incoming")
    assert (incoming["sku"], incoming["in_transit"], incoming["on_order"]) == (sku, 3, 0)
    assert incoming["next_expected_from"] == incoming["next_expected_until"] == sent["expected_at"]
    assert [t["state"] for t in of_kind(at_b, "transfer")] == ["sent"]
    at_a = transfers.feed("A", head)
    assert [(p["sku"], p["on_hand"]) for p in of_kind(at_a, "position")] == [(sku, 7)]
    assert [t["state"] for t in of_kind(at_a, "transfer")] == ["sent"]
    assert of_kind(at_a, "incoming") == []

    head = ledger.head()
    received = transfers.received(transfer_id, lines_of(**{sku: 3}))
    assert received["state"] == "received"
    assert received["received_at"] == RECEIVED_AT
    assert line_quantities(received) == [(sku, 3, 3, 3)]
    assert received["discrepancies"] == []
    assert ledger.stock("A", sku)[0] == 7
    assert ledger.stock("B", sku)[0] == 4
    assert transfers.in_transit("B", sku) == (0, 0, 0)
    at_b = transfers.feed("B", head)
    [incoming] = of_kind(at_b, "incoming")
    assert incoming["in_transit"] == 0
    assert incoming["next_expected_from"] is None
    assert [(p["sku"], p["on_hand"]) for p in of_kind(at_b, "position")] == [(sku, 4)]
    assert [t["state"] for t in of_kind(transfers.feed("A", head), "transfer")] == ["received"]
    assert transfers.read(transfer_id) == received


def test_each_step_is_audited_once_at_the_end_that_acted(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    op_ids = [new_op_id() for _ in range(3)]
    assert transfers.request(lines_of(**{sku: 2}), op_id=op_ids[0]).status_code == 201
    transfer_id = op_ids[0]
    path = f"/v1/transfers/{transfer_id}"
    shipment = {"op_id": op_ids[1], "lines": lines_of(**{sku: 2})}
    assert ledger.send("POST", f"{path}/send", shipment, ledger.headers("A")).status_code == 200
    arrival = {"op_id": op_ids[2], "lines": lines_of(**{sku: 2})}
    assert ledger.send("POST", f"{path}/receive", arrival, ledger.headers("B")).status_code == 200
    seen = []
    for op_id in op_ids:
        [row] = ledger.audit_rows(op_id)
        detail = json.loads(row["detail"])
        states = [
            (change["from_state"], change["to_state"])
            for change in detail["changes"]
            if change["kind"] == "state" and change["entity"] == "transfer"
        ]
        moved = [
            (change["movement"], change["location"], change["qty"])
            for change in detail["changes"]
            if change["kind"] == "movement"
        ]
        seen.append((row["operation"], row["location"], row["role"], states, moved))
    assert seen == [
        ("transfer.request", "B", "admin", [(None, "requested")], []),
        ("transfer.send", "A", "associate", [("requested", "sent")], [("transfer_out", "A", -2)]),
        (
            "transfer.receive",
            "B",
            "associate",
            [("sent", "received")],
            [("transfer_in", "B", 2)],
        ),
    ]


# --- discrepancies ---------------------------------------------------------------------------


def test_fewer_units_sent_than_requested_are_under_shipped(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku, other = ledger.new_sku(), ledger.new_sku()
    ledger.receive(sku, "A", 10)
    transfer_id = transfers.requested(lines_of(**{sku: 3, other: 2}))
    sent = transfers.sent(transfer_id, [{"sku": sku, "qty": 2, "reason": "damaged"}])
    assert line_quantities(sent) == [(sku, 3, 2, None), (other, 2, 0, None)]
    assert discrepancies(sent) == [
        ("A", sku, "under_shipped", 3, 2, "damaged"),
        ("A", other, "under_shipped", 2, 0, "not_in_stock"),
    ]
    assert ledger.stock("A", sku)[0] == 8
    assert transfers.in_transit("B", sku) == (0, 2, 0)
    assert transfers.in_transit("B", other) is None


def test_units_not_requested_or_beyond_the_request_are_over_shipped(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku, extra = ledger.new_sku(), ledger.new_sku()
    ledger.receive(sku, "A", 10)
    ledger.receive(extra, "A", 10)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    lines = [{"sku": sku, "qty": 1}, {"sku": extra, "qty": 1}, {"sku": sku, "qty": 2}]
    sent = transfers.sent(transfer_id, lines)
    assert line_quantities(sent) == [(sku, 2, 3, None), (extra, 0, 1, None)]
    assert discrepancies(sent) == [
        ("A", sku, "over_shipped", 2, 3, "extra"),
        ("A", extra, "over_shipped", 0, 1, "extra"),
    ]
    assert (ledger.stock("A", sku)[0], ledger.stock("A", extra)[0]) == (7, 9)
    assert transfers.in_transit("B", extra) == (0, 1, 0)


@pytest.mark.parametrize(("held", "reserved"), [(1, 0), (0, 0), (3, 2)])
def test_a_send_the_record_cannot_cover_is_recorded_flagged_and_never_refused(
    transfers: Transfers, held: int, reserved: int
) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    if held:
        ledger.receive(sku, "A", held)
    if reserved:
        ledger.reserve(sku, "A", reserved)
    transfer_id = transfers.requested(lines_of(**{sku: 3}))
    sent = transfers.sent(transfer_id, lines_of(**{sku: 3}))
    assert sent["state"] == "sent"
    assert discrepancies(sent) == [
        ("A", sku, "sent_without_stock", held - reserved, 3, "not_in_stock")
    ]
    assert ledger.stock("A", sku) == (held - 3, reserved, 0, True)
    assert transfers.count_tasks("A", sku) == ["sent_without_stock"]
    assert transfers.in_transit("B", sku) == (0, 3, 0)
    reply = ledger.send(
        "GET", "/v1/reports/suspect-positions", params={"location": "A"}, headers=None
    )
    assert reply.status_code == 200, reply.text
    assert sku in reply.text


def test_a_unit_short_on_arrival_is_lost_in_transit(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 10)
    ledger.receive(sku, "B", 2)
    transfer_id = transfers.requested(lines_of(**{sku: 4}))
    transfers.sent(transfer_id, lines_of(**{sku: 4}))
    received = transfers.received(transfer_id, lines_of(**{sku: 3}))
    assert line_quantities(received) == [(sku, 4, 4, 3)]
    assert discrepancies(received) == [("B", sku, "under_received", 4, 3, "missing")]
    assert transfers.in_transit("B", sku) == (0, 0, 0)
    assert ledger.stock("B", sku)[0] == 2 + 4 - 1
    assert ledger.stock("A", sku)[0] == 10 - 4  # the source is not credited back


def test_more_units_than_sent_are_over_received(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 10)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    transfers.sent(transfer_id, lines_of(**{sku: 2}))
    received = transfers.received(transfer_id, lines_of(**{sku: 3}))
    assert discrepancies(received) == [("B", sku, "over_received", 2, 3, "extra")]
    assert ledger.stock("B", sku)[0] == 3
    assert transfers.in_transit("B", sku) == (0, 0, 0)


def test_an_item_never_sent_is_unexpected(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku, stray, unsent = ledger.new_sku(), ledger.new_sku(), ledger.new_sku()
    ledger.receive(sku, "A", 10)
    transfer_id = transfers.requested(lines_of(**{sku: 2, unsent: 1}))
    transfers.sent(transfer_id, lines_of(**{sku: 2}))
    lines = [{"sku": sku, "qty": 2}, {"sku": stray, "qty": 1}, {"sku": unsent, "qty": 1}]
    received = transfers.received(transfer_id, lines)
    assert line_quantities(received) == [
        (sku, 2, 2, 2),
        (unsent, 1, 0, 1),
        (stray, 0, 0, 1),
    ]
    assert discrepancies(received)[1:] == [
        ("B", unsent, "unexpected", 0, 1, "wrong_item"),
        ("B", stray, "unexpected", 0, 1, "wrong_item"),
    ]
    assert (ledger.stock("B", stray)[0], ledger.stock("B", unsent)[0]) == (1, 1)


def test_a_warehouse_nearby_is_expected_after_the_near_days(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "WH", 50)
    transfer_id = transfers.requested(lines_of(**{sku: 5}), from_location="WH", to_location="A")
    reply = transfers.send(transfer_id, lines_of(**{sku: 5}), headers=ledger.admin)
    assert reply.status_code == 200, reply.text
    assert reply.json()["expected_at"] == "2026-03-03T10:00:00Z"


# --- what each step allows -------------------------------------------------------------------


def test_receiving_before_the_send_is_refused_and_changes_nothing(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    before = ledger.snapshot([sku])
    problem = assert_problem(transfers.receive(transfer_id, lines_of(**{sku: 2})), 409)
    assert problem["type"].endswith(":invalid-state")
    assert "has not been sent yet" in problem["detail"]
    assert problem["state"] == "requested"
    after = ledger.snapshot([sku])
    assert {k: v for k, v in after.items() if k != "stored_outcomes"} == {
        k: v for k, v in before.items() if k != "stored_outcomes"
    }
    assert transfers.read(transfer_id)["state"] == "requested"


def test_a_second_send_is_told_when_and_by_which_operation(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    first_op = new_op_id()
    path = f"/v1/transfers/{transfer_id}/send"
    body = {"op_id": first_op, "lines": lines_of(**{sku: 2}), "occurred_at": SENT_AT}
    assert ledger.send("POST", path, body, ledger.headers("A")).status_code == 200
    before = ledger.snapshot([sku])
    problem = assert_problem(transfers.send(transfer_id, lines_of(**{sku: 2})), 409, "already-sent")
    assert (problem["op_id"], problem["sent_at"]) == (first_op, SENT_AT)
    assert first_op in problem["detail"]
    assert ledger.snapshot([sku])["positions"] == before["positions"]
    assert ledger.snapshot([sku])["movements"] == before["movements"]
    assert transfers.in_transit("B", sku) == (0, 2, 0)
    transfers.received(transfer_id, lines_of(**{sku: 2}))
    again = assert_problem(transfers.receive(transfer_id, lines_of(**{sku: 2})), 409)
    assert again["type"].endswith(":already-received")
    assert again["received_at"] == RECEIVED_AT
    assert ledger.stock("B", sku)[0] == 2


def test_the_same_operation_sent_again_gets_the_same_answer(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    body = {"op_id": new_op_id(), "lines": lines_of(**{sku: 2}), "occurred_at": SENT_AT}
    path = f"/v1/transfers/{transfer_id}/send"
    first = ledger.send("POST", path, body, ledger.headers("A"))
    assert first.status_code == 200, first.text
    state = ledger.snapshot([sku])
    again = ledger.send("POST", path, body, ledger.headers("A"))
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert ledger.snapshot([sku]) == state
    assert ledger.movement_count(body["op_id"]) == 1
    changed = {**body, "lines": lines_of(**{sku: 1})}
    assert_problem(ledger.send("POST", path, changed, ledger.headers("A")), 422)


@pytest.mark.parametrize("action", ["request", "send", "receive", "cancel"])
def test_each_step_gets_the_same_outcome_through_ops(transfers: Transfers, action: str) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    op_id = new_op_id()
    lines = lines_of(**{sku: 1})
    op: dict[str, Any] = {"op_id": op_id}
    if action == "request":
        op.update(op="request_transfer", from_location="A", to_location="B", lines=lines)
        path, headers = "/v1/transfers", ledger.headers("A", Role.MANAGER)
    else:
        transfer_id = transfers.requested(lines)
        if action == "receive":
            transfers.sent(transfer_id, lines)
        extra: dict[str, Any] = {"reason": "not needed"} if action == "cancel" else {}
        op.update(op=f"{action}_transfer", transfer_id=transfer_id, lines=lines, **extra)
        if action == "cancel":
            del op["lines"]
        path = f"/v1/transfers/{transfer_id}/{action}"
        headers = ledger.headers("B" if action == "receive" else "A", Role.MANAGER)
    pushed = ledger.send("POST", "/v1/ops", {"ops": [op]}, headers)
    assert pushed.status_code == 200, pushed.text
    [result] = pushed.json()["results"]
    assert result["status"] in (200, 201), result
    assert result["replayed"] is False
    single = {k: v for k, v in op.items() if k not in ("op", "transfer_id")}
    reply = ledger.send("POST", path, single, headers)
    assert (reply.status_code, reply.json()) == (result["status"], result["body"])
    assert reply.headers.get("Idempotent-Replayed") == "true"
    assert len(ledger.audit_rows(op_id)) == 1


def test_a_request_is_cancelled_only_before_it_is_sent(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    head = ledger.head()
    reply = transfers.step(
        transfer_id, "cancel", {"reason": "sold out here"}, ledger.headers("B", Role.MANAGER)
    )
    assert reply.status_code == 200, reply.text
    assert (reply.json()["state"], reply.json()["cancel_reason"]) == ("cancelled", "sold out here")
    for end in ("A", "B"):
        assert [t["state"] for t in of_kind(transfers.feed(end, head), "transfer")] == ["cancelled"]
    refused = assert_problem(transfers.send(transfer_id, lines_of(**{sku: 2})), 409)
    assert "was cancelled (sold out here)" in refused["detail"]
    assert ledger.stock("A", sku)[0] == 5
    other = transfers.requested(lines_of(**{sku: 1}))
    transfers.sent(other, lines_of(**{sku: 1}))
    late = transfers.step(
        other, "cancel", {"reason": "too late"}, ledger.headers("A", Role.MANAGER)
    )
    assert "it can only be received now" in assert_problem(late, 409, "already-sent")["detail"]


# --- bad requests ----------------------------------------------------------------------------


def test_requests_name_known_places_and_skus_each_once(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    twice = transfers.request([{"sku": sku, "qty": 1}, {"sku": sku, "qty": 2}])
    assert sku in assert_problem(twice, 422, "invalid-request")["detail"]
    assert_problem(transfers.request(lines_of(NOPE=1)), 422, "unknown-sku")
    assert_problem(
        transfers.request(lines_of(**{sku: 1}), to_location="ZZ"), 422, "unknown-location"
    )
    assert_problem(transfers.request(lines_of(**{sku: 1}), to_location="A"), 422)


def test_a_send_or_receipt_of_nothing_is_refused(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    nothing = assert_problem(transfers.send(transfer_id, lines_of(**{sku: 0})), 422)
    assert nothing["detail"] == "nothing scanned: cancel the transfer instead"
    assert_problem(transfers.send(transfer_id, []), 422, "invalid-request")
    transfers.sent(transfer_id, lines_of(**{sku: 2}))
    assert_problem(transfers.receive(transfer_id, []), 422, "invalid-request")
    assert_problem(transfers.receive(transfer_id, lines_of(NOPE=1)), 422, "unknown-sku")
    assert transfers.read(transfer_id)["state"] == "sent"


def test_a_transfer_none_of_whose_units_arrived_is_received_all_under_received(
    transfers: Transfers,
) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    transfers.sent(transfer_id, lines_of(**{sku: 2}))
    reply = transfers.receive(transfer_id, lines_of(**{sku: 0}))
    assert reply.status_code == 200, reply.text
    received = reply.json()
    assert received["state"] == "received"
    assert [(d["kind"], d["expected"], d["actual"]) for d in received["discrepancies"]] == [
        ("under_received", 2, 0)
    ]
    arrived = ledger.position("B", sku)
    assert arrived is None or arrived["on_hand"] == 0
    assert transfers.in_transit("B", sku) == (0, 0, 0)


def test_an_unknown_transfer_is_a_404_problem(transfers: Transfers) -> None:
    unknown = new_op_id()
    assert_problem(transfers.ledger.send("GET", f"/v1/transfers/{unknown}"), 404, "not-found")
    assert_problem(transfers.send(unknown, lines_of(S1=1)), 404, "not-found")


def test_an_instant_transfer_is_an_admin_correction(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    line = {"kind": "transfer", "sku": sku, "from_location": "A", "to_location": "B", "qty": 2}
    refused = assert_problem(
        ledger.movements([line], ledger.headers("A", Role.MANAGER)), 403, "forbidden"
    )
    assert refused["required_role"] == "admin"
    assert "POST /v1/transfers" in refused["detail"]
    assert ledger.movements([line]).status_code == 201
    assert (ledger.stock("A", sku)[0], ledger.stock("B", sku)[0]) == (3, 2)
