"""Network availability over HTTP: the JSON written straight from the rows is, byte for byte,
what the contract's models give (``SkuAvailability``, ``ReferenceAvailability``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from ordersync.clock import ManualClock
from ordersync.contract import ReferenceAvailability, Role, SkuAvailability, uuid7
from ordersync.services.availability import (
    reference_availability,
    sku_availability,
    wire_time,
)
from tests.support.ledger_harness import Network


def post(api: TestClient, network: Network, path: str, body: dict[str, object]) -> None:
    reply = api.post(path, json=body, headers=network.headers("A", Role.ADMIN))
    assert reply.status_code in (200, 201), reply.text


def receipt(api: TestClient, network: Network, sku: str, location: str, qty: int) -> None:
    lines = [{"kind": "receipt", "sku": sku, "location": location, "qty": qty}]
    post(api, network, "/v1/movements", {"op_id": str(uuid7()), "lines": lines})


@pytest.fixture
def stocked(api: TestClient, network: Network, clock: ManualClock) -> TestClient:
    """S1 at three locations (one reserved from, one with safety stock, one sold below zero),
    S2 at one, S3 (another reference) nowhere; times with and without microseconds."""
    receipt(api, network, "S1", "A", 5)
    clock.advance(timedelta(seconds=1, microseconds=250_000))
    receipt(api, network, "S1", "B", 3)
    receipt(api, network, "S1", "WH", 40)
    clock.advance(timedelta(microseconds=7))
    receipt(api, network, "S2", "B", 2)
    line = {"sku": "S1", "location": "A", "qty": 2}
    post(api, network, "/v1/reservations", {"op_id": str(uuid7()), "lines": [line]})
    reply = api.put(
        "/v1/positions/WH/S1/safety-stock",
        json={"op_id": str(uuid7()), "safety_stock": 4},
        headers=network.headers("WH", Role.MANAGER),
    )
    assert reply.status_code == 200, reply.text
    clock.advance(timedelta(minutes=3))
    sale = [{"kind": "sale", "sku": "S1", "location": "B", "qty": 5}]
    post(api, network, "/v1/movements", {"op_id": str(uuid7()), "lines": sale})
    return api


def test_sku_availability_is_the_models_json(stocked: TestClient, network: Network) -> None:
    for sku in ("S1", "S2", "S3"):
        reply = stocked.get(f"/v1/availability/skus/{sku}", headers=network.headers("A"))
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"] == "application/json"
        with network.engine.connect() as connection:
            expected = sku_availability(connection, sku)
        assert reply.content == expected.model_dump_json().encode()
        assert SkuAvailability.model_validate_json(reply.content) == expected
    s1 = SkuAvailability.model_validate_json(
        stocked.get("/v1/availability/skus/S1", headers=network.headers("A")).content
    )
    assert [p.location for p in s1.locations] == ["A", "B", "WH"]
    assert [(p.on_hand, p.reserved, p.safety_stock, p.available) for p in s1.locations] == [
        (5, 2, 0, 3),
        (-2, 0, 0, -2),
        (40, 0, 4, 36),
    ]
    assert [p.suspect for p in s1.locations] == [False, True, False]


def test_reference_availability_is_the_models_json(stocked: TestClient, network: Network) -> None:
    for reference in ("REF-1", "REF-2"):
        reply = stocked.get(
            f"/v1/availability/references/{reference}", headers=network.headers("A")
        )
        assert reply.status_code == 200, reply.text
        with network.engine.connect() as connection:
            expected = reference_availability(connection, reference)
        assert reply.content == expected.model_dump_json().encode()
    whole = ReferenceAvailability.model_validate_json(
        stocked.get("/v1/availability/references/REF-1", headers=network.headers("A")).content
    )
    assert [s.sku for s in whole.skus] == ["S1", "S2"]
    assert whole.total.on_hand == sum(s.total.on_hand for s in whole.skus)


def test_unknown_sku_and_reference_are_refused_as_before(api: TestClient, network: Network) -> None:
    unknown_sku = api.get("/v1/availability/skus/NOPE", headers=network.headers("A"))
    assert unknown_sku.status_code == 422
    assert unknown_sku.json()["type"].endswith("unknown-sku")
    unknown_reference = api.get("/v1/availability/references/NOPE", headers=network.headers("A"))
    assert unknown_reference.status_code == 404
    assert unknown_reference.json()["type"].endswith("unknown-reference")


@pytest.mark.parametrize(
    ("stored", "wire"),
    [
        ("2026-11-26 09:00:00.000000", "2026-11-26T09:00:00Z"),
        ("2026-11-26 09:00:00.250000", "2026-11-26T09:00:00.250000Z"),
        ("2026-11-26 09:00:00.000007", "2026-11-26T09:00:00.000007Z"),
        ("2026-11-26 09:00:00", "2026-11-26T09:00:00Z"),
        ("2026-11-26T10:00:00+01:00", "2026-11-26T09:00:00Z"),
        (datetime(2026, 11, 26, 9, 0, 0, 30), "2026-11-26T09:00:00.000030Z"),
        (datetime(2026, 11, 26, 10, 0, tzinfo=UTC) + timedelta(hours=-1), "2026-11-26T09:00:00Z"),
    ],
)
def test_stored_times_are_written_as_pydantic_writes_utc(stored: object, wire: str) -> None:
    assert wire_time(stored) == wire
