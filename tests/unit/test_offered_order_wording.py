"""How the store tells an associate that an order's line is offered to several stores at once
(competitive allocation), in English and French, and why each store won or lost the offer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ordersync.contract import Order, RoutingRecord
from storeapp.i18n import Translator, active, use
from storeapp.services.order_explanations import explain
from storeapp.services.orders import OrderOutcome, OrderStatus
from storeapp.wording.orders import Tone, offered_lines, routing_reason

TIMES = "\u00d7"
APOSTROPHE = "\u2019"
EXPIRES = "2026-12-01T09:15:00+00:00"


def _order(state: str) -> Order:
    return Order.model_validate(
        {
            "id": "01a251b1-a87b-7f39-aee3-ec36c0a71edf",
            "channel": "store",
            "state": "open",
            "external_ref": None,
            "placed_by": "A",
            "customer": {"name": "Camille Martin"},
            "delivery": {"kind": "home", "address": "1 rue de Rivoli, Paris"},
            "lines": [{"line_no": 1, "sku": "S1", "qty": 2, "state": state}],
            "jobs": [],
            "routing": [],
            "created_at": "2026-12-01T09:00:00Z",
            "promised_by": "2026-12-02T09:00:00Z",
        }
    )


def _outcome(state: str) -> OrderOutcome:
    record = RoutingRecord(
        id=1,
        trigger="order",
        created_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        explanation={
            "summary": "offered",
            "assignments": [{"location": "A", "lines": [1]}],
            "unserved": [],
            "candidates": [],
            "offers": [{"lines": [1], "locations": ["A", "C"], "expires_at": EXPIRES}],
        },
    )
    order = _order(state)
    return OrderOutcome(
        OrderStatus.PLACED, order.id, [("S1", 2)], order=order, explanation=explain(record)
    )


@pytest.mark.parametrize(
    ("language", "heading", "line", "lost"),
    [
        (
            "en_GB",
            "Offered to several stores (the first to claim it prepares it):",
            f"  2 {TIMES} S1: offered to A, C until 10:15",
            "C claimed the offer first",
        ),
        (
            "fr_FR",
            "Proposé à plusieurs magasins (le premier qui le prend le prépare) :",
            f"  2 {TIMES} S1 : proposé à A, C jusqu{APOSTROPHE}à 10:15",
            f"C a pris l{APOSTROPHE}offre le premier",
        ),
    ],
)
def test_an_offered_line_names_its_stores_and_until_when(
    language: str, heading: str, line: str, lost: str
) -> None:
    before = active()
    use(Translator(language, "Europe/Paris"))
    try:
        shown = offered_lines(_outcome("offered"))
        claimed = offered_lines(_outcome("routed"))
        why = routing_reason({"code": "claimed_elsewhere", "winner": "C"})
    finally:
        use(before)
    assert [(s.text, s.tone) for s in shown] == [(heading, Tone.HEADING), (line, Tone.PLAIN)]
    # Once a store claimed it, the line is routed and no longer shown as offered.
    assert claimed == []
    assert why == lost
