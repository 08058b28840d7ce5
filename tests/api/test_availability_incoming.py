"""Availability answers carry the units on their way, on both backends: each open delivery and
each sent transfer per location, soonest window first, gone once received; the JSON written from
the rows is still, byte for byte, the models'."""

from __future__ import annotations

from typing import Any

import pytest

from ordersync.contract import ReferenceAvailability, Role, SkuAvailability
from ordersync.services.availability import reference_availability, sku_availability
from tests.support.ledger_api import Ledger, new_op_id

SUPPLIER = "LISE-CHARMEL"


@pytest.fixture(scope="module")
def ledger(shared: Ledger) -> Ledger:
    reply = shared.send("PUT", f"/v1/suppliers/{SUPPLIER}", {"name": "Lise Charmel"})
    assert reply.status_code == 200, reply.text
    return shared


_references = iter(range(1, 100_000))


def announce(ledger: Ledger, sku: str, qty: int, destination: str, until: str) -> str:
    body: dict[str, Any] = {
        "op_id": new_op_id(),
        "reference": f"AV-{next(_references):05d}",
        "source_kind": "supplier",
        "source": SUPPLIER,
        "destination": destination,
        "expected_from": "2026-03-03T08:00:00Z",
        "expected_until": until,
        "lines": [{"sku": sku, "qty": qty}],
    }
    reply = ledger.send("POST", "/v1/deliveries", body)
    assert reply.status_code == 201, reply.text
    return str(body["op_id"])


def send(ledger: Ledger, sku: str, qty: int, source: str, destination: str) -> str:
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


def sku_reply(ledger: Ledger, sku: str) -> SkuAvailability:
    reply = ledger.send("GET", f"/v1/availability/skus/{sku}", headers=ledger.headers("A"))
    assert reply.status_code == 200, reply.text
    with ledger.network.engine.connect() as connection:
        expected = sku_availability(connection, sku)
    assert reply.content == expected.model_dump_json().encode()
    return SkuAvailability.model_validate_json(reply.content)


def test_a_skus_availability_lists_deliveries_and_transfers_on_their_way_soonest_first(
    ledger: Ledger,
) -> None:
    sku = ledger.new_sku()
    ledger.receive(sku, "B", 4)
    late = announce(ledger, sku, 6, "A", "2026-03-12T18:00:00Z")
    soon = announce(ledger, sku, 2, "WH", "2026-03-03T18:00:00Z")
    transfer = send(ledger, sku, 3, "B", "A")  # sent now from Lyon: 2 days to Paris

    answer = sku_reply(ledger, sku)

    assert [
        (a.location, a.qty, a.document_kind.value, str(a.document_id), a.in_transit, a.source)
        for a in answer.arrivals
    ] == [
        ("WH", 2, "delivery", soon, False, SUPPLIER),
        ("A", 3, "transfer", transfer, True, "B"),
        ("A", 6, "delivery", late, False, SUPPLIER),
    ]
    assert [a.expected_until.isoformat() for a in answer.arrivals] == [
        "2026-03-03T18:00:00+00:00",
        "2026-03-04T09:00:00+00:00",
        "2026-03-12T18:00:00+00:00",
    ]
    # On hand moved from B's shelf into transit; incoming units are not available anywhere.
    assert answer.total.on_hand == 1
    assert answer.total.available == 1


def test_a_received_delivery_is_no_longer_on_its_way(ledger: Ledger) -> None:
    sku = ledger.new_sku()
    delivery = announce(ledger, sku, 2, "A", "2026-03-05T12:00:00Z")
    assert [str(a.document_id) for a in sku_reply(ledger, sku).arrivals] == [delivery]
    received = ledger.send(
        "POST",
        "/v1/deliveries/receipts",
        {
            "op_id": new_op_id(),
            "delivery_id": delivery,
            "location": "A",
            "lines": [{"sku": sku, "qty": 2}],
        },
        ledger.headers("A"),
    )
    assert received.status_code == 200, received.text
    answer = sku_reply(ledger, sku)
    assert answer.arrivals == []
    assert [(p.location, p.on_hand) for p in answer.locations] == [("A", 2)]


def test_a_references_availability_carries_the_arrivals_of_each_size(ledger: Ledger) -> None:
    small, large = ledger.new_sku("REF-AV"), ledger.new_sku("REF-AV")
    announce(ledger, large, 5, "B", "2026-03-06T10:00:00Z")
    reply = ledger.send("GET", "/v1/availability/references/REF-AV", headers=ledger.headers("A"))
    assert reply.status_code == 200, reply.text
    with ledger.network.engine.connect() as connection:
        expected = reference_availability(connection, "REF-AV")
    assert reply.content == expected.model_dump_json().encode()
    whole = ReferenceAvailability.model_validate_json(reply.content)
    arrivals = {s.sku: [(a.location, a.qty) for a in s.arrivals] for s in whole.skus}
    assert arrivals == {small: [], large: [("B", 5)]}
