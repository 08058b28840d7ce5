"""Units set aside by disposition over the API, on both backends: moved between dispositions,
written off by a manager, found damaged when picking, returned to the warehouse by transfer,
left out of counts, and shown in every read of a position.

Store A is in Paris, B in Lyon and the warehouse WH in Paris; a web order delivered in Paris goes
to A when A can serve it. Each test uses SKUs of its own on the module's shared ledger.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from ordersync.contract import Disposition, MovementKind, RejectReason, Role, RoutingReason
from ordersync.services.availability import reference_availability, sku_availability
from ordersync.services.check import check_ledger
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem
from tests.support.transfers import Transfers, lines_of

DAMAGED = Disposition.DAMAGED.value
DISPLAY = Disposition.DISPLAY.value
SELLABLE = Disposition.SELLABLE.value
STOCK_KEYS = ("positions", "head", "movements", "reservations")
"""What a refused operation must leave as it was (its stored refusal aside)."""
PARIS = {"kind": "home", "address": "1 rue de Rivoli, Paris", "latitude": 48.85, "longitude": 2.35}


# --- driving the API -------------------------------------------------------------------------


def move(
    ledger: Ledger,
    location: str,
    lines: list[tuple[str, int, str, str]],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Move units between dispositions: lines of (sku, qty, from, to)."""
    body = {
        "op_id": new_op_id(),
        "location": location,
        "lines": [
            {"sku": sku, "qty": qty, "from_disposition": source, "to_disposition": target}
            for sku, qty, source, target in lines
        ],
        "reason": "seen on the shop floor",
    }
    return ledger.send("POST", "/v1/dispositions", body, headers or ledger.headers(location))


def set_aside(ledger: Ledger, location: str, sku: str, qty: int, to: str = DAMAGED) -> None:
    reply = move(ledger, location, [(sku, qty, SELLABLE, to)])
    assert reply.status_code == 201, reply.text


def write_off(
    ledger: Ledger, location: str, sku: str, qty: int, headers: dict[str, str]
) -> httpx.Response:
    body = {
        "op_id": new_op_id(),
        "location": location,
        "lines": [{"sku": sku, "qty": qty, "disposition": DAMAGED}],
        "reason": "beyond repair",
    }
    return ledger.send("POST", "/v1/write-offs", body, headers)


def shelf(ledger: Ledger, location: str, sku: str) -> tuple[int, int, int, int, dict[str, int]]:
    """(on_hand, unavailable, reserved, available, dispositions) of a position."""
    found = ledger.position(location, sku)
    assert found is not None
    return (
        found["on_hand"],
        found["unavailable"],
        found["reserved"],
        found["available"],
        found["dispositions"],
    )


def web_order(ledger: Ledger, sku: str, qty: int = 1) -> dict[str, Any]:
    body = {
        "op_id": new_op_id(),
        "channel": "web",
        "external_ref": "WEB-D",
        "lines": [{"sku": sku, "qty": qty}],
        "customer": {"name": "Camille Martin", "email": "camille@example.org"},
        "delivery": PARIS,
    }
    reply = ledger.send("POST", "/v1/orders", body)
    assert reply.status_code == 201, reply.text
    order: dict[str, Any] = reply.json()
    return order


def verdicts(order: dict[str, Any]) -> dict[str, list[str]]:
    """Each candidate of the order's last routing decision with the codes of its reasons."""
    explanation = order["routing"][-1]["explanation"]
    return {
        candidate["location"]: [reason["code"] for reason in candidate["reasons"]]
        for candidate in explanation["candidates"]
    }


def movements_of(ledger: Ledger, sku: str) -> list[tuple[str, str, int, str | None]]:
    """(kind, location, qty, disposition) of the SKU's movements, in order."""
    with ledger.network.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT kind, location, qty, disposition FROM movements WHERE sku = :sku "
                "ORDER BY seq"
            ),
            {"sku": sku},
        ).all()
    return [
        (str(kind), str(where), int(qty), disposition) for kind, where, qty, disposition in rows
    ]


def open_count_tasks(ledger: Ledger, location: str, sku: str) -> int:
    with ledger.network.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT COUNT(*) FROM count_tasks WHERE sku = :sku AND location = :location "
                "AND closed_at IS NULL"
            ),
            {"sku": sku, "location": location},
        ).scalar_one()
    return int(found)


def assert_check_passes(ledger: Ledger) -> None:
    with ledger.network.engine.connect() as connection:
        report = check_ledger(connection)
    assert report.ok, [found.describe() for found in report.discrepancies]


@pytest.fixture
def transfers(shared: Ledger) -> Transfers:
    return Transfers(shared)


# --- moves between dispositions --------------------------------------------------------------


def test_units_set_aside_stay_on_hand_but_are_never_available(shared: Ledger) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    reply = move(ledger, "A", [(sku, 2, SELLABLE, DAMAGED), (sku, 1, SELLABLE, DISPLAY)])
    assert reply.status_code == 201, reply.text
    answer = reply.json()
    assert (answer["location"], answer["movements"]) == ("A", 4)
    [position] = answer["positions"]
    assert (position["on_hand"], position["unavailable"], position["available"]) == (5, 3, 2)
    assert position["dispositions"] == {DAMAGED: 2, DISPLAY: 1}
    assert shelf(ledger, "A", sku) == (5, 3, 0, 2, {DAMAGED: 2, DISPLAY: 1})
    assert movements_of(ledger, sku)[1:] == [
        (MovementKind.DISPOSITION.value, "A", 2, DAMAGED),
        (MovementKind.DISPOSITION.value, "A", -2, None),
        (MovementKind.DISPOSITION.value, "A", 1, DISPLAY),
        (MovementKind.DISPOSITION.value, "A", -1, None),
    ]
    # the units reach their disposition before they leave the shelf: the day's lowest stock
    # stays the 5 received
    with ledger.network.engine.connect() as connection:
        lowest = connection.execute(
            text("SELECT min_on_hand, closing_on_hand FROM position_days WHERE sku = :sku"),
            {"sku": sku},
        ).one()
    assert tuple(lowest) == (5, 5)
    # only the two units on sale can be reserved
    refused = ledger.send(
        "POST",
        "/v1/reservations",
        {"op_id": new_op_id(), "lines": [{"sku": sku, "location": "A", "qty": 3}]},
    )
    assert_problem(refused, 409, "insufficient-stock")
    ledger.reserve(sku, "A", 2)
    # the unit on display goes back on sale
    assert move(ledger, "A", [(sku, 1, DISPLAY, SELLABLE)]).status_code == 201
    assert shelf(ledger, "A", sku) == (5, 2, 2, 1, {DAMAGED: 2})
    assert_check_passes(ledger)


def test_a_move_of_more_than_the_shelf_holds_is_refused_with_what_it_holds(
    shared: Ledger,
) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    ledger.reserve(sku, "A", 2)
    before = ledger.snapshot([sku])

    problem = assert_problem(
        move(ledger, "A", [(sku, 4, SELLABLE, DAMAGED)]), 422, "not-enough-units"
    )
    assert (problem["held"], problem["requested"], problem["disposition"]) == (3, 4, SELLABLE)
    assert "holds 3 units on sale not promised to orders" in problem["detail"]
    # all lines or none: the second line's refusal takes the first one back
    both = [(sku, 1, SELLABLE, DAMAGED), (sku, 2, DAMAGED, DISPLAY)]
    problem = assert_problem(move(ledger, "A", both), 422, "not-enough-units")
    assert (problem["held"], problem["disposition"]) == (1, DAMAGED)
    assert "holds 1 damaged units" in problem["detail"]
    after = ledger.snapshot([sku])
    assert [after[key] for key in STOCK_KEYS] == [before[key] for key in STOCK_KEYS]

    assert move(ledger, "A", [(sku, 3, SELLABLE, DAMAGED)]).status_code == 201
    assert shelf(ledger, "A", sku) == (5, 3, 2, 0, {DAMAGED: 3})


def test_a_store_sets_aside_only_its_own_units(shared: Ledger) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "B", 2)
    reply = move(ledger, "B", [(sku, 1, SELLABLE, DAMAGED)], headers=ledger.headers("A"))
    assert_problem(reply, 403, "forbidden")
    unknown = move(ledger, "A", [("NOPE-1", 1, SELLABLE, DAMAGED)])
    assert_problem(unknown, 422, "unknown-sku")
    same = move(ledger, "A", [(sku, 1, DAMAGED, DAMAGED)])
    assert_problem(same, 422, "validation")
    assert shelf(ledger, "B", sku) == (2, 0, 0, 2, {})


# --- write-offs ------------------------------------------------------------------------------


def test_a_write_off_is_a_managers_and_takes_the_units_out_of_the_record(shared: Ledger) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 4)
    set_aside(ledger, "A", sku, 2)

    refused = write_off(ledger, "A", sku, 1, ledger.headers("A", Role.ASSOCIATE))
    assert assert_problem(refused, 403, "forbidden")["required_role"] == Role.MANAGER.value
    too_many = write_off(ledger, "A", sku, 3, ledger.headers("A", Role.MANAGER))
    assert assert_problem(too_many, 422, "not-enough-units")["held"] == 2
    elsewhere = write_off(ledger, "B", sku, 1, ledger.headers("A", Role.MANAGER))
    assert_problem(elsewhere, 403, "forbidden")
    on_sale = ledger.send(
        "POST",
        "/v1/write-offs",
        {
            "op_id": new_op_id(),
            "location": "A",
            "lines": [{"sku": sku, "qty": 1, "disposition": SELLABLE}],
            "reason": "lost",
        },
        ledger.headers("A", Role.MANAGER),
    )
    assert_problem(on_sale, 422, "validation")
    assert shelf(ledger, "A", sku) == (4, 2, 0, 2, {DAMAGED: 2})

    reply = write_off(ledger, "A", sku, 2, ledger.headers("A", Role.MANAGER))
    assert reply.status_code == 201, reply.text
    [position] = reply.json()["positions"]
    assert (position["on_hand"], position["unavailable"], position["dispositions"]) == (2, 0, {})
    assert shelf(ledger, "A", sku) == (2, 0, 0, 2, {})
    assert movements_of(ledger, sku)[-1] == (MovementKind.WRITE_OFF.value, "A", -2, DAMAGED)
    assert_check_passes(ledger)


# --- damaged short picks ---------------------------------------------------------------------


def test_a_damaged_short_pick_sets_the_unit_aside_and_the_next_order_goes_elsewhere(
    shared: Ledger,
) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 1)
    ledger.receive(sku, "B", 3)
    [job] = web_order(ledger, sku)["jobs"]
    assert job["location"] == "A"

    reply = ledger.send(
        "POST",
        f"/v1/jobs/{job['id']}/lines/1/reject",
        {"op_id": new_op_id(), "reason": RejectReason.DAMAGED.value},
        ledger.headers("A"),
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["rerouted_to"] == "B"
    assert shelf(ledger, "A", sku) == (1, 1, 0, 0, {DAMAGED: 1})
    assert ledger.stock("A", sku)[3] is False  # the record was right: nothing to count
    assert open_count_tasks(ledger, "A", sku) == 0

    following = web_order(ledger, sku)
    assert [j["location"] for j in following["jobs"]] == ["B"]
    assert RoutingReason.NO_STOCK.value in verdicts(following)["A"]
    assert_check_passes(ledger)


def test_a_damaged_unit_the_record_did_not_hold_on_sale_flags_the_position(
    shared: Ledger,
) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 1)
    [job] = web_order(ledger, sku)["jobs"]
    assert job["location"] == "A"
    sale = ledger.movements([{"kind": "sale", "sku": sku, "location": "A", "qty": 1}])
    assert sale.status_code == 201, sale.text  # the hold's unit sold at the counter meanwhile

    reply = ledger.send(
        "POST",
        f"/v1/jobs/{job['id']}/lines/1/reject",
        {"op_id": new_op_id(), "reason": RejectReason.DAMAGED.value},
        ledger.headers("A"),
    )
    assert reply.status_code == 200, reply.text
    assert shelf(ledger, "A", sku)[:2] == (0, 1)
    assert ledger.stock("A", sku)[3] is True
    assert open_count_tasks(ledger, "A", sku) == 1


# --- returns to the warehouse ----------------------------------------------------------------


def test_damaged_units_go_back_to_the_warehouse_by_transfer(
    shared: Ledger, transfers: Transfers
) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    set_aside(ledger, "A", sku, 2)

    # the store asks for its own damaged units to go back to the warehouse
    request = {
        "op_id": new_op_id(),
        "from_location": "A",
        "to_location": "WH",
        "lines": lines_of(**{sku: 2}),
        "disposition": DAMAGED,
    }
    reply = ledger.send("POST", "/v1/transfers", request, ledger.headers("A", Role.MANAGER))
    assert reply.status_code == 201, reply.text
    transfer_id = reply.json()["id"]
    assert reply.json()["disposition"] == DAMAGED

    sent = transfers.send(transfer_id, lines_of(**{sku: 2}))
    assert sent.status_code == 200, sent.text
    assert (sent.json()["state"], sent.json()["discrepancies"]) == ("sent", [])
    assert shelf(ledger, "A", sku) == (3, 0, 0, 3, {})
    # not coming for sale: neither in transit nor an arrival to promise
    assert transfers.in_transit("WH", sku) is None
    arrivals = ledger.send("GET", f"/v1/availability/skus/{sku}").json()["arrivals"]
    assert arrivals == []

    received = transfers.receive(transfer_id, lines_of(**{sku: 2}), ledger.headers("WH"))
    assert received.status_code == 200, received.text
    assert received.json()["disposition"] == DAMAGED
    assert shelf(ledger, "WH", sku) == (2, 2, 0, 0, {DAMAGED: 2})
    assert movements_of(ledger, sku)[-2:] == [
        (MovementKind.TRANSFER_OUT.value, "A", -2, DAMAGED),
        (MovementKind.TRANSFER_IN.value, "WH", 2, DAMAGED),
    ]
    assert transfers.read(transfer_id)["disposition"] == DAMAGED
    assert_check_passes(ledger)


def test_sending_more_damaged_units_than_recorded_is_flagged_and_never_below_nothing(
    shared: Ledger, transfers: Transfers
) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    set_aside(ledger, "A", sku, 1)
    request = {
        "op_id": new_op_id(),
        "from_location": "A",
        "to_location": "WH",
        "lines": lines_of(**{sku: 3}),
        "disposition": DAMAGED,
    }
    reply = ledger.send("POST", "/v1/transfers", request, ledger.headers("A", Role.MANAGER))
    assert reply.status_code == 201, reply.text

    sent = transfers.send(reply.json()["id"], lines_of(**{sku: 3}))
    assert sent.status_code == 200, sent.text
    [flagged] = sent.json()["discrepancies"]
    assert (flagged["kind"], flagged["expected"], flagged["actual"]) == (
        "sent_without_stock",
        1,
        3,
    )
    # the two units the record thought on sale were damaged ones: they left from there
    assert shelf(ledger, "A", sku) == (2, 0, 0, 2, {})
    assert ledger.stock("A", sku)[3] is True
    assert_check_passes(ledger)


def test_a_transfer_of_units_on_sale_leaves_units_set_aside_alone(
    shared: Ledger, transfers: Transfers
) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 3)
    set_aside(ledger, "A", sku, 2)
    transfer_id = transfers.requested(lines_of(**{sku: 2}))
    sent = transfers.sent(transfer_id, lines_of(**{sku: 2}))
    # one unit on sale left with a damaged one: the record held one on sale
    [flagged] = sent["discrepancies"]
    assert (flagged["kind"], flagged["expected"]) == ("sent_without_stock", 1)
    assert sent["disposition"] == SELLABLE
    assert shelf(ledger, "A", sku) == (1, 2, 0, -1, {DAMAGED: 2})
    assert transfers.in_transit("B", sku) == (0, 2, 0)


# --- counts ----------------------------------------------------------------------------------


def count(ledger: Ledger, sku: str, counted: int, as_of: int) -> dict[str, Any]:
    body = {"op_id": new_op_id(), "sku": sku, "location": "A", "counted": counted}
    reply = ledger.send("POST", "/v1/counts", {**body, "as_of_seq": as_of}, ledger.headers("A"))
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


def test_a_count_counts_the_units_on_sale_and_leaves_those_set_aside(shared: Ledger) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 5)
    set_aside(ledger, "A", sku, 2)

    exact = count(ledger, sku, 3, ledger.head())
    assert (exact["expected_at_count"], exact["delta"]) == (3, 0)
    short = count(ledger, sku, 2, ledger.head())
    assert (short["expected_at_count"], short["delta"]) == (3, -1)
    assert shelf(ledger, "A", sku) == (4, 2, 0, 2, {DAMAGED: 2})

    # a unit set aside while the count was taken is not lost: it was on sale when counted
    as_of = ledger.head()
    set_aside(ledger, "A", sku, 1)
    during = count(ledger, sku, 2, as_of)
    assert (during["expected_at_count"], during["moved_since_count"], during["delta"]) == (
        2,
        -1,
        0,
    )
    assert shelf(ledger, "A", sku) == (4, 3, 0, 1, {DAMAGED: 3})
    assert movements_of(ledger, sku)[-2:] == [
        (MovementKind.DISPOSITION.value, "A", 1, DAMAGED),
        (MovementKind.DISPOSITION.value, "A", -1, None),
    ]
    assert_check_passes(ledger)


# --- reads -----------------------------------------------------------------------------------


def test_availability_shows_the_units_set_aside_as_the_models_do(shared: Ledger) -> None:
    ledger = shared
    reference = f"REF-D{ledger.head()}"
    sku, other = ledger.new_sku(reference), ledger.new_sku(reference)
    ledger.receive(sku, "A", 6)
    ledger.receive(sku, "B", 2)
    ledger.receive(other, "A", 1)
    set_aside(ledger, "A", sku, 1, DISPLAY)
    since = ledger.head()
    set_aside(ledger, "A", sku, 2, DAMAGED)

    reply = ledger.send("GET", f"/v1/availability/skus/{sku}")
    assert reply.status_code == 200, reply.text
    with ledger.network.engine.connect() as connection:
        assert reply.content == sku_availability(connection, sku).model_dump_json().encode()
        whole = reference_availability(connection, reference).model_dump_json().encode()
    assert ledger.send("GET", f"/v1/availability/references/{reference}").content == whole
    places = {p["location"]: p for p in reply.json()["locations"]}
    assert (places["A"]["available"], places["A"]["unavailable"]) == (3, 3)
    assert places["A"]["dispositions"] == {DAMAGED: 2, DISPLAY: 1}
    assert (places["B"]["unavailable"], places["B"]["dispositions"]) == (0, {})
    assert reply.json()["total"]["available"] == 5

    feed = ledger.send(
        "GET", "/v1/changes", params={"since": since, "location": "A"}, headers=ledger.headers("A")
    )
    assert feed.status_code == 200, feed.text
    [last] = [
        change["position"]
        for change in feed.json()["changes"]
        if change["kind"] == "position" and change["position"]["sku"] == sku
    ]
    assert (last["unavailable"], last["dispositions"]) == (3, {DAMAGED: 2, DISPLAY: 1})


# --- exactly once ----------------------------------------------------------------------------


def test_a_move_sent_again_or_pushed_from_the_outbox_applies_once(shared: Ledger) -> None:
    ledger = shared
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 4)
    op_id = new_op_id()
    body = {
        "op_id": op_id,
        "location": "A",
        "lines": [{"sku": sku, "qty": 1, "to_disposition": DAMAGED}],
    }
    first = ledger.send("POST", "/v1/dispositions", body, ledger.headers("A"))
    assert first.status_code == 201, first.text
    again = ledger.send("POST", "/v1/dispositions", body, ledger.headers("A"))
    assert (again.status_code, again.json()) == (201, first.json())
    pushed = ledger.send(
        "POST", "/v1/ops", {"ops": [{"op": "move_disposition", **body}]}, ledger.headers("A")
    )
    assert pushed.status_code == 200, pushed.text
    [result] = pushed.json()["results"]
    assert (result["status"], result["body"]) == (201, first.json())
    assert ledger.movement_count(op_id) == 2
    [audited] = ledger.audit_rows(op_id)
    assert (audited["location"], audited["operation"]) == ("A", "stock.set_aside")
    assert shelf(ledger, "A", sku) == (4, 1, 0, 3, {DAMAGED: 1})

    write_off = {
        "op": "write_off",
        "op_id": new_op_id(),
        "location": "A",
        "lines": [{"sku": sku, "qty": 1}],
        "reason": "beyond repair",
    }
    pushed = ledger.send("POST", "/v1/ops", {"ops": [write_off]}, ledger.headers("A", Role.MANAGER))
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["results"][0]["status"] == 201
    assert shelf(ledger, "A", sku) == (3, 0, 0, 3, {})
