"""Replenishment that knows what is coming: the order-up-to suggestion less what is on order, in
transit and requested; a warehouse's demand counting what it sent to stores; a rebalancing line
as the transfer request that carries it out. Each against numbers worked by hand."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from ordersync.contract import (
    MovementKind,
    RequestTransferOp,
    TransferOrigin,
    TransferSuggestion,
)
from ordersync.domain.analytics.demand import Rate, daily_rate, with_shipments
from ordersync.domain.analytics.history import DayRow, History, summarize
from ordersync.domain.analytics.policy import ReportPolicy
from ordersync.domain.analytics.replenishment import Coming, plan_replenishment
from ordersync.domain.position_days import day_effect

POLICY = ReportPolicy()  # lead time 3, review 7: an order covers 10 days; 95 %


def d(day: int) -> date:
    return date(2026, 3, day)


# 3 on hand on the 1st; 2 sold on the 2nd, 1 on the 4th (empty), 5 received on the 7th, 1 sold
# on the 8th: 4 units over 8 in-stock days, spread sqrt(4/7). Safety 1.6449 * 0.7559 * sqrt(10)
# = 3.93; order up to ceil(0.5 * 10 + 3.93) = 9.
STORE = summarize(
    History(
        d(1),
        d(10),
        3,
        (
            DayRow(d(2), sold=2, closing=1),
            DayRow(d(4), sold=1, closing=0),
            DayRow(d(7), received=5, closing=5),
            DayRow(d(8), sold=1, closing=4),
        ),
    )
)


@pytest.mark.parametrize(
    ("coming", "position", "suggested"),
    [
        # 4 on hand, 1 reserved: 3 of the 9 are there, order 6
        (Coming(), 3, 6),
        # 2 announced by a delivery: 3 + 2 = 5, order 4
        (Coming(on_order=2), 5, 4),
        # 1 sent by another store, not yet arrived: 3 + 1 = 4, order 5
        (Coming(in_transit=1), 4, 5),
        # 3 asked of the warehouse, not yet sent: 3 + 3 = 6, order 3
        (Coming(requested=3), 6, 3),
        # all three: 3 + 2 + 1 + 1 = 7, order 2
        (Coming(on_order=2, in_transit=1, requested=1), 7, 2),
        # more on its way than the level: order nothing
        (Coming(on_order=4, in_transit=2, requested=4), 13, 0),
    ],
)
def test_what_is_coming_is_not_ordered_again(coming: Coming, position: int, suggested: int) -> None:
    plan = plan_replenishment(STORE, on_hand=4, reserved=1, policy=POLICY, coming=coming)
    assert plan.order_up_to == 9
    assert plan.stock_position == position
    assert plan.suggested_qty == suggested


def test_units_coming_to_an_empty_shelf_with_reservations() -> None:
    # nothing on hand, 2 reserved (promised, not there): position -2 + 5 on order = 3; order 6
    plan = plan_replenishment(STORE, 0, 2, POLICY, Coming(on_order=5))
    assert (plan.stock_position, plan.suggested_qty) == (3, 6)


def test_what_is_coming_counts_every_kind_once() -> None:
    assert Coming(on_order=2, in_transit=3, requested=4).total == 9
    assert Coming().total == 0


# A warehouse with 50 on the 1st: 1 web sale and 5 units sent to stores on the 2nd, 10 sent on
# the 5th, 1 sold and 3 sent on the 9th. Never empty: 10 in-stock days.
WAREHOUSE = History(
    d(1),
    d(10),
    50,
    (
        DayRow(d(2), sold=1, closing=44, sent=5),
        DayRow(d(5), closing=34, sent=10),
        DayRow(d(9), sold=1, closing=30, sent=3),
    ),
)


def test_a_warehouse_demand_includes_what_it_sent_to_stores() -> None:
    alone = summarize(WAREHOUSE)
    assert daily_rate(alone) == Rate(2, 10)  # its own sales only
    pulled = summarize(
        History(WAREHOUSE.start, WAREHOUSE.end, 50, tuple(map(with_shipments, WAREHOUSE.rows)))
    )
    # 6 + 10 + 4 = 20 units over 10 days: 2 a day
    assert daily_rate(pulled) == Rate(20, 10)
    # squares 36 + 100 + 16 = 152: spread sqrt((10 * 152 - 400) / 90) = 3.5277;
    # safety 1.6449 * 3.5277 * sqrt(10) = 18.35 -> 19; S = ceil(2 * 10 + 18.35) = 39
    plan = plan_replenishment(pulled, 30, 0, POLICY, Coming(on_order=4))
    assert (plan.safety_units, plan.order_up_to) == (19, 39)
    assert plan.suggested_qty == 39 - 30 - 4
    # on its web sales alone it would order far less: S = ceil(0.2 * 10 + 2.19) = 5
    assert plan_replenishment(alone, 30, 0, POLICY).suggested_qty == 0


def test_a_row_without_shipments_is_left_as_it_is() -> None:
    row = DayRow(d(3), sold=2, closing=5)
    assert with_shipments(row) is row


@pytest.mark.parametrize(
    ("kind", "delta", "sold", "sent", "received"),
    [
        (MovementKind.TRANSFER_OUT, -3, 0, 3, 0),
        (MovementKind.TRANSFER_IN, 3, 0, 0, 3),
        (MovementKind.SALE, -2, 2, 0, 0),
        (MovementKind.SHIPMENT, -1, 1, 0, 0),
        (MovementKind.ADJUSTMENT, -1, 0, 0, 0),
    ],
)
def test_a_transfer_out_counts_as_sent_not_sold(
    kind: MovementKind, delta: int, sold: int, sent: int, received: int
) -> None:
    effect = day_effect(kind, delta)
    assert (effect.sold, effect.sent, effect.received) == (sold, sent, received)


def test_a_rebalancing_line_is_a_transfer_request_a_terminal_can_push() -> None:
    line = TransferSuggestion(
        sku="S1",
        reference="REF-1",
        name="Item S1",
        size="85B",
        from_location="B",
        to_location="A",
        qty=2,
        reason="sleeping_stock",
        from_days_of_cover=120.0,
        to_days_of_cover=3.5,
    )
    op_id = uuid.UUID("01890000-0000-7000-8000-000000000001")
    request = line.transfer_request(op_id)
    assert (request.op_id, request.from_location, request.to_location) == (op_id, "B", "A")
    assert [(item.sku, item.qty) for item in request.lines] == [("S1", 2)]
    assert request.origin is TransferOrigin.REBALANCING
    pushed = RequestTransferOp.model_validate({**request.model_dump(), "op": "request_transfer"})
    assert pushed.origin is TransferOrigin.REBALANCING
    assert pushed.lines == request.lines
