"""``ordersync check`` on units set aside, on both backends: each position's ``unavailable`` and
its ``position_dispositions`` rows are rebuilt from the movements that name a disposition; and a
record changed by hand is named as the record that disagrees with what it is made of (a position
with its movements, a network total with its positions), never the right one next to it.

Each test drives a fresh seeded ledger over HTTP, then edits its database by hand.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ordersync.contract import Disposition, Role, uuid7
from ordersync.services.check import check_ledger
from tests.support.ledger_harness import Network

DAMAGED = Disposition.DAMAGED.value
DISPLAY = Disposition.DISPLAY.value


def post(api: TestClient, network: Network, path: str, body: dict[str, Any]) -> None:
    reply = api.post(path, json={"op_id": str(uuid7()), **body}, headers=network.headers("A"))
    assert reply.status_code == 201, reply.text


def stocked_with_units_set_aside(api: TestClient, network: Network) -> None:
    """S1 at A: 6 units, 2 of them damaged and 1 on display; S2 at A: 3 units on sale."""
    lines = [
        {"kind": "receipt", "sku": "S1", "location": "A", "qty": 6},
        {"kind": "receipt", "sku": "S2", "location": "A", "qty": 3},
    ]
    post(api, network, "/v1/movements", {"lines": lines})
    moves = [
        {"sku": "S1", "qty": 2, "to_disposition": DAMAGED},
        {"sku": "S1", "qty": 1, "to_disposition": DISPLAY},
    ]
    post(api, network, "/v1/dispositions", {"location": "A", "lines": moves})


def described(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [found.describe() for found in check_ledger(connection).discrepancies]


def edit_by_hand(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        assert connection.execute(text(statement)).rowcount == 1


def test_units_set_aside_agree_with_their_movements(api: TestClient, network: Network) -> None:
    stocked_with_units_set_aside(api, network)
    write_off = {
        "location": "A",
        "lines": [{"sku": "S1", "qty": 1, "disposition": DAMAGED}],
        "reason": "torn",
    }
    reply = api.post(
        "/v1/write-offs",
        json={"op_id": str(uuid7()), **write_off},
        headers=network.headers("A", Role.MANAGER),
    )
    assert reply.status_code == 201, reply.text
    assert described(network.engine) == []


def test_a_disposition_changed_by_hand_is_named(api: TestClient, network: Network) -> None:
    stocked_with_units_set_aside(api, network)
    edit_by_hand(
        network.engine,
        "UPDATE position_dispositions SET units = 5 "
        f"WHERE sku = 'S1' AND location = 'A' AND disposition = '{DAMAGED}'",
    )
    assert described(network.engine) == ["A SKU S1: damaged 5 recorded, its movements add up to 2"]


def test_a_lost_disposition_row_is_found(api: TestClient, network: Network) -> None:
    stocked_with_units_set_aside(api, network)
    edit_by_hand(
        network.engine,
        "DELETE FROM position_dispositions "
        f"WHERE sku = 'S1' AND location = 'A' AND disposition = '{DISPLAY}'",
    )
    assert described(network.engine) == ["A SKU S1: display 0 recorded, its movements add up to 1"]


def test_units_set_aside_changed_by_hand_are_named_and_the_network_not_blamed(
    api: TestClient, network: Network
) -> None:
    stocked_with_units_set_aside(api, network)
    edit_by_hand(
        network.engine,
        "UPDATE positions SET unavailable = 0 WHERE sku = 'S1' AND location = 'A'",
    )
    assert described(network.engine) == [
        "A SKU S1: unavailable 0 recorded, its movements add up to 3"
    ]


def test_a_position_changed_by_hand_is_named_and_its_right_total_is_not_blamed(
    api: TestClient, network: Network
) -> None:
    stocked_with_units_set_aside(api, network)
    edit_by_hand(
        network.engine, "UPDATE positions SET on_hand = 9 WHERE sku = 'S2' AND location = 'A'"
    )
    assert described(network.engine) == ["A SKU S2: on hand 9 recorded, its movements add up to 3"]


def test_a_network_total_changed_by_hand_is_named(api: TestClient, network: Network) -> None:
    stocked_with_units_set_aside(api, network)
    edit_by_hand(
        network.engine, "UPDATE sku_totals SET on_hand = 232, available = 1 WHERE sku = 'S1'"
    )
    assert described(network.engine) == [
        "network total of SKU S1: on hand 232 recorded, its positions add up to 6",
        "network total of SKU S1: available 1 recorded, its positions add up to 3",
    ]


def test_movements_without_a_position_are_found(api: TestClient, network: Network) -> None:
    stocked_with_units_set_aside(api, network)
    edit_by_hand(network.engine, "DELETE FROM positions WHERE sku = 'S2' AND location = 'A'")
    assert described(network.engine) == [
        "A SKU S2: no position recorded, its movements add up to 3 on hand"
    ]
