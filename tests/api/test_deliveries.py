"""Inbound deliveries through the API, on both backends: suppliers, announcing (who may, what is
refused), receiving (exact, short, over, unexpected, blind, twice, at the wrong store) and
calling off, with positions, incoming units, feed rows, discrepancies and audit rows checked at
each step."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from ordersync.contract import Role
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem

SUPPLIER = "LISE-CHARMEL"
WINDOW = {
    "expected_from": "2026-03-05T08:00:00+01:00",
    "expected_until": "2026-03-05T12:00:00+01:00",
}


@pytest.fixture(scope="module")
def ledger(shared: Ledger) -> Ledger:
    reply = shared.send("PUT", f"/v1/suppliers/{SUPPLIER}", {"name": "Lise Charmel"})
    assert reply.status_code == 200, reply.text
    return shared


def _references() -> Any:
    number = 0
    while True:
        number += 1
        yield f"PO-{number:05d}"


_reference = _references()


def announcement(units: dict[str, int], destination: str = "A", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "op_id": new_op_id(),
        "reference": next(_reference),
        "kind": "purchase_order",
        "source_kind": "supplier",
        "source": SUPPLIER,
        "destination": destination,
        **WINDOW,
        "lines": [{"sku": sku, "qty": qty} for sku, qty in units.items()],
    }
    body.update(overrides)
    return body


def announce(
    ledger: Ledger, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    reply = ledger.send("POST", "/v1/deliveries", body, headers)
    assert reply.status_code == 201, reply.text
    delivery: dict[str, Any] = reply.json()
    return delivery


def receipt(
    delivery_id: str | None, lines: list[dict[str, Any]], location: str = "A", **extra: Any
) -> dict[str, Any]:
    return {
        "op_id": new_op_id(),
        "delivery_id": delivery_id,
        "location": location,
        "lines": lines,
        "occurred_at": "2026-03-05T10:30:00+01:00",
        **extra,
    }


def receive(
    ledger: Ledger, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return ledger.send(
        "POST", "/v1/deliveries/receipts", body, ledger.headers("A") if headers is None else headers
    )


def incoming(ledger: Ledger, location: str, sku: str) -> tuple[int, int, int]:
    """(on_order, in_transit, promised), zeros when the position expects nothing."""
    with ledger.network.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT on_order, in_transit, promised FROM incoming "
                "WHERE location = :location AND sku = :sku"
            ),
            {"location": location, "sku": sku},
        ).first()
    return (0, 0, 0) if row is None else (int(row[0]), int(row[1]), int(row[2]))


def feed_rows(ledger: Ledger, location: str, since: int) -> list[dict[str, Any]]:
    reply = ledger.send(
        "GET", "/v1/changes", params={"since": since, "location": location}, headers=ledger.admin
    )
    assert reply.status_code == 200, reply.text
    rows: list[dict[str, Any]] = reply.json()["changes"]
    return rows


def discrepancies(delivery: dict[str, Any]) -> dict[str, tuple[str, int, int, str]]:
    return {
        found["sku"]: (found["kind"], found["expected"], found["actual"], found["reason"])
        for found in delivery["discrepancies"]
    }


# --- suppliers -------------------------------------------------------------------------------


def test_a_supplier_is_put_once_listed_and_audited(ledger: Ledger) -> None:
    erp = ledger.headers("WH", Role.ERP)
    before = ledger.last_audit_id()
    for _ in range(2):
        reply = ledger.send("PUT", "/v1/suppliers/ANDRES-SARDA", {"name": "Andres Sarda"}, erp)
        assert reply.status_code == 200, reply.text
        assert reply.json()["name"] == "Andres Sarda"
    listed = ledger.send("GET", "/v1/suppliers", headers=ledger.headers("A"))
    assert listed.status_code == 200, listed.text
    codes = [supplier["code"] for supplier in listed.json()]
    assert codes.count("ANDRES-SARDA") == 1
    assert codes == sorted(codes)
    audited = [row for row in ledger.audit_after(before) if row["operation"] == "supplier.put"]
    assert len(audited) == 2


def test_a_store_device_may_not_put_a_supplier(ledger: Ledger) -> None:
    reply = ledger.send(
        "PUT", "/v1/suppliers/NOPE", {"name": "Nope"}, ledger.headers("A", Role.MANAGER)
    )
    assert_problem(reply, 403, "forbidden")
    listed = ledger.send("GET", "/v1/suppliers").json()
    assert "NOPE" not in [supplier["code"] for supplier in listed]


# --- announcing ------------------------------------------------------------------------------


def test_announcing_puts_units_on_order_on_the_destination_feed_and_audits(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    head = ledger.head()
    body = announcement({sku: 6})
    delivery = announce(ledger, body, ledger.headers("WH", Role.ERP))
    assert delivery["id"] == body["op_id"]
    assert delivery["state"] == "expected"
    assert delivery["lines"] == [
        {"line_no": 1, "sku": sku, "expected_qty": 6, "received_qty": None}
    ]
    assert incoming(ledger, "A", sku) == (6, 0, 0)
    assert ledger.stock("A", sku)[0] == 0
    rows = feed_rows(ledger, "A", head)
    (on_feed,) = [row["delivery"] for row in rows if row["kind"] == "delivery"]
    assert on_feed["id"] == body["op_id"]
    (expected,) = [row["incoming"] for row in rows if row["kind"] == "incoming"]
    assert (expected["sku"], expected["on_order"]) == (sku, 6)
    assert expected["next_expected_from"] == "2026-03-05T07:00:00Z"
    assert expected["next_expected_until"] == "2026-03-05T11:00:00Z"
    assert [row for row in feed_rows(ledger, "B", head) if row["kind"] == "delivery"] == []
    (audited,) = ledger.audit_rows(body["op_id"])
    assert audited["operation"] == "delivery.announce"
    assert audited["location"] == "A"
    assert audited["role"] == "erp"
    assert {
        "kind": "state",
        "entity": "delivery",
        "id": body["op_id"],
        "from_state": None,
        "to_state": "expected",
    } in json.loads(audited["detail"])["changes"]


def test_the_same_announcement_again_is_replayed_not_doubled(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    body = announcement({sku: 2})
    first = ledger.send("POST", "/v1/deliveries", body)
    again = ledger.send("POST", "/v1/deliveries", body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert incoming(ledger, "A", sku) == (2, 0, 0)


def test_a_second_announcement_of_a_reference_names_the_first(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    body = announcement({sku: 2})
    announce(ledger, body)
    other = {**body, "op_id": new_op_id()}
    problem = assert_problem(
        ledger.send("POST", "/v1/deliveries", other), 409, "duplicate-document"
    )
    assert problem["delivery_id"] == body["op_id"]
    assert body["reference"] in problem["detail"]
    assert incoming(ledger, "A", sku) == (2, 0, 0)


def test_an_unknown_supplier_is_refused_by_name(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    reply = ledger.send("POST", "/v1/deliveries", announcement({sku: 1}, source="NOBODY"))
    problem = assert_problem(reply, 422, "unknown-supplier")
    assert problem["supplier"] == "NOBODY"
    assert "NOBODY" in problem["detail"]
    assert incoming(ledger, "A", sku) == (0, 0, 0)


@pytest.mark.parametrize(
    ("change", "status", "slug"),
    [
        ({"destination": "NOWHERE"}, 422, "unknown-location"),
        ({"source_kind": "location", "source": "NOWHERE"}, 422, "unknown-location"),
        ({"source_kind": "location", "source": "A"}, 422, "invalid-request"),
        ({"lines": [{"sku": "NO-SUCH-SKU", "qty": 1}]}, 422, "unknown-sku"),
        ({"lines": [{"sku": "S1", "qty": 1}, {"sku": "S1", "qty": 2}]}, 422, "invalid-request"),
        ({"lines": [{"sku": "S1", "qty": 0}]}, 422, None),
        ({"lines": [{"sku": "S1", "qty": -3}]}, 422, None),
        ({"lines": [{"sku": "S1", "qty": 1.5}]}, 422, None),
        ({"lines": []}, 422, None),
        ({"expected_until": "2026-03-04T08:00:00+01:00"}, 422, None),
        ({"kind": "unannounced"}, 422, None),
        ({"expected_from": "2026-03-05T08:00:00"}, 422, None),
    ],
)
def test_a_bad_announcement_is_a_problem_and_changes_nothing(
    ledger: Ledger, change: dict[str, Any], status: int, slug: str | None
) -> None:
    before = ledger.snapshot()
    reply = ledger.send("POST", "/v1/deliveries", announcement({"S1": 1}, **change))
    assert_problem(reply, status, slug)
    after = ledger.snapshot()
    assert after["head"] == before["head"]
    assert after["positions"] == before["positions"]


def test_a_warehouse_manager_announces_what_the_warehouse_sends(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    body = announcement({sku: 4}, source_kind="location", source="WH", kind="shipping_notice")
    delivery = announce(ledger, body, ledger.headers("WH", Role.MANAGER))
    assert delivery["source"] == "WH"
    assert incoming(ledger, "A", sku) == (4, 0, 0)


@pytest.mark.parametrize(
    ("location", "role", "source_kind", "source"),
    [
        ("WH", Role.MANAGER, "supplier", SUPPLIER),
        ("WH", Role.ASSOCIATE, "location", "WH"),
        ("B", Role.MANAGER, "location", "B"),
        ("A", Role.MANAGER, "supplier", SUPPLIER),
    ],
)
def test_stores_and_warehouse_associates_may_not_announce(
    ledger: Ledger, location: str, role: Role, source_kind: str, source: str
) -> None:
    sku = ledger.new_sku()
    body = announcement({sku: 1}, source_kind=source_kind, source=source)
    reply = ledger.send("POST", "/v1/deliveries", body, ledger.headers(location, role))
    assert_problem(reply, 403, "forbidden")
    assert incoming(ledger, "A", sku) == (0, 0, 0)


# --- receiving -------------------------------------------------------------------------------


def test_a_delivery_received_exactly_puts_its_units_on_the_shelf(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, announcement({sku: 5}))
    head = ledger.head()
    body = receipt(delivery["id"], [{"sku": sku, "qty": 2}, {"sku": sku, "qty": 3}])
    reply = receive(ledger, body)
    assert reply.status_code == 200, reply.text
    received = reply.json()
    assert received["state"] == "received"
    assert received["received_at"] == "2026-03-05T09:30:00Z"
    assert received["lines"][0]["received_qty"] == 5
    assert received["discrepancies"] == []
    assert ledger.stock("A", sku)[0] == 5
    assert incoming(ledger, "A", sku) == (0, 0, 0)
    assert ledger.movement_count(body["op_id"]) == 1
    kinds = {row["kind"] for row in feed_rows(ledger, "A", head)}
    assert {"delivery", "incoming", "position"} <= kinds
    (audited,) = ledger.audit_rows(body["op_id"])
    assert (audited["operation"], audited["location"]) == ("delivery.receive", "A")


def test_short_over_and_unexpected_units_are_received_and_recorded(ledger: Ledger) -> None:
    short, over, missing, stranger = (ledger.new_sku() for _ in range(4))
    delivery = announce(ledger, announcement({short: 5, over: 2, missing: 3}))
    reply = receive(
        ledger,
        receipt(
            delivery["id"],
            [
                {"sku": short, "qty": 3},
                {"sku": short, "qty": 1, "reason": "damaged"},
                {"sku": over, "qty": 3},
                {"sku": stranger, "qty": 1},
            ],
        ),
    )
    assert reply.status_code == 200, reply.text
    received = reply.json()
    assert discrepancies(received) == {
        short: ("under_received", 5, 4, "damaged"),
        over: ("over_received", 2, 3, "extra"),
        missing: ("under_received", 3, 0, "missing"),
        stranger: ("unexpected", 0, 1, "wrong_item"),
    }
    lines = {
        line["sku"]: (line["expected_qty"], line["received_qty"]) for line in received["lines"]
    }
    assert lines == {short: (5, 4), over: (2, 3), missing: (3, 0), stranger: (0, 1)}
    assert [ledger.stock("A", sku)[0] for sku in (short, over, missing, stranger)] == [4, 3, 0, 1]
    assert [incoming(ledger, "A", sku) for sku in (short, over, missing)] == [(0, 0, 0)] * 3
    fetched = ledger.send("GET", f"/v1/deliveries/{delivery['id']}", headers=ledger.headers("A"))
    assert fetched.status_code == 200
    assert discrepancies(fetched.json()) == discrepancies(received)


def test_a_second_receipt_is_a_clear_conflict_and_the_first_stands(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, announcement({sku: 2}))
    first = receipt(delivery["id"], [{"sku": sku, "qty": 2}])
    assert receive(ledger, first).status_code == 200
    replay = receive(ledger, first)
    assert replay.status_code == 200
    assert replay.headers.get("Idempotent-Replayed") == "true"
    problem = assert_problem(
        receive(ledger, receipt(delivery["id"], [{"sku": sku, "qty": 2}])), 409, "already-received"
    )
    assert problem["received_by_op"] == first["op_id"]
    assert "already received on 2026-03-05" in problem["detail"]
    assert first["op_id"] in problem["detail"]
    assert ledger.stock("A", sku)[0] == 2


def test_a_delivery_is_received_only_where_it_goes(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, announcement({sku: 2}, destination="B"))
    problem = assert_problem(
        receive(ledger, receipt(delivery["id"], [{"sku": sku, "qty": 2}]), headers=ledger.admin),
        422,
        "wrong-location",
    )
    assert problem["destination"] == "B"
    assert_problem(
        receive(ledger, receipt(delivery["id"], [{"sku": sku, "qty": 2}], location="B")), 403
    )
    assert ledger.stock("A", sku)[0] == ledger.stock("B", sku)[0] == 0
    assert incoming(ledger, "B", sku) == (2, 0, 0)


def test_an_unknown_sku_refuses_the_whole_receipt(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, announcement({sku: 2}))
    body = receipt(delivery["id"], [{"sku": sku, "qty": 2}, {"sku": "GHOST-1", "qty": 1}])
    problem = assert_problem(receive(ledger, body), 422, "unknown-sku")
    assert problem["sku"] == "GHOST-1"
    assert ledger.stock("A", sku)[0] == 0
    assert incoming(ledger, "A", sku) == (2, 0, 0)
    state = ledger.send("GET", f"/v1/deliveries/{delivery['id']}").json()["state"]
    assert state == "expected"


def test_an_unknown_delivery_is_not_found(ledger: Ledger) -> None:
    assert_problem(
        receive(ledger, receipt(new_op_id(), [{"sku": "S1", "qty": 1}])), 404, "not-found"
    )
    assert_problem(ledger.send("GET", f"/v1/deliveries/{new_op_id()}"), 404, "not-found")


@pytest.mark.parametrize(
    "line", [{"qty": -1}, {"qty": 1.5}, {"qty": 10**9}, {"qty": None}, {"reason": "lost"}]
)
def test_bad_scanned_quantities_are_refused_by_the_contract(
    ledger: Ledger, line: dict[str, Any]
) -> None:
    body = receipt(None, [{"sku": "S1", "qty": 1, **line}])
    assert_problem(receive(ledger, body), 422)


def test_a_blind_receipt_records_an_unannounced_delivery(ledger: Ledger) -> None:
    sku, other = ledger.new_sku(), ledger.new_sku()
    body = receipt(
        None,
        [
            {"sku": sku, "qty": 2},
            {"sku": other, "qty": 1, "reason": "other"},
            {"sku": "S1", "qty": 0},
        ],
        source_kind="supplier",
        source="NEVER-HEARD-OF",
        reference="BL-778",
    )
    reply = receive(ledger, body)
    assert reply.status_code == 200, reply.text
    blind = reply.json()
    assert (blind["kind"], blind["state"], blind["source"], blind["reference"]) == (
        "unannounced",
        "received",
        "NEVER-HEARD-OF",
        "BL-778",
    )
    assert discrepancies(blind) == {
        sku: ("unannounced", 0, 2, "other"),
        other: ("unannounced", 0, 1, "other"),
    }
    assert ledger.stock("A", sku)[0] == 2
    assert incoming(ledger, "A", sku) == (0, 0, 0)
    again = receive(ledger, {**body, "op_id": new_op_id()})
    assert again.status_code == 200, again.text
    assert again.json()["reference"].startswith("BL-778/BLIND-")
    assert ledger.stock("A", sku)[0] == 4


def test_a_blind_receipt_without_paperwork_gets_a_blind_reference(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    body = receipt(None, [{"sku": sku, "qty": 1}])
    reply = receive(ledger, body)
    assert reply.status_code == 200, reply.text
    assert reply.json()["source"] == "UNKNOWN"
    assert reply.json()["reference"].startswith(f"BLIND-{body['op_id'][:8]}")
    second = receipt(None, [{"sku": sku, "qty": 1}])
    again = receive(ledger, second)
    assert again.status_code == 200, again.text
    assert again.json()["reference"] != reply.json()["reference"]
    assert ledger.stock("A", sku)[0] == 2


def test_paperwork_naming_an_expected_delivery_receives_that_delivery(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    body = announcement({sku: 3})
    announce(ledger, body)
    reply = receive(
        ledger,
        receipt(
            None,
            [{"sku": sku, "qty": 3}],
            source_kind="supplier",
            source=SUPPLIER,
            reference=body["reference"],
        ),
    )
    assert reply.status_code == 200, reply.text
    received = reply.json()
    assert (received["id"], received["kind"], received["state"]) == (
        body["op_id"],
        "purchase_order",
        "received",
    )
    assert received["discrepancies"] == []
    assert incoming(ledger, "A", sku) == (0, 0, 0)
    assert ledger.stock("A", sku)[0] == 3


def test_receiving_through_the_push_gives_the_same_answer(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, announcement({sku: 3}))
    body = receipt(delivery["id"], [{"sku": sku, "qty": 3}])
    pushed = ledger.send(
        "POST", "/v1/ops", {"ops": [{"op": "receive_delivery", **body}]}, ledger.headers("A")
    )
    assert pushed.status_code == 200, pushed.text
    (result,) = pushed.json()["results"]
    direct = receive(ledger, body)
    assert direct.headers.get("Idempotent-Replayed") == "true"
    assert result["body"] == direct.json()
    assert ledger.stock("A", sku)[0] == 3


# --- calling off -----------------------------------------------------------------------------


def test_a_cancelled_delivery_is_no_longer_on_order_nor_receivable(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, announcement({sku: 7}))
    cancel = {"op_id": new_op_id(), "reason": "supplier out of stock"}
    store = ledger.send(
        "POST", f"/v1/deliveries/{delivery['id']}/cancel", cancel, ledger.headers("A", Role.MANAGER)
    )
    assert_problem(store, 403, "forbidden")
    reply = ledger.send("POST", f"/v1/deliveries/{delivery['id']}/cancel", cancel)
    assert reply.status_code == 200, reply.text
    assert reply.json()["state"] == "cancelled"
    assert incoming(ledger, "A", sku) == (0, 0, 0)
    (audited,) = ledger.audit_rows(cancel["op_id"])
    assert (audited["operation"], audited["location"]) == ("delivery.cancel", "A")
    again = {"op_id": new_op_id(), "reason": "twice"}
    assert_problem(
        ledger.send("POST", f"/v1/deliveries/{delivery['id']}/cancel", again), 409, "invalid-state"
    )
    late = receive(ledger, receipt(delivery["id"], [{"sku": sku, "qty": 7}]))
    assert "cancelled" in assert_problem(late, 409, "invalid-state")["detail"]
    assert ledger.stock("A", sku)[0] == 0


def test_a_received_delivery_cannot_be_cancelled(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, announcement({sku: 1}))
    assert receive(ledger, receipt(delivery["id"], [{"sku": sku, "qty": 1}])).status_code == 200
    reply = ledger.send(
        "POST", f"/v1/deliveries/{delivery['id']}/cancel", {"op_id": new_op_id(), "reason": "x"}
    )
    assert_problem(reply, 409, "already-received")
    assert ledger.stock("A", sku)[0] == 1


# --- reading ---------------------------------------------------------------------------------


def test_a_store_lists_its_own_deliveries_and_the_erp_any(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    to_a = announce(ledger, announcement({sku: 1}))
    to_b = announce(ledger, announcement({sku: 1}, destination="B"))
    mine = ledger.send(
        "GET", "/v1/deliveries", headers=ledger.headers("A"), params={"state": "expected"}
    )
    assert mine.status_code == 200, mine.text
    ids = [delivery["id"] for delivery in mine.json()["deliveries"]]
    assert to_a["id"] in ids
    assert to_b["id"] not in ids
    assert all(delivery["destination"] == "A" for delivery in mine.json()["deliveries"])
    assert_problem(
        ledger.send("GET", "/v1/deliveries", headers=ledger.headers("A"), params={"location": "B"}),
        403,
        "forbidden",
    )
    everywhere = ledger.send(
        "GET", "/v1/deliveries", headers=ledger.headers("WH", Role.ERP), params={"limit": 500}
    )
    ids = [delivery["id"] for delivery in everywhere.json()["deliveries"]]
    assert to_a["id"] in ids
    assert to_b["id"] in ids
    assert_problem(
        ledger.send("GET", f"/v1/deliveries/{to_b['id']}", headers=ledger.headers("A")), 403
    )
    assert_problem(
        ledger.send("GET", "/v1/deliveries", params={"location": "NOWHERE"}),
        422,
        "unknown-location",
    )
    received = ledger.send(
        "GET", "/v1/deliveries", headers=ledger.headers("A"), params={"state": "received"}
    )
    assert all(delivery["state"] == "received" for delivery in received.json()["deliveries"])
