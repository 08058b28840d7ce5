"""The day's queue with stock in motion, through the API on both backends: deliveries expected at
the store today (their window touches the store's day) or late (window passed, not received),
transfers the store has to send and transfers on their way to it, each with its counts, late
ones first; and what leaves the queue once it is received, sent or cancelled.

The ledger's clock stands at 2026-03-02 09:00 UTC (10:00 in Paris, store A's zone).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import Role, uuid7
from tests.support.ledger_harness import Network
from tests.support.store_motion import announce


def move(api: TestClient, network: Network, sku: str, qty: int, location: str) -> None:
    line = {"kind": "receipt", "sku": sku, "location": location, "qty": qty}
    reply = api.post(
        "/v1/movements",
        json={"op_id": str(uuid7()), "lines": [line]},
        headers=network.headers(location, Role.ASSOCIATE),
    )
    assert reply.status_code == 201, reply.text


def day(api: TestClient, network: Network, location: str = "A") -> dict[str, Any]:
    manager = network.headers(location, Role.MANAGER)
    reply = api.get(f"/v1/locations/{location}/day", headers=manager)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def request_transfer(
    api: TestClient, network: Network, source: str, to: str, lines: list[tuple[str, int]]
) -> str:
    transfer_id = str(uuid7())
    reply = api.post(
        "/v1/transfers",
        json={
            "op_id": transfer_id,
            "from_location": source,
            "to_location": to,
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
            "origin": "rebalancing",
        },
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    return transfer_id


def post(api: TestClient, network: Network, path: str, at: str, **body: Any) -> None:
    """An operation of the floor staff of ``at``, with a fresh op id."""
    staff = network.headers(at, Role.ASSOCIATE)
    reply = api.post(path, json={"op_id": str(uuid7()), **body}, headers=staff)
    assert reply.status_code == 200, reply.text


def test_deliveries_expected_today_and_late_ones_are_in_the_queue(
    api: TestClient, network: Network
) -> None:
    late = announce(api, network, "ASN-LATE", [("S1", 3)], number=1, in_hours=-30)
    today = announce(api, network, "ASN-TODAY", [("S1", 2), ("S2", 4)], number=2, in_hours=4)
    announce(api, network, "ASN-TOMORROW", [("S1", 1)], number=3, in_hours=24)
    announce(api, network, "ASN-B", [("S1", 1)], number=4, in_hours=2, destination="B")
    cancelled = announce(api, network, "ASN-OFF", [("S3", 1)], number=5, in_hours=1)
    reply = api.post(
        f"/v1/deliveries/{cancelled['id']}/cancel",
        json={"op_id": str(uuid7()), "reason": "not coming"},
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 200, reply.text

    queue = day(api, network)
    assert queue["deliveries_expected"] == [
        {
            "id": late["id"],
            "reference": "ASN-LATE",
            "kind": "shipping_notice",
            "source_kind": "location",
            "source": "WH",
            "expected_from": "2026-03-01T03:00:00Z",
            "expected_until": "2026-03-01T07:00:00Z",
            "lines": 1,
            "units": 3,
            "late": True,
        },
        {
            "id": today["id"],
            "reference": "ASN-TODAY",
            "kind": "shipping_notice",
            "source_kind": "location",
            "source": "WH",
            "expected_from": "2026-03-02T13:00:00Z",
            "expected_until": "2026-03-02T17:00:00Z",
            "lines": 2,
            "units": 6,
            "late": False,
        },
    ]
    assert [d["reference"] for d in day(api, network, "B")["deliveries_expected"]] == ["ASN-B"]

    # received: it leaves the queue
    post(
        api,
        network,
        "/v1/deliveries/receipts",
        "A",
        delivery_id=late["id"],
        location="A",
        lines=[{"sku": "S1", "qty": 3}],
    )
    assert [d["reference"] for d in day(api, network)["deliveries_expected"]] == ["ASN-TODAY"]


def test_a_window_that_spans_midnight_touches_both_days_and_a_past_day_lists_its_own(
    api: TestClient, network: Network, clock: ManualClock
) -> None:
    # 22:00 Paris today to 02:00 Paris tomorrow (4 h window from 21:00 UTC)
    announce(api, network, "ASN-NIGHT", [("S1", 1)], number=6, in_hours=12)
    assert [d["reference"] for d in day(api, network)["deliveries_expected"]] == ["ASN-NIGHT"]
    clock.advance(timedelta(hours=16))  # 02:00 Paris on the 3rd: still in its window
    queue = day(api, network)
    assert queue["day"] == "2026-03-03"
    [night] = queue["deliveries_expected"]
    assert (night["reference"], night["late"]) == ("ASN-NIGHT", False)
    clock.advance(timedelta(hours=2))
    [night] = day(api, network)["deliveries_expected"]
    assert night["late"] is True  # its window passed, and it is not received


def test_transfers_to_send_and_to_receive_with_their_eta_late_first(
    api: TestClient, network: Network, clock: ManualClock
) -> None:
    move(api, network, "S1", 10, "A")
    move(api, network, "S2", 10, "B")
    to_send = request_transfer(api, network, "A", "B", [("S1", 2), ("S3", 1)])
    coming = request_transfer(api, network, "B", "A", [("S2", 3)])
    asked_only = request_transfer(api, network, "B", "A", [("S2", 1)])
    post(api, network, f"/v1/transfers/{coming}/send", "B", lines=[{"sku": "S2", "qty": 3}])

    queue = day(api, network)
    [send] = queue["transfers_to_send"]
    assert send == {
        "id": to_send,
        "from_location": "A",
        "to_location": "B",
        "state": "requested",
        "origin": "rebalancing",
        "requested_at": "2026-03-02T09:00:00Z",
        "sent_at": None,
        "expected_at": None,
        "lines": 2,
        "units": 3,
        "late": False,
    }
    [receive] = queue["transfers_to_receive"]
    assert (receive["id"], receive["state"], receive["from_location"]) == (coming, "sent", "B")
    assert (receive["lines"], receive["units"], receive["late"]) == (1, 3, False)
    assert receive["sent_at"] == "2026-03-02T09:00:00Z"
    assert receive["expected_at"] is not None
    assert receive["expected_at"] > receive["sent_at"]
    # B sees the other side: what it has to send (the request not yet sent)
    assert [t["id"] for t in day(api, network, "B")["transfers_to_send"]] == [asked_only]

    # past its expected arrival and not received: late
    clock.advance(timedelta(days=10))
    move(api, network, "S2", 5, "B")
    later = request_transfer(api, network, "B", "A", [("S2", 1)])
    post(api, network, f"/v1/transfers/{later}/send", "B", lines=[{"sku": "S2", "qty": 1}])
    arriving = day(api, network)["transfers_to_receive"]
    assert [(t["id"], t["late"]) for t in arriving] == [(coming, True), (later, False)]

    # received and sent: both leave the queue
    post(api, network, f"/v1/transfers/{coming}/receive", "A", lines=[{"sku": "S2", "qty": 3}])
    post(
        api,
        network,
        f"/v1/transfers/{to_send}/send",
        "A",
        lines=[{"sku": "S1", "qty": 2}, {"sku": "S3", "qty": 0}],
    )
    queue = day(api, network)
    assert [t["id"] for t in queue["transfers_to_receive"]] == [later]
    assert queue["transfers_to_send"] == []


def test_a_day_without_motion_has_empty_sections(api: TestClient, network: Network) -> None:
    queue = day(api, network)
    assert (
        queue["deliveries_expected"],
        queue["transfers_to_send"],
        queue["transfers_to_receive"],
    ) == ([], [], [])
