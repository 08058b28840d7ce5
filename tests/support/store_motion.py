"""Stock in motion seen from a store terminal: deliveries announced to the ledger, fixed ids for
what the store's desks make, and the desks of a terminal (receiving, transfers)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from ordersync.contract import DocumentLineIn, InboundDeliveryCreate, Role, SourceKind
from storeapp.clock import PersonOf, nobody
from storeapp.context import StoreContext
from storeapp.services.receiving import ReceivingDesk
from storeapp.services.transfers import TransferDesk
from tests.support.ledger_harness import Network


def fixed_ids(prefix: int) -> Callable[[], UUID]:
    """UUIDv7-shaped ids, the same on every run; ``prefix`` keeps two sources apart."""
    counter = itertools.count(1)
    return lambda: UUID(f"01900000-{prefix:04x}-7000-8000-{next(counter):012x}")


def announce(
    ledger: TestClient,
    network: Network,
    reference: str,
    lines: list[tuple[str, int]],
    *,
    number: int,
    in_hours: int = 24,
    destination: str = "A",
) -> dict[str, Any]:
    """A shipping notice from the warehouse to ``destination``, arriving within a 4 h window
    ``in_hours`` from now; its id ends in ``number``."""
    start = network.clock.now() + timedelta(hours=in_hours)
    body = InboundDeliveryCreate(
        op_id=UUID(f"01900000-d000-7000-8000-{number:012x}"),
        reference=reference,
        source_kind=SourceKind.LOCATION,
        source="WH",
        destination=destination,
        expected_from=start,
        expected_until=start + timedelta(hours=4),
        lines=[DocumentLineIn(sku=sku, qty=qty) for sku, qty in lines],
    )
    reply = ledger.post(
        "/v1/deliveries",
        json=body.model_dump(mode="json"),
        headers=network.headers("WH", Role.ADMIN),
    )
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def ledger_delivery(ledger: TestClient, network: Network, delivery_id: str) -> dict[str, Any]:
    reply = ledger.get(f"/v1/deliveries/{delivery_id}", headers=network.headers("WH", Role.ADMIN))
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def ledger_transfer(ledger: TestClient, network: Network, transfer_id: str) -> dict[str, Any]:
    reply = ledger.get(f"/v1/transfers/{transfer_id}", headers=network.headers("WH", Role.ADMIN))
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def receiving_desk(
    terminal: StoreContext, prefix: int = 1, person: PersonOf = nobody
) -> ReceivingDesk:
    return ReceivingDesk(
        terminal.engine, terminal.location, terminal.now, fixed_ids(prefix), person=person
    )


def transfer_desk(
    terminal: StoreContext, prefix: int = 2, person: PersonOf = nobody
) -> TransferDesk:
    return TransferDesk(
        terminal.engine, terminal.location, terminal.now, fixed_ids(prefix), person=person
    )
