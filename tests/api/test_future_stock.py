"""Future stock through the API, on both backends: an order no shelf can serve is promised against
a delivery or a transfer on its way (date from its window, explained), and the promise becomes a
job when the units are received, or is routed again, explained, when they come short or are
called off; the ``[future_stock]`` policy (enabled, horizon, sources) is followed.

The whole module shares one ledger, with a policy file each test rewrites; tests keep apart by
using SKUs of their own. The network: stores A (Paris) and B (Lyon, 392 km away) and warehouse
WH (Paris); the clock stands at Monday 2 March 2026, 09:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.contract import Role
from ordersync.services.check import check_ledger
from ordersync.services.routing_policy import default_policy_text
from tests.support.ledger_api import Ledger, ledger_settings, new_op_id
from tests.support.ledger_harness import (
    START,
    PostgresDatabases,
    SqliteDatabases,
    backends,
    seed_network,
)
from tests.support.problems import assert_problem

SUPPLIER = "LISE-CHARMEL"
ON_THURSDAY = "2026-03-05T12:00:00+01:00"
"""The end of a delivery's window: 11:00 UTC, Thursday 5 March in Paris."""
LYON = {"kind": "home", "address": "1 rue de la République, Lyon", "latitude": 45.76}


@dataclass
class Scene:
    ledger: Ledger
    policy: Path

    def use_policy(self, future_stock: str) -> None:
        self.policy.write_text(default_policy_text().split("[future_stock]")[0] + future_stock)


@pytest.fixture(scope="module", params=backends())
def scene(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Scene]:
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    url = databases.fresh()
    clock = ManualClock(START)
    network = seed_network(url, clock)
    policy = tmp_path_factory.mktemp("policy") / "routing.toml"
    policy.write_text(default_policy_text())
    settings = ledger_settings(url).model_copy(update={"routing_policy": policy})
    try:
        with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
            ledger = Ledger(client, network, clock)
            reply = ledger.send("PUT", f"/v1/suppliers/{SUPPLIER}", {"name": "Lise Charmel"})
            assert reply.status_code == 200, reply.text
            yield Scene(ledger, policy)
    finally:
        network.engine.dispose()
        databases.drop(url)


@pytest.fixture
def ledger(scene: Scene) -> Ledger:
    scene.policy.write_text(default_policy_text())
    return scene.ledger


# --- the calls -------------------------------------------------------------------------------

_references = iter(range(1, 100_000))


def announce(
    ledger: Ledger,
    units: dict[str, int],
    destination: str = "A",
    until: str = ON_THURSDAY,
    source: str = SUPPLIER,
) -> str:
    body = {
        "op_id": new_op_id(),
        "reference": f"FS-{next(_references):05d}",
        "kind": "purchase_order",
        "source_kind": "supplier" if source == SUPPLIER else "location",
        "source": source,
        "destination": destination,
        "expected_from": "2026-03-03T08:00:00+01:00",
        "expected_until": until,
        "lines": [{"sku": sku, "qty": qty} for sku, qty in units.items()],
    }
    reply = ledger.send("POST", "/v1/deliveries", body)
    assert reply.status_code == 201, reply.text
    return str(body["op_id"])


def receive_delivery(
    ledger: Ledger, delivery_id: str, units: dict[str, int], location: str = "A"
) -> dict[str, Any]:
    body = {
        "op_id": new_op_id(),
        "delivery_id": delivery_id,
        "location": location,
        "lines": [{"sku": sku, "qty": qty} for sku, qty in units.items()],
    }
    reply = ledger.send("POST", "/v1/deliveries/receipts", body, ledger.headers(location))
    assert reply.status_code == 200, reply.text
    received: dict[str, Any] = reply.json()
    return received


def cancel_delivery(ledger: Ledger, delivery_id: str) -> None:
    reply = ledger.send(
        "POST",
        f"/v1/deliveries/{delivery_id}/cancel",
        {"op_id": new_op_id(), "reason": "the supplier is out of stock"},
    )
    assert reply.status_code == 200, reply.text


def place(ledger: Ledger, sku: str, qty: int = 1, collect_at: str | None = "A") -> httpx.Response:
    """An order in store at A, collected at ``collect_at`` or delivered home in Lyon."""
    delivery = (
        {"kind": "collect", "collect_at": collect_at} if collect_at else {**LYON, "longitude": 4.83}
    )
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


def placed(ledger: Ledger, sku: str, qty: int = 1, collect_at: str | None = "A") -> dict[str, Any]:
    reply = place(ledger, sku, qty, collect_at)
    assert reply.status_code == 201, reply.text
    order: dict[str, Any] = reply.json()
    return order


def order_now(ledger: Ledger, order_id: str) -> dict[str, Any]:
    reply = ledger.send("GET", f"/v1/orders/{order_id}")
    assert reply.status_code == 200, reply.text
    order: dict[str, Any] = reply.json()
    return order


def promised(ledger: Ledger, location: str, sku: str) -> int:
    """The units of ``sku`` on their way to ``location`` already promised to orders."""
    with ledger.network.engine.connect() as connection:
        row = connection.execute(
            text("SELECT promised FROM incoming WHERE location = :location AND sku = :sku"),
            {"location": location, "sku": sku},
        ).first()
    return 0 if row is None else int(row[0])


def assert_checks(ledger: Ledger) -> None:
    """``ordersync check`` rebuilds positions and incoming units (promised ones included) from
    the movements and documents, and finds them equal to what the ledger holds."""
    with ledger.network.engine.connect() as connection:
        report = check_ledger(connection)
    assert report.discrepancies == []


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def winner(order: dict[str, Any], decision: int = -1) -> dict[str, Any]:
    won: list[dict[str, Any]] = [
        c for c in order["routing"][decision]["explanation"]["candidates"] if c["won"]
    ]
    assert len(won) == 1, won
    return won[0]


def live_jobs(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [j for j in order["jobs"] if j["state"] not in ("rejected", "cancelled")]


# --- promised against a delivery, then received ----------------------------------------------


def test_an_order_in_store_waits_for_a_delivery_and_becomes_a_job_when_it_is_received(
    ledger: Ledger,
) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, {sku: 2})
    order = placed(ledger, sku, collect_at="A")

    assert order["state"] == "open"
    assert [line["state"] for line in order["lines"]] == ["awaiting_stock"]
    assert order["jobs"] == []
    # Collected where the units arrive: promised for the end of the delivery's window.
    assert at(order["promised_by"]) == at(ON_THURSDAY)
    [hold] = order["holds"]
    assert (hold["state"], hold["location"], hold["qty"]) == ("open", "A", 1)
    assert (hold["document_kind"], hold["document_id"]) == ("delivery", delivery)
    assert at(hold["expected_at"]) == at(ON_THURSDAY)
    won = winner(order)
    assert won["location"] == "A"
    assert won["text"] == f"serves {sku} from the delivery expected at A on 5 Mar"
    assert [r["code"] for r in won["reasons"]] == ["future_stock"]
    assert won["reasons"][0]["document_id"] == delivery
    summary = order["routing"][0]["explanation"]["summary"]
    assert summary == (
        f"line 1 ({sku}) waits for incoming stock, from the delivery expected at A on 5 Mar"
    )
    assert promised(ledger, "A", sku) == 1
    assert ledger.stock("A", sku) == (0, 0, 0, False)

    receive_delivery(ledger, delivery, {sku: 2})

    after = order_now(ledger, order["id"])
    assert [line["state"] for line in after["lines"]] == ["routed"]
    [job] = after["jobs"]
    assert (job["location"], job["kind"], job["state"]) == ("A", "collect", "assigned")
    assert [(line["sku"], line["qty"]) for line in job["lines"]] == [(sku, 1)]
    assert ledger.stock("A", sku) == (2, 1, 0, False)
    assert promised(ledger, "A", sku) == 0
    [hold] = after["holds"]
    assert hold["state"] == "converted"
    assert hold["outcome"] == f"the delivery expected at A on 5 Mar: job {job['id']} at A"
    assert [r["trigger"] for r in after["routing"]] == ["order", "arrival"]
    assert after["routing"][1]["explanation"]["summary"] == (
        f"the delivery expected at A on 5 Mar arrived: A serves {sku} from the units received"
    )
    # The job goes on like any other: it is picked and handed over from the units received.
    for step in ("picking", "picked", "ready", "collected"):
        moved = ledger.send(
            "POST",
            f"/v1/jobs/{job['id']}/transitions",
            {"op_id": new_op_id(), "to": step},
            ledger.headers("A"),
        )
        assert moved.status_code == 200, moved.text
    assert order_now(ledger, order["id"])["state"] == "closed"
    assert ledger.stock("A", sku) == (1, 0, 0, False)
    assert_checks(ledger)


def test_a_home_delivery_is_promised_the_arrival_plus_the_shipment(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    announce(ledger, {sku: 1}, destination="A")
    order = placed(ledger, sku, collect_at=None)
    # A (Paris) to the customer in Lyon is farther than near_km: far_days (2) after arrival.
    assert order["promised_by"] == "2026-03-07T11:00:00Z"
    assert winner(order)["location"] == "A"


def test_the_shelf_comes_first_and_the_order_waits_for_its_other_lines(ledger: Ledger) -> None:
    on_shelf, coming = ledger.new_sku(), ledger.new_sku()
    ledger.receive(on_shelf, "A", 3)
    announce(ledger, {coming: 1})
    reply = ledger.send(
        "POST",
        "/v1/orders",
        {
            "op_id": new_op_id(),
            "channel": "store",
            "lines": [{"sku": on_shelf, "qty": 1}, {"sku": coming, "qty": 1}],
            "customer": {"name": "Camille Martin", "phone": "+33 6 12 34 56 78"},
            "delivery": {"kind": "collect", "collect_at": "A"},
        },
        ledger.headers("A"),
    )
    assert reply.status_code == 201, reply.text
    order = reply.json()
    assert [line["state"] for line in order["lines"]] == ["routed", "awaiting_stock"]
    [job] = order["jobs"]
    assert [line["sku"] for line in job["lines"]] == [on_shelf]
    assert at(order["promised_by"]) == at(ON_THURSDAY)
    assert order["routing"][0]["explanation"]["summary"] == (
        f"A serves {on_shelf} from the shelf; line 2 ({coming}) waits for incoming stock, "
        "from the delivery expected at A on 5 Mar"
    )
    assert winner(order)["text"] == (
        f"serves {on_shelf} from 0.0 km; serves {coming} from the delivery expected at A on 5 Mar"
    )
    for step in ("picking", "picked", "ready", "collected"):
        moved = ledger.send(
            "POST",
            f"/v1/jobs/{job['id']}/transitions",
            {"op_id": new_op_id(), "to": step},
            ledger.headers("A"),
        )
        assert moved.status_code == 200, moved.text
    # One line handed over, the other still waits: the order is not done.
    after = order_now(ledger, order["id"])
    assert after["state"] == "open"
    assert [line["state"] for line in after["lines"]] == ["collected", "awaiting_stock"]


# --- short, cancelled ------------------------------------------------------------------------


def test_a_delivery_that_comes_short_routes_the_line_to_a_store_with_shelf_stock(
    ledger: Ledger,
) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, {sku: 1})
    order = placed(ledger, sku, collect_at="A")
    ledger.receive(sku, "B", 2)  # B gets units after the order was promised

    receive_delivery(ledger, delivery, {sku: 0})

    after = order_now(ledger, order["id"])
    assert [line["state"] for line in after["lines"]] == ["routed"]
    [job] = live_jobs(after)
    assert (job["location"], job["kind"], job["destination"]) == ("B", "ship", "A")
    assert ledger.stock("B", sku) == (2, 1, 0, False)
    [hold] = after["holds"]
    assert hold["state"] == "rerouted"
    assert hold["outcome"] == "the delivery expected at A on 5 Mar came 1 short"
    assert promised(ledger, "A", sku) == 0
    last = after["routing"][-1]
    assert last["trigger"] == "arrival_short"
    assert last["explanation"]["summary"].startswith(
        "the delivery expected at A on 5 Mar came 1 short: B "
    )
    assert winner(after)["location"] == "B"
    # Shipped today from Lyon, it reaches Paris by the 4th: the date first given still holds.
    assert after["promised_by"] == order["promised_by"]
    assert_checks(ledger)


def test_a_delivery_that_comes_short_with_nowhere_else_leaves_the_order_to_follow_up(
    ledger: Ledger,
) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, {sku: 2})
    order = placed(ledger, sku, qty=2, collect_at=None)

    receive_delivery(ledger, delivery, {sku: 1})

    after = order_now(ledger, order["id"])
    assert after["state"] == "follow_up"
    assert [line["state"] for line in after["lines"]] == ["unfulfillable"]
    assert after["jobs"] == []
    last = after["routing"][-1]
    assert last["trigger"] == "arrival_short"
    assert last["explanation"]["summary"] == (
        f"the delivery expected at A on 5 Mar came 1 short: nobody can serve line 1 ({sku})"
    )
    assert last["explanation"]["unserved"] == [{"line_no": 1, "sku": sku, "qty": 2}]
    # Nothing lost: the unit that came is on A's shelf, free, and nothing is promised.
    assert ledger.stock("A", sku) == (1, 0, 0, False)
    assert promised(ledger, "A", sku) == 0
    assert after["holds"][0]["state"] == "rerouted"
    assert_checks(ledger)


def test_a_cancelled_delivery_moves_the_promise_to_the_next_one(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    first = announce(ledger, {sku: 1}, destination="A")
    second = announce(ledger, {sku: 1}, destination="B", until="2026-03-09T18:00:00+01:00")
    order = placed(ledger, sku, collect_at="A")
    assert order["holds"][0]["document_id"] == first

    cancel_delivery(ledger, first)

    after = order_now(ledger, order["id"])
    assert [line["state"] for line in after["lines"]] == ["awaiting_stock"]
    assert [(h["document_id"], h["state"]) for h in after["holds"]] == [
        (first, "rerouted"),
        (second, "open"),
    ]
    assert after["holds"][0]["outcome"] == "the delivery expected at A on 5 Mar was cancelled"
    assert after["routing"][-1]["explanation"]["summary"] == (
        "the delivery expected at A on 5 Mar was cancelled: line 1 "
        f"({sku}) waits for incoming stock, from the delivery expected at B on 9 Mar"
    )
    # Lyon to the collection store in Paris: far_days after the 9th's window.
    assert after["promised_by"] == "2026-03-11T17:00:00Z"
    assert (promised(ledger, "A", sku), promised(ledger, "B", sku)) == (0, 1)

    receive_delivery(ledger, second, {sku: 1}, location="B")

    done = order_now(ledger, order["id"])
    [job] = done["jobs"]
    assert (job["location"], job["kind"], job["destination"]) == ("B", "ship", "A")
    assert [line["state"] for line in done["lines"]] == ["routed"]
    assert ledger.stock("B", sku) == (1, 1, 0, False)
    assert_checks(ledger)


def test_a_short_pick_with_no_shelf_left_waits_for_incoming_units(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    ledger.receive(sku, "B", 1)
    delivery = announce(ledger, {sku: 1}, destination="A")
    order = placed(ledger, sku, collect_at=None)
    [job] = order["jobs"]
    assert job["location"] == "B"  # the shelf comes first

    rejected = ledger.send(
        "POST",
        f"/v1/jobs/{job['id']}/lines/1/reject",
        {"op_id": new_op_id(), "reason": "not_found"},
        ledger.headers("B"),
    )
    assert rejected.status_code == 200, rejected.text
    after = rejected.json()["order"]
    assert after["state"] == "open"
    assert [line["state"] for line in after["lines"]] == ["awaiting_stock"]
    [hold] = after["holds"]
    assert (hold["document_id"], hold["state"]) == (delivery, "open")
    assert after["routing"][-1]["trigger"] == "short_pick"
    assert winner(after)["text"] == f"serves {sku} from the delivery expected at A on 5 Mar"
    assert promised(ledger, "A", sku) == 1
    assert_checks(ledger)


# --- transfers -------------------------------------------------------------------------------


def send_transfer(ledger: Ledger, sku: str, qty: int, source: str, destination: str) -> str:
    ledger.receive(sku, source, qty)
    transfer_id = new_op_id()
    asked = ledger.send(
        "POST",
        "/v1/transfers",
        {
            "op_id": transfer_id,
            "from_location": source,
            "to_location": destination,
            "lines": [{"sku": sku, "qty": qty}],
        },
        ledger.headers(destination, Role.MANAGER),
    )
    assert asked.status_code == 201, asked.text
    sent = ledger.send(
        "POST",
        f"/v1/transfers/{transfer_id}/send",
        {"op_id": new_op_id(), "lines": [{"sku": sku, "qty": qty}]},
        ledger.headers(source),
    )
    assert sent.status_code == 200, sent.text
    return transfer_id


def test_units_in_transit_from_another_store_are_promised_and_served_on_arrival(
    ledger: Ledger,
) -> None:
    sku = ledger.new_sku()
    transfer_id = send_transfer(ledger, sku, 1, source="B", destination="A")
    order = placed(ledger, sku, collect_at="A")
    won = winner(order)
    # Sent today from Lyon: expected far_days (2) later.
    assert won["text"] == f"serves {sku} from the transfer from B expected at A on 4 Mar"
    assert order["promised_by"] == "2026-03-04T09:00:00Z"
    assert order["holds"][0]["document_kind"] == "transfer"

    received = ledger.send(
        "POST",
        f"/v1/transfers/{transfer_id}/receive",
        {"op_id": new_op_id(), "lines": [{"sku": sku, "qty": 1}]},
        ledger.headers("A"),
    )
    assert received.status_code == 200, received.text
    after = order_now(ledger, order["id"])
    [job] = after["jobs"]
    assert (job["location"], job["kind"]) == ("A", "collect")
    assert after["holds"][0]["state"] == "converted"
    assert ledger.stock("A", sku) == (1, 1, 0, False)
    assert_checks(ledger)


# --- the policy ------------------------------------------------------------------------------


def test_a_delivery_beyond_the_horizon_is_not_promised_but_offered_as_an_alternative(
    scene: Scene, ledger: Ledger
) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, {sku: 3}, until="2026-03-30T12:00:00+02:00")
    refused = assert_problem(place(ledger, sku), 409, "order-unfulfillable")
    assert refused["alternatives"]["incoming"] == [
        {
            "sku": sku,
            "location": "A",
            "free": 3,
            "document_kind": "delivery",
            "source": SUPPLIER,
            "expected_at": "2026-03-30T10:00:00+00:00",
        }
    ]
    assert promised(ledger, "A", sku) == 0

    scene.use_policy("[future_stock]\nhorizon_days = 30\n")
    order = placed(ledger, sku)
    assert order["holds"][0]["document_id"] == delivery
    assert winner(order)["text"] == f"serves {sku} from the delivery expected at A on 30 Mar"


def test_only_the_sources_the_policy_names_are_promised(scene: Scene, ledger: Ledger) -> None:
    sku = ledger.new_sku()
    announce(ledger, {sku: 1}, destination="A")  # from a supplier, the soonest
    from_warehouse = announce(
        ledger, {sku: 1}, destination="B", source="WH", until="2026-03-06T12:00:00+01:00"
    )
    scene.use_policy('[future_stock]\nsources = ["store"]\n')
    assert_problem(place(ledger, sku), 409, "order-unfulfillable")

    scene.use_policy('[future_stock]\nsources = ["warehouse", "store"]\n')
    order = placed(ledger, sku)
    [hold] = order["holds"]
    assert (hold["document_id"], hold["location"]) == (from_warehouse, "B")


def test_with_future_stock_disabled_an_order_nobody_holds_is_refused_as_before(
    scene: Scene, ledger: Ledger
) -> None:
    sku = ledger.new_sku()
    announce(ledger, {sku: 5})
    scene.use_policy("[future_stock]\nenabled = false\n")
    refused = assert_problem(place(ledger, sku), 409, "order-unfulfillable")
    assert refused["unserved"] == [{"line_no": 1, "sku": sku, "qty": 1}]
    codes = {r["code"] for c in refused["routing"]["candidates"] for r in c["reasons"]}
    assert "future_stock" not in codes
    assert refused["routing"]["summary"] == "no location can serve any line of this order now"
    assert promised(ledger, "A", sku) == 0


def test_incoming_units_already_promised_are_not_promised_twice(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    announce(ledger, {sku: 2})
    placed(ledger, sku, qty=2)
    refused = assert_problem(place(ledger, sku), 409, "order-unfulfillable")
    assert refused["alternatives"]["incoming"] == []
    assert promised(ledger, "A", sku) == 2
