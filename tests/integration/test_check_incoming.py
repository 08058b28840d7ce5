"""``check_ledger`` rebuilds each position's incoming units from the documents, on both backends:
units on order from expected deliveries, in transit from sent transfers, promised from open
future holds; a tampered, missing or stray ``incoming`` row is reported like a position."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from ordersync.contract import DeliveryReceipt, InboundDeliveryCreate, SupplierIn, uuid7
from ordersync.db.writer import run_in_transaction
from ordersync.services.check import CheckReport, check_ledger
from ordersync.services.operations import operation_work
from ordersync.services.suppliers import put_supplier
from tests.support.ledger_harness import START, SYSTEM, Network

SUPPLIER = "LISE-CHARMEL"


def check(engine: Engine) -> CheckReport:
    with engine.connect() as connection:
        return check_ledger(connection)


def described(engine: Engine) -> list[str]:
    return [found.describe() for found in check(engine).discrepancies]


def execute(engine: Engine, sql: str, **params: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), params)


def announce(network: Network, lines: dict[str, int], reference: str) -> str:
    run_in_transaction(
        network.engine,
        network.clock,
        lambda tx: put_supplier(tx, SYSTEM, SUPPLIER, SupplierIn(name="Lise Charmel")),
    )
    command = InboundDeliveryCreate.model_validate(
        {
            "op_id": str(uuid7()),
            "reference": reference,
            "source_kind": "supplier",
            "source": SUPPLIER,
            "destination": "A",
            "expected_from": START + timedelta(days=2),
            "expected_until": START + timedelta(days=3),
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines.items()],
        }
    )
    outcome = run_in_transaction(
        network.engine, network.clock, operation_work("announce_delivery", SYSTEM, command)
    )
    assert outcome.status == 201, outcome.body
    return str(command.op_id)


def test_units_on_order_agree_with_the_expected_deliveries(network: Network) -> None:
    announce(network, {"S1": 5, "S2": 2}, "PO-1")
    announce(network, {"S1": 3}, "PO-2")
    report = check(network.engine)
    assert report.ok, [found.describe() for found in report.discrepancies]
    assert report.incoming == 2


def test_a_tampered_incoming_row_is_reported_with_both_figures(network: Network) -> None:
    announce(network, {"S1": 5}, "PO-1")
    execute(network.engine, "UPDATE incoming SET on_order = 6 WHERE sku = 'S1' AND location = 'A'")
    assert described(network.engine) == [
        "A SKU S1: on order 6 recorded, its open documents add up to 5"
    ]


def test_a_missing_incoming_row_is_reported_as_zero(network: Network) -> None:
    announce(network, {"S2": 4}, "PO-1")
    execute(network.engine, "DELETE FROM incoming WHERE sku = 'S2'")
    assert described(network.engine) == [
        "A SKU S2: on order 0 recorded, its open documents add up to 4"
    ]


def test_a_received_delivery_leaves_nothing_on_order(network: Network) -> None:
    delivery_id = announce(network, {"S1": 5}, "PO-1")
    receipt = DeliveryReceipt.model_validate(
        {"op_id": str(uuid7()), "delivery_id": delivery_id, "location": "A",
         "lines": [{"sku": "S1", "qty": 4}]}
    )  # fmt: skip
    outcome = run_in_transaction(
        network.engine, network.clock, operation_work("receive_delivery", SYSTEM, receipt)
    )
    assert outcome.status == 200, outcome.body
    assert check(network.engine).ok
    execute(network.engine, "UPDATE incoming SET on_order = 5 WHERE sku = 'S1'")
    assert described(network.engine) == [
        "A SKU S1: on order 5 recorded, its open documents add up to 0"
    ]


def test_units_in_transit_and_promised_are_rebuilt_from_their_documents(network: Network) -> None:
    now = START.replace(tzinfo=None)
    execute(
        network.engine,
        "INSERT INTO transfers (id, from_location, to_location, state, origin, requested_at, "
        "sent_at, expected_at, updated_at) VALUES ('t-1', 'B', 'A', 'sent', 'manual', :now, "
        ":now, :now, :now)",
        now=now,
    )
    execute(
        network.engine,
        "INSERT INTO transfer_lines (transfer_id, line_no, sku, requested_qty, sent_qty) "
        "VALUES ('t-1', 1, 'S3', 4, 3)",
    )
    execute(
        network.engine,
        "INSERT INTO future_holds (order_id, order_line_no, sku, location, qty, document_kind, "
        "document_id, expected_at, state, created_at) VALUES ('o-1', 1, 'S3', 'A', 2, "
        "'transfer', 't-1', :now, 'open', :now)",
        now=now,
    )
    assert sorted(described(network.engine)) == [
        "A SKU S3: in transit 0 recorded, its open documents add up to 3",
        "A SKU S3: promised 0 recorded, its open documents add up to 2",
    ]
    execute(
        network.engine,
        "INSERT INTO incoming (sku, location, on_order, in_transit, promised, seq, updated_at) "
        "VALUES ('S3', 'A', 0, 3, 2, 0, :now)",
        now=now,
    )
    assert check(network.engine).ok


def test_a_stray_incoming_row_without_documents_is_reported(network: Network) -> None:
    execute(
        network.engine,
        "INSERT INTO incoming (sku, location, on_order, in_transit, promised, seq, updated_at) "
        "VALUES ('S2', 'B', 7, 0, 0, 0, :now)",
        now=START.replace(tzinfo=None),
    )
    assert described(network.engine) == [
        "B SKU S2: on order 7 recorded, its open documents add up to 0"
    ]
