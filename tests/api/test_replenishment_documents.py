"""Replenishment that knows what is coming, over HTTP, and its suggestions turned into documents.

The reports are read on 3 March 2026 at 10:00 in Paris: the 28-day window runs from 3 February
to 2 March. A store's history, worked by hand (``_store_history``): 30 received on 1 February,
7 sold on each of 7, 14, 21 and 28 February. In stock all 28 days, 28 units: 1 a day; daily
sales 7 on four days and 0 on the others: spread sqrt((28 * 196 - 28**2) / (28 * 27)) = 2.4944;
safety 1.6449 * 2.4944 * sqrt(10) = 12.97 -> 13; order up to ceil(1 * 10 + 12.97) = 23; with 2
on hand, 21 to order before anything is on its way.

Stock on its way goes through the real documents: a delivery announced to the store (on order),
a transfer sent from another store (in transit), a transfer asked of the warehouse (requested).
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ordersync.cli.parser import main as ordersync_main
from ordersync.contract import Role
from ordersync.services.replenishment_documents import PURCHASE_ORDER_COLUMNS
from ordersync.services.reports.replenishment import TRANSFERS
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem

READ_AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 3)
PARIS = ZoneInfo("Europe/Paris")
ORDER_UP_TO = 23
ON_HAND = 2


@pytest.fixture(scope="module")
def ledger(shared: Ledger) -> Ledger:
    """The shared ledger read at ``READ_AT``, with store C (Lyon), its own warehouse nearby
    and a manager at each store."""
    shared.clock.set(READ_AT)
    stores = [
        _place("C", "store", 45.76, 4.83),
        _place("WH-LYS", "warehouse", 45.72, 5.08),
        _place("D", "store", 43.30, 5.37),
        _place("E", "store", 44.84, -0.58),
    ]
    reply = shared.send("PUT", "/v1/locations", {"locations": stores})
    assert reply.status_code == 200, reply.text
    return shared


def _place(code: str, kind: str, latitude: float, longitude: float) -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "name": f"{kind.title()} {code}",
        "timezone": "Europe/Paris",
        "latitude": latitude,
        "longitude": longitude,
        "fulfils_web_orders": False,
        "daily_job_capacity": 10,
        "default_safety_stock": 0,
    }


def _at(ledger: Ledger, moment: datetime, lines: list[dict[str, Any]]) -> None:
    body = {"op_id": new_op_id(), "occurred_at": moment.isoformat(), "lines": lines}
    reply = ledger.send("POST", "/v1/movements", body)
    assert reply.status_code == 201, reply.text


def _paris(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), PARIS)


def _store_history(ledger: Ledger, sku: str, location: str, today: date = TODAY) -> None:
    """30 received 30 days before ``today``; 7 sold 22, 15, 8 and 1 days before it."""
    _at(ledger, _paris(today - timedelta(days=30), 10), [_line("receipt", sku, location, 30)])
    for back in (22, 15, 8, 1):
        _at(ledger, _paris(today - timedelta(days=back)), [_line("sale", sku, location, 7)])


def _line(kind: str, sku: str, location: str, qty: int) -> dict[str, Any]:
    return {"kind": kind, "sku": sku, "location": location, "qty": qty}


def _report(ledger: Ledger, location: str) -> dict[str, Any]:
    reply = ledger.send(
        "GET", "/v1/reports/replenishment", params={"location": location, "limit": 10_000}
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _rows(ledger: Ledger, location: str) -> dict[str, dict[str, Any]]:
    return {row["sku"]: row for row in _report(ledger, location)["rows"]}


def _push(ledger: Ledger, op: dict[str, Any]) -> dict[str, Any]:
    reply = ledger.send("POST", "/v1/ops", {"ops": [op]})
    assert reply.status_code == 200, reply.text
    [result] = reply.json()["results"]
    assert result["status"] < 300, result
    body: dict[str, Any] = result["body"]
    return body


def _request(ledger: Ledger, sku: str, source: str, target: str, qty: int) -> str:
    transfer_id = new_op_id()
    _push(
        ledger,
        {
            "op": "request_transfer",
            "op_id": transfer_id,
            "from_location": source,
            "to_location": target,
            "lines": [{"sku": sku, "qty": qty}],
        },
    )
    return transfer_id


def _send(ledger: Ledger, transfer_id: str, sku: str, qty: int, when: datetime) -> None:
    _push(
        ledger,
        {
            "op": "send_transfer",
            "op_id": new_op_id(),
            "transfer_id": transfer_id,
            "lines": [{"sku": sku, "qty": qty}],
            "occurred_at": when.isoformat(),
        },
    )


def _announce(ledger: Ledger, sku: str, destination: str, qty: int) -> None:
    body = {
        "op_id": new_op_id(),
        "reference": f"PO-{sku}-{destination}",
        "kind": "purchase_order",
        "source_kind": "location",
        "source": "WH",
        "destination": destination,
        "expected_from": "2026-03-05T08:00:00+01:00",
        "expected_until": "2026-03-05T12:00:00+01:00",
        "lines": [{"sku": sku, "qty": qty}],
    }
    reply = ledger.send("POST", "/v1/deliveries", body)
    assert reply.status_code == 201, reply.text


def _manager(ledger: Ledger, location: str) -> dict[str, str]:
    return ledger.headers(location, Role.MANAGER)


def _transfer(
    ledger: Ledger, location: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    path = f"/v1/locations/{location}/replenishment/transfer"
    return ledger.send(
        "POST", path, body, _manager(ledger, location) if headers is None else headers
    )


def _transfers_to(ledger: Ledger, location: str) -> list[tuple[str, str, str]]:
    query = (
        select(TRANSFERS.c.id, TRANSFERS.c.from_location, TRANSFERS.c.origin)
        .where(TRANSFERS.c.to_location == location)
        .order_by(TRANSFERS.c.id)
    )
    with ledger.network.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


# --- what is coming ----------------------------------------------------------------------------


def test_the_suggestion_subtracts_what_is_on_order_in_transit_and_requested(
    ledger: Ledger,
) -> None:
    sku = ledger.new_sku()
    _store_history(ledger, sku, "A")
    row = _rows(ledger, "A")[sku]
    assert (row["daily_rate"], row["safety_units"], row["order_up_to"]) == (1.0, 13, ORDER_UP_TO)
    assert (row["on_hand"], row["reserved"]) == (ON_HAND, 0)
    assert (row["on_order"], row["in_transit"], row["requested"]) == (0, 0, 0)
    assert row["suggested_qty"] == ORDER_UP_TO - ON_HAND == 21

    _announce(ledger, sku, "A", 5)  # on order
    _at(ledger, _paris(date(2026, 3, 2), 9), [_line("receipt", sku, "B", 3)])
    sent = _request(ledger, sku, "B", "A", 3)
    _send(ledger, sent, sku, 3, _paris(date(2026, 3, 2), 15))  # in transit
    _request(ledger, sku, "WH", "A", 4)  # requested, not sent
    row = _rows(ledger, "A")[sku]
    assert (row["on_order"], row["in_transit"], row["requested"]) == (5, 3, 4)
    assert (row["on_hand"], row["order_up_to"]) == (ON_HAND, ORDER_UP_TO)
    # 23 - (2 + 5 + 3 + 4) = 9
    assert row["suggested_qty"] == 9
    assert _report(ledger, "A")["demand_includes_shipments"] is False


def test_nothing_is_suggested_when_enough_is_on_its_way(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    _store_history(ledger, sku, "A")
    _announce(ledger, sku, "A", 21)
    assert sku not in _rows(ledger, "A")


def test_a_warehouse_orders_for_what_the_stores_pull(ledger: Ledger) -> None:
    """20 received on 1 February; a web sale of 1 and 5 sent to A on 10 February, 10 sent to B on
    the 17th, 3 sent to A on the 24th. Demand 6, 10 and 3 on three days: 19 units over 28 days;
    spread sqrt((28 * 145 - 19**2) / 756) = 2.2120; safety 1.6449 * 2.2120 * sqrt(10) = 11.51 ->
    12; order up to ceil(190 / 28 + 11.51) = 19; 1 on hand: 18 to order. On its web sale alone
    (1 unit) it would order up to 2: 1 unit."""
    sku = ledger.new_sku()
    _at(ledger, _paris(date(2026, 2, 1), 10), [_line("receipt", sku, "WH", 20)])
    _at(ledger, _paris(date(2026, 2, 10), 9), [_line("sale", sku, "WH", 1)])
    for day, target, qty in ((10, "A", 5), (17, "B", 10), (24, "A", 3)):
        transfer_id = _request(ledger, sku, "WH", target, qty)
        _send(ledger, transfer_id, sku, qty, _paris(date(2026, 2, day), 14))
    report = _report(ledger, "WH")
    assert report["demand_includes_shipments"] is True
    row = {r["sku"]: r for r in report["rows"]}[sku]
    assert row["daily_rate"] == round(19 / 28, 3)
    assert (row["on_hand"], row["safety_units"], row["order_up_to"]) == (1, 12, 19)
    assert row["suggested_qty"] == 18
    # the stores' shelves do not count their transfers in as sales
    assert sku not in _rows(ledger, "B")


# --- a transfer request from the suggestions ---------------------------------------------------


def test_one_action_requests_every_suggested_line_from_the_nearest_warehouse(
    ledger: Ledger,
) -> None:
    first, second = ledger.new_sku(), ledger.new_sku()
    _store_history(ledger, first, "C")
    _store_history(ledger, second, "C")
    _announce(ledger, second, "C", 6)
    op_id = new_op_id()
    reply = _transfer(ledger, "C", {"op_id": op_id})
    assert reply.status_code == 201, reply.text
    transfer = reply.json()
    assert transfer["id"] == op_id
    assert (transfer["from_location"], transfer["to_location"]) == ("WH-LYS", "C")
    assert (transfer["state"], transfer["origin"]) == ("requested", "replenishment")
    assert [(line["sku"], line["requested_qty"]) for line in transfer["lines"]] == [
        (first, 21),
        (second, 15),
    ]
    # the request is now on its way: nothing left to suggest, nothing requested twice
    rows = _rows(ledger, "C")
    assert not rows
    again = _transfer(ledger, "C", {"op_id": new_op_id()})
    assert_problem(again, 409, "invalid-state")
    assert _transfers_to(ledger, "C") == [(op_id, "WH-LYS", "replenishment")]


def test_the_same_operation_again_answers_with_the_same_transfer(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    _store_history(ledger, sku, "D")
    op_id = new_op_id()
    first = _transfer(ledger, "D", {"op_id": op_id, "skus": [sku]})
    assert first.status_code == 201, first.text
    audited = len(ledger.audit_rows(op_id))
    replay = _transfer(ledger, "D", {"op_id": op_id, "skus": [sku]})
    assert replay.status_code == 201, replay.text
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == first.json()
    assert [t[0] for t in _transfers_to(ledger, "D")] == [op_id]
    assert len(ledger.audit_rows(op_id)) == audited == 1
    # the same id for another request is refused and changes nothing
    other = _transfer(ledger, "D", {"op_id": op_id, "skus": [sku], "from_location": "B"})
    assert_problem(other, 422, "idempotency-key-reused")
    assert [t[0] for t in _transfers_to(ledger, "D")] == [op_id]


def test_chosen_lines_from_a_named_source(ledger: Ledger) -> None:
    wanted, left = ledger.new_sku(), ledger.new_sku()
    _store_history(ledger, wanted, "A")
    _store_history(ledger, left, "A")
    reply = _transfer(ledger, "A", {"op_id": new_op_id(), "from_location": "B", "skus": [wanted]})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert (body["from_location"], body["origin"]) == ("B", "replenishment")
    assert [(line["sku"], line["requested_qty"]) for line in body["lines"]] == [(wanted, 21)]
    rows = _rows(ledger, "A")
    assert wanted not in rows
    assert rows[left]["suggested_qty"] == 21


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"from_location": "A"}, 422, "invalid-request"),
        ({"from_location": "ZZ"}, 422, "unknown-location"),
        ({"skus": ["S3"]}, 409, "invalid-state"),
        ({"skus": []}, 422, "validation"),
        ({"from_location": "wh lys"}, 422, "validation"),
    ],
)
def test_bad_requests_are_problems_and_request_nothing(
    ledger: Ledger, body: dict[str, Any], status: int, slug: str
) -> None:
    sku = ledger.new_sku()
    _store_history(ledger, sku, "A")
    before = _transfers_to(ledger, "A")
    reply = _transfer(ledger, "A", {"op_id": new_op_id(), **body})
    assert_problem(reply, status, slug)
    assert _transfers_to(ledger, "A") == before


def test_a_sku_not_suggested_is_named(ledger: Ledger) -> None:
    reply = _transfer(ledger, "A", {"op_id": new_op_id(), "skus": ["S3"]})
    problem = assert_problem(reply, 409, "invalid-state")
    assert problem["not_suggested"] == ["S3"]


# --- the purchase order draft ------------------------------------------------------------------


def test_the_purchase_order_draft_is_csv_for_the_erp(ledger: Ledger) -> None:
    first, second = ledger.new_sku(), ledger.new_sku()
    _store_history(ledger, first, "E")
    _store_history(ledger, second, "E")
    _announce(ledger, first, "E", 1)
    reply = ledger.send(
        "GET", "/v1/locations/E/replenishment/purchase-order.csv", headers=_manager(ledger, "E")
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "text/csv; charset=utf-8"
    assert reply.headers["content-disposition"] == (
        'attachment; filename="purchase-order-E-2026-03-03.csv"'
    )
    table = list(csv.reader(io.StringIO(reply.content.decode("utf-8"))))
    assert tuple(table[0]) == PURCHASE_ORDER_COLUMNS
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    gtins = {
        sku: ledger.send("GET", f"/v1/items/{sku}").json()["gtins"][0] for sku in (first, second)
    }
    names = {sku: ledger.send("GET", f"/v1/items/{sku}").json()["name"] for sku in (first, second)}
    assert rows == [
        {
            "destination": "E",
            "sku": sku,
            "gtin": gtins[sku],
            "name": names[sku],
            "colour": "bleu",
            "size": "M",
            "qty": str(qty),
            "unit_price_minor": "1990",
            "currency": "EUR",
        }
        for sku, qty in ((first, 20), (second, 21))
    ]


def test_a_purchase_order_without_suggestions_is_its_header(ledger: Ledger) -> None:
    reply = ledger.send("GET", "/v1/locations/WH-LYS/replenishment/purchase-order.csv")
    assert reply.status_code == 200, reply.text
    assert list(csv.reader(io.StringIO(reply.text))) == [list(PURCHASE_ORDER_COLUMNS)]


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "target"),
    [("associate", "A"), ("manager of B", "A"), ("manager of A", "B"), ("associate", "B")],
)
def test_only_the_manager_of_the_store_or_an_admin_may(
    ledger: Ledger, caller: str, target: str
) -> None:
    sku = ledger.new_sku()
    _store_history(ledger, sku, target)
    headers = {
        "associate": ledger.headers(target, Role.ASSOCIATE),
        "manager of B": _manager(ledger, "B"),
        "manager of A": _manager(ledger, "A"),
    }[caller]
    before = _transfers_to(ledger, target)
    refused = _transfer(ledger, target, {"op_id": new_op_id(), "skus": [sku]}, headers)
    assert_problem(refused, 403, "forbidden")
    order = ledger.send(
        "GET", f"/v1/locations/{target}/replenishment/purchase-order.csv", headers=headers
    )
    assert_problem(order, 403, "forbidden")
    assert _transfers_to(ledger, target) == before
    # the store's own manager, and an admin of another store, may
    allowed = _transfer(ledger, target, {"op_id": new_op_id(), "skus": [sku]}, ledger.admin)
    assert allowed.status_code == 201, allowed.text


def test_an_unknown_location_is_a_problem(ledger: Ledger) -> None:
    assert_problem(_transfer(ledger, "ZZ", {"op_id": new_op_id()}, ledger.admin), 422)
    reply = ledger.send("GET", "/v1/locations/ZZ/replenishment/purchase-order.csv")
    assert_problem(reply, 422, "unknown-location")


# --- the command line --------------------------------------------------------------------------


def test_the_command_line_writes_the_order_and_requests_the_transfer(
    ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command reads "today" from the real clock: the history is placed relative to it."""
    today = datetime.now(UTC).astimezone(PARIS).date()
    reply = ledger.send("PUT", "/v1/locations", {"locations": [_place("F", "store", 50.63, 3.06)]})
    assert reply.status_code == 200, reply.text
    sku = ledger.new_sku()
    _store_history(ledger, sku, "F", today)
    url = ["--database-url", ledger.network.url]
    target = tmp_path / "po.csv"
    assert ordersync_main([*url, "replenishment", "purchase-order", "--location", "F",
                           "--output", str(target)]) == 0  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(row["destination"], row["sku"], row["qty"]) for row in rows] == [("F", sku, "21")]
    op_id = str(uuid.uuid4())
    transfer = [*url, "replenishment", "transfer", "--location", "F", "--op-id", op_id]
    capsys.readouterr()
    assert ordersync_main(transfer) == 0
    shown = capsys.readouterr().out
    assert f"Transfer {op_id} from WH to F" in shown
    assert sku in shown
    assert ordersync_main(transfer) == 0
    assert "(already requested)" in capsys.readouterr().out
    assert _transfers_to(ledger, "F") == [(op_id, "WH", "replenishment")]
    # nothing left: a new request is refused with the reason, exit code 2
    assert ordersync_main([*url, "replenishment", "transfer", "--location", "F"]) == 2
    assert "nothing to replenish at F" in capsys.readouterr().err
