"""The demo's stock in motion, after a demo load on each backend: the Paris Rivoli store has
units coming in sizes it is out of, deliveries and transfers are where the demo put them, the
manager's day has work, a second load changes nothing and the ledger checks clean."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from ordersync.clock import ManualClock
from ordersync.contract import (
    DeliveryState,
    DocumentKind,
    InboundDeliveryCreate,
    InboundKind,
    Role,
    SourceKind,
    TransferRequest,
    TransferShipment,
    TransferState,
)
from ordersync.db.engine import create_ledger_engine
from ordersync.db.raw import RawSql
from ordersync.demo.history import DemoNetwork, build_demo_network
from ordersync.demo.load import load_demo_network
from ordersync.demo.motion import (
    ASKING,
    SISTER,
    STORE,
    SUPPLIER,
    DemoMotion,
    plan_demo_motion,
)
from ordersync.demo.network import PARIS, WAREHOUSE, demo_principal
from ordersync.services.availability import sku_availability
from ordersync.services.check import check_ledger
from ordersync.services.day_queue import day_queue
from ordersync.services.delivery_views import list_deliveries
from ordersync.services.suppliers import find_supplier
from ordersync.services.transfer_views import list_transfers
from tests.support.ledger_harness import PostgresDatabases, SqliteDatabases, backends

ANCHOR = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)  # 10:00 in Paris, the morning of the anchor day
ADMIN = demo_principal(WAREHOUSE)
MANAGER = demo_principal(STORE, Role.MANAGER)


@dataclass
class Demo:
    engine: Engine
    network: DemoNetwork
    motion: DemoMotion


@pytest.fixture(scope="module", params=backends())
def demo(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[Demo]:
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    url = databases.fresh()
    engine = create_ledger_engine(url, writer=True)
    summary = load_demo_network(engine, ManualClock(NOW))
    network = build_demo_network(7, anchor=ANCHOR)
    motion = plan_demo_motion(network)
    assert summary.motion_applied == len(motion.steps) >= 7
    yield Demo(engine, network, motion)
    engine.dispose()
    databases.drop(url)


def paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def test_the_store_has_units_coming_in_sizes_it_is_out_of(demo: Demo) -> None:
    on_order: Counter[str] = Counter()
    for delivery in demo.motion.commands(InboundDeliveryCreate):
        if delivery.destination == STORE:
            on_order.update({line.sku: line.qty for line in delivery.lines})
    in_transit: Counter[str] = Counter()
    for shipment in demo.motion.commands(TransferShipment):
        in_transit.update({line.sku: line.qty for line in shipment.lines})
    assert on_order
    assert in_transit
    assert not set(on_order) & set(in_transit)  # each size comes by one document

    with demo.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT i.sku, i.on_order, i.in_transit, i.next_expected_from, "
                "i.next_expected_until, p.on_hand FROM incoming i JOIN positions p "
                "ON p.sku = i.sku AND p.location = i.location WHERE i.location = :store"
            ),
            {"store": STORE},
        ).all()
        arrivals = sku_availability(connection, next(iter(in_transit))).arrivals
    coming = {row.sku: row for row in rows}
    assert {sku: row.on_order for sku, row in coming.items() if row.on_order} == on_order
    assert {sku: row.in_transit for sku, row in coming.items() if row.in_transit} == in_transit
    for row in rows:
        assert row.on_hand == 0, row.sku  # the size grid shows it as `0 +N`
        start, until = (
            RawSql.read_time(row.next_expected_from),
            RawSql.read_time(row.next_expected_until),
        )
        assert ANCHOR <= paris_day(start) <= paris_day(until) <= ANCHOR + timedelta(days=3)
    [arrival] = arrivals
    assert (arrival.location, arrival.in_transit, arrival.source) == (STORE, True, SISTER)
    assert arrival.document_kind is DocumentKind.TRANSFER


def test_deliveries_are_expected_where_and_when_the_demo_says(demo: Demo) -> None:
    with demo.engine.connect() as connection:
        deliveries = list_deliveries(connection, ADMIN, None, None, 100)
        supplier = find_supplier(RawSql(connection), SUPPLIER)
    assert supplier is not None
    assert {d.state for d in deliveries} == {DeliveryState.EXPECTED}
    assert Counter(d.destination for d in deliveries) == {STORE: 3, ASKING: 1}
    assert {str(d.id) for d in deliveries} == {
        str(c.op_id) for c in demo.motion.commands(InboundDeliveryCreate)
    }
    at_store = [d for d in deliveries if d.destination == STORE]
    days = sorted((paris_day(d.expected_from) - ANCHOR).days for d in at_store)
    assert days[0] == 0
    assert days[-1] > 1
    [notice] = [d for d in at_store if d.source_kind is SourceKind.LOCATION]
    assert (notice.source, notice.kind) == (WAREHOUSE, InboundKind.SHIPPING_NOTICE)
    from_supplier = [d for d in deliveries if d.source_kind is SourceKind.SUPPLIER]
    assert {d.source for d in from_supplier} == {SUPPLIER}
    assert all(line.received_qty is None for d in deliveries for line in d.lines)


def test_one_transfer_is_on_its_way_and_one_waits_to_be_sent(demo: Demo) -> None:
    with demo.engine.connect() as connection:
        transfers = {
            t.from_location: t for t in list_transfers(connection, ADMIN, STORE, None, 100)
        }
        shelf: dict[str, int] = {
            str(sku): int(on_hand)
            for sku, on_hand in connection.execute(
                text("SELECT sku, on_hand FROM positions WHERE location = :sister"),
                {"sister": SISTER},
            )
        }
        discrepancies = connection.execute(text("SELECT COUNT(*) FROM discrepancies")).scalar_one()
        suspects = connection.execute(
            text("SELECT COUNT(*) FROM positions WHERE suspect = :yes"), {"yes": True}
        ).scalar_one()
    assert set(transfers) == {SISTER, STORE}
    coming, asked = transfers[SISTER], transfers[STORE]
    assert (coming.to_location, coming.state) == (STORE, TransferState.SENT)
    assert coming.sent_at is not None
    assert coming.expected_at is not None
    assert coming.sent_at < NOW < coming.expected_at
    assert paris_day(coming.expected_at) == ANCHOR  # Haussmann is near: a day on the road
    assert all(line.sent_qty == line.requested_qty for line in coming.lines)
    assert (asked.to_location, asked.state, asked.sent_at) == (
        ASKING,
        TransferState.REQUESTED,
        None,
    )

    final = {(loc, sku): qty for loc, sku, qty in demo.network.final_stock}
    for (location, sku), units in demo.motion.sent_units().items():
        assert location == SISTER
        assert shelf[sku] == final[(location, sku)] - units >= 1
    assert (discrepancies, suspects) == (0, 0)


def test_the_managers_day_shows_todays_delivery_and_both_transfers(demo: Demo) -> None:
    with demo.engine.connect() as connection:
        queue = day_queue(connection, MANAGER, STORE, NOW, None)
    [today] = queue.deliveries_expected
    assert (today.source, today.late) == (SUPPLIER, False)
    assert paris_day(today.expected_from) == ANCHOR
    [to_send] = queue.transfers_to_send
    [to_receive] = queue.transfers_to_receive
    assert (to_send.to_location, to_send.units) == (
        ASKING,
        sum(
            line.qty
            for request in demo.motion.commands(TransferRequest)
            if request.to_location == ASKING
            for line in request.lines
        ),
    )
    assert (to_receive.from_location, to_receive.state) == (SISTER, TransferState.SENT.value)


TABLES = (
    "movements",
    "deliveries",
    "delivery_lines",
    "transfers",
    "transfer_lines",
    "incoming",
    "suppliers",
    "idempotency",
    "changes",
)


def counts(engine: Engine) -> dict[str, int]:
    """Rows of the tables a load writes; of the audit log, those of the motion's documents (a
    load audits its catalog upserts every time)."""
    queries = {table: f"SELECT COUNT(*) FROM {table}" for table in TABLES}
    queries["audit_log"] = (
        "SELECT COUNT(*) FROM audit_log WHERE operation LIKE 'delivery.%' "
        "OR operation LIKE 'transfer.%' OR operation LIKE 'supplier.%'"
    )
    with engine.connect() as connection:
        return {name: int(connection.execute(text(q)).scalar_one()) for name, q in queries.items()}


def test_loading_again_changes_nothing_and_the_ledger_checks_clean(demo: Demo) -> None:
    before = counts(demo.engine)

    again = load_demo_network(demo.engine, ManualClock(NOW + timedelta(days=1, hours=2)))

    assert (again.motion_applied, again.motion_found) == (0, len(demo.motion.steps))
    assert counts(demo.engine) == before
    with demo.engine.connect() as connection:
        report = check_ledger(connection)
    assert report.ok, [d.describe() for d in report.discrepancies[:5]]
    assert report.incoming >= len(
        {
            (d.destination, line.sku)
            for d in demo.motion.commands(InboundDeliveryCreate)
            for line in d.lines
        }
    )
