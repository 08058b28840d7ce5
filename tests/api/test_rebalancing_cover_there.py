"""The rebalancing report's covers, and the stock-out risk list ranked by what the risk costs,
over HTTP and as the ledger's ``report`` command draws them.

The history (store-local times, Paris), read on 3 March 2026 at 10:00 (window: 3 February to
2 March; the default policy's next replenishment arrives on 12 March):

- S2 (REF-1) sleeps at A (5 received, never sold); B received 2 and sold both on 15 February:
  B sells, is empty (0 days of cover there) and asks for them.
- S1 at A: 1 received, sold on 27 February: a slow seller, empty.
- S3 at A: 9 received, 3 sold on each of 20 and 25 February and 1 March: a fast seller, empty.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ordersync.cli.commands.reports import REPORTS
from ordersync.contract import CoverReport, RebalancingReport, Role
from tests.support.ledger_api import Ledger, new_op_id

READ_AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _at(ledger: Ledger, moment: str, *lines: tuple[str, str, str, int]) -> None:
    body = {
        "op_id": new_op_id(),
        "occurred_at": moment,
        "lines": [
            {"kind": kind, "sku": sku, "location": location, "qty": qty}
            for kind, sku, location, qty in lines
        ],
    }
    reply = ledger.send("POST", "/v1/movements", body)
    assert reply.status_code == 201, reply.text


@pytest.fixture(scope="module")
def history(shared: Ledger) -> Ledger:
    ledger = shared
    _at(
        ledger,
        "2026-02-01T10:00:00+01:00",
        ("receipt", "S2", "A", 5),
        ("receipt", "S2", "B", 2),
        ("receipt", "S1", "A", 1),
        ("receipt", "S3", "A", 9),
    )
    _at(ledger, "2026-02-15T11:00:00+01:00", ("sale", "S2", "B", 2))
    for day in ("2026-02-20", "2026-02-25", "2026-03-01"):
        _at(ledger, f"{day}T12:00:00+01:00", ("sale", "S3", "A", 3))
    _at(ledger, "2026-02-27T12:00:00+01:00", ("sale", "S1", "A", 1))
    ledger.clock.set(READ_AT)
    return ledger


def read(ledger: Ledger, route: str, **params: Any) -> dict[str, Any]:
    headers = ledger.headers("A", Role.MANAGER)
    reply = ledger.send("GET", f"/v1/reports/{route}", headers=headers, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def test_cover_there_is_the_destination_s(history: Ledger) -> None:
    body = read(history, "rebalancing", reference="REF-1")
    [row] = body["rows"]
    assert (row["sku"], row["from_location"], row["to_location"], row["qty"]) == ("S2", "A", "B", 2)
    assert (row["from_days_of_cover"], row["to_days_of_cover"]) == (None, 0.0)
    table = REPORTS["rebalancing"].table(RebalancingReport.model_validate(body))
    shown = dict(zip(table.columns, table.rows[0], strict=True))
    # where the units go has no cover left; where they sleep nothing sells
    assert (shown["cover there"], shown["cover at source"]) == ("0.0 d", "no sales")


def test_the_risk_list_leads_with_what_the_risk_costs(history: Ledger) -> None:
    body = read(history, "stockout-risk")
    rows = {row["sku"]: row for row in body["rows"]}
    assert [row["sku"] for row in body["rows"]] == ["S3", "S1"]
    s1, s3 = rows["S1"], rows["S3"]
    assert s1["stockout_by"] == s3["stockout_by"] == "2026-03-03"
    days_out = 9  # 3 to 12 March
    price = s3_price(history)  # every test item has the same price
    # S3: 9 sold in its 27 in-stock days (3 February to 1 March); S1: 1 in 25 (to 27 February)
    assert s3["value_at_risk_minor"] == round(9 / 27 * price * days_out)
    assert s1["value_at_risk_minor"] == round(1 / 25 * price * days_out)
    assert s3["value_at_risk_minor"] > s1["value_at_risk_minor"] > 0
    table = REPORTS["stockout-risk"].table(CoverReport.model_validate(body))
    assert table.rows[0][0] == "S3"


def s3_price(ledger: Ledger) -> int:
    reply = ledger.send("GET", "/v1/items/S3", headers=ledger.admin)
    assert reply.status_code == 200, reply.text
    price: int = reply.json()["price_minor"]
    return price
