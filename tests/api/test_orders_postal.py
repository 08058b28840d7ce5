"""Home delivery placed by its postal code, through the API, on both backends: the ledger
resolves the coordinates from its table of French departments (routing measures from the
prefecture), a postal code the table does not know is a 422 field error naming it, typed
coordinates are still taken from the web platform, and a line re-routed after a short pick is
measured from the same place.

The network: stores A (Paris) and B (Lyon) and warehouse WH (Paris). The whole module shares
one ledger; tests keep apart by using SKUs of their own.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ordersync.contract import Role
from tests.support.ledger_api import Ledger, new_op_id
from tests.support.problems import assert_problem


@pytest.fixture
def ledger(shared: Ledger) -> Ledger:
    return shared


def home(**address: Any) -> dict[str, Any]:
    return {"kind": "home", "address": "12 rue de la République", **address}


def place(ledger: Ledger, sku: str, delivery: dict[str, Any], qty: int = 1) -> httpx.Response:
    return ledger.send(
        "POST",
        "/v1/orders",
        {
            "op_id": new_op_id(),
            "channel": "store",
            "lines": [{"sku": sku, "qty": qty}],
            "customer": {"name": "Camille Martin", "phone": "+33 6 12 34 56 78"},
            "delivery": delivery,
        },
        ledger.headers("A"),
    )


def stocked_in_paris_and_lyon(ledger: Ledger) -> str:
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 2)
    ledger.receive(sku, "B", 2)
    return sku


def winner(order: dict[str, Any]) -> dict[str, Any]:
    [chosen] = [c for c in order["routing"][-1]["explanation"]["candidates"] if c["won"]]
    return chosen


def test_a_lyon_postal_code_is_served_from_the_lyon_store(ledger: Ledger) -> None:
    sku = stocked_in_paris_and_lyon(ledger)
    reply = place(ledger, sku, home(postal_code="69002", city="Lyon"))
    assert reply.status_code == 201, reply.text
    order = reply.json()
    [job] = order["jobs"]
    assert job["location"] == "B"
    assert winner(order)["distance_km"] < 1  # B stands by the Rhône's prefecture
    delivery = order["delivery"]
    assert (delivery["postal_code"], delivery["city"], delivery["country"]) == (
        "69002",
        "Lyon",
        "FR",
    )
    assert (delivery["latitude"], delivery["longitude"]) == pytest.approx((45.764, 4.8357))


def test_a_paris_postal_code_is_served_from_paris(ledger: Ledger) -> None:
    sku = stocked_in_paris_and_lyon(ledger)
    reply = place(ledger, sku, home(postal_code="75 001", city="Paris"))
    assert reply.status_code == 201, reply.text
    order = reply.json()
    assert {job["location"] for job in order["jobs"]} <= {"A", "WH"}
    assert order["delivery"]["postal_code"] == "75001"  # the space people type is dropped


@pytest.mark.parametrize(
    ("postal_code", "error_type", "words"),
    [
        ("99999", "postal_code_unknown", "postal code 99999 belongs to no French department"),
        ("20800", "postal_code_unknown", "postal code 20800"),
        ("6900", "postal_code_malformed", "5 digits"),
        ("ABCDE", "postal_code_malformed", "5 digits"),
    ],
)
def test_a_postal_code_the_table_cannot_place_is_a_field_error_naming_it(
    ledger: Ledger, postal_code: str, error_type: str, words: str
) -> None:
    sku = stocked_in_paris_and_lyon(ledger)
    before = ledger.head()
    reply = place(ledger, sku, home(postal_code=postal_code, city="Nowhere"))
    problem = assert_problem(reply, 422, "validation")
    [error] = problem["errors"]
    assert error["loc"] == ["body", "delivery", "postal_code"]
    assert error["type"] == error_type
    assert words in error["msg"]
    assert problem["detail"].startswith("delivery.postal_code: ")
    assert ledger.head() == before  # nothing was written
    assert ledger.stock("B", sku)[1] == 0  # nothing reserved


def test_a_home_delivery_needs_a_postal_code_or_coordinates(ledger: Ledger) -> None:
    sku = stocked_in_paris_and_lyon(ledger)
    problem = assert_problem(place(ledger, sku, home(city="Lyon")), 422, "validation")
    assert "postal code" in problem["detail"]
    half = assert_problem(place(ledger, sku, home(latitude=45.76)), 422, "validation")
    assert "both latitude and longitude" in half["detail"]
    abroad = assert_problem(
        place(ledger, sku, home(postal_code="10115", country="DE")), 422, "validation"
    )
    assert abroad["errors"][0]["type"] == "postal_code_country"


def test_typed_coordinates_are_still_taken_and_win_over_the_postal_code(ledger: Ledger) -> None:
    sku = stocked_in_paris_and_lyon(ledger)
    web = place(ledger, sku, home(latitude=45.76, longitude=4.83))
    assert web.status_code == 201, web.text
    assert [job["location"] for job in web.json()["jobs"]] == ["B"]
    # An address written before postal codes existed is stored as it was sent.
    assert set(web.json()["delivery"]) == {
        "kind",
        "address",
        "latitude",
        "longitude",
        "collect_at",
    }
    both = place(ledger, sku, home(postal_code="75001", latitude=45.76, longitude=4.83))
    assert both.status_code == 201, both.text
    assert [job["location"] for job in both.json()["jobs"]] == ["B"]


def test_a_short_pick_reroutes_from_the_postal_codes_place(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    ledger.receive(sku, "B", 1)
    ledger.receive(sku, "A", 1)
    reply = place(ledger, sku, home(postal_code="69002", city="Lyon"))
    assert reply.status_code == 201, reply.text
    [job] = reply.json()["jobs"]
    assert job["location"] == "B"
    rejected = ledger.send(
        "POST",
        f"/v1/jobs/{job['id']}/lines/1/reject",
        {"op_id": new_op_id(), "reason": "not_found"},
        ledger.headers("B", Role.ASSOCIATE),
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["rerouted_to"] == "A"
    order = ledger.send("GET", f"/v1/orders/{reply.json()['id']}").json()
    # Paris to the Rhône's prefecture, measured from the coordinates the postal code gave.
    assert winner(order)["distance_km"] == pytest.approx(392, abs=5)
