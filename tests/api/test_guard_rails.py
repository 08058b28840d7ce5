"""The ledger's hard limit per counter line: a sale or return line of more units than the
policy's ``[counter] max_line_units`` is refused whole, with a problem document that says the
limit; receipts, adjustments and counts are not limited by it.

Most tests share one seeded ledger on each backend (SKUs of their own); the tests of a policy
file of its own run a ledger over a fresh database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ordersync.api.app import create_app
from ordersync.clock import ManualClock
from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX, Role
from ordersync.domain.counter_policy import DEFAULT_MAX_LINE_UNITS
from tests.support.ledger_api import Ledger, ledger_settings, new_op_id
from tests.support.ledger_harness import Network

LIMIT = DEFAULT_MAX_LINE_UNITS
"""The packaged policy's limit."""


def stock_record(ledger: Ledger, sku: str) -> dict[str, Any]:
    """What posting would change (a refusal is still audited and stored for its replays)."""
    snapshot = ledger.snapshot([sku])
    return {key: snapshot[key] for key in ("positions", "head", "movements")}


def line(kind: str, sku: str, qty: int, location: str = "A") -> dict[str, Any]:
    return {"kind": kind, "sku": sku, "location": location, "qty": qty}


def assert_above_limit(reply: httpx.Response, sku: str, qty: int, limit: int) -> dict[str, Any]:
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    problem: dict[str, Any] = reply.json()
    assert problem["type"] == PROBLEM_TYPE_PREFIX + "quantity-above-limit"
    assert (problem["status"], problem["sku"], problem["qty"], problem["limit"]) == (
        422,
        sku,
        qty,
        limit,
    )
    assert f"at most {limit} units" in problem["detail"]
    return problem


# --- the packaged limit ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sale", "return"])
def test_a_counter_line_above_the_limit_refuses_the_whole_batch_and_says_the_limit(
    shared: Ledger, kind: str
) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", 5)
    before = stock_record(shared, sku)
    reply = shared.movements(
        [line("receipt", sku, 3), line(kind, sku, LIMIT + 1)], shared.headers("A")
    )
    assert_above_limit(reply, sku, LIMIT + 1, LIMIT)
    # Not even the receipt of the same batch was posted.
    assert stock_record(shared, sku) == before
    assert shared.stock("A", sku) == (5, 0, 0, False)


def test_a_counter_line_of_exactly_the_limit_is_recorded(shared: Ledger) -> None:
    sku = shared.new_sku()
    shared.receive(sku, "A", LIMIT)
    sold = shared.movements([line("sale", sku, LIMIT)], shared.headers("A"))
    assert sold.status_code == 201, sold.text
    back = shared.movements([line("return", sku, LIMIT)], shared.headers("A"))
    assert back.status_code == 201, back.text
    assert shared.stock("A", sku) == (LIMIT, 0, 0, False)


def test_receipts_adjustments_and_counts_are_not_limited_by_the_counter_limit(
    shared: Ledger,
) -> None:
    sku = shared.new_sku()
    big = LIMIT * 3
    received = shared.movements([line("receipt", sku, big, "WH")])
    assert received.status_code == 201, received.text
    adjusted = shared.movements(
        [{"kind": "adjustment", "sku": sku, "location": "WH", "delta": big, "reason": "found"}]
    )
    assert adjusted.status_code == 201, adjusted.text
    counted = shared.send(
        "POST",
        "/v1/counts",
        {
            "op_id": new_op_id(),
            "sku": sku,
            "location": "WH",
            "counted": big * 3,
            "as_of_seq": shared.head(),
        },
    )
    assert counted.status_code == 201, counted.text
    assert shared.stock("WH", sku)[0] == big * 3


def test_a_pushed_batch_above_the_limit_is_refused_the_same_way(shared: Ledger) -> None:
    sku = shared.new_sku()
    op_id = new_op_id()
    before = stock_record(shared, sku)
    reply = shared.send(
        "POST",
        "/v1/ops",
        {"ops": [{"op": "movements", "op_id": op_id, "lines": [line("sale", sku, LIMIT + 7)]}]},
        shared.headers("A"),
    )
    assert reply.status_code == 200, reply.text
    [result] = reply.json()["results"]
    assert result["status"] == 422
    body = result["body"]
    assert (body["type"], body["limit"], body["qty"]) == (
        PROBLEM_TYPE_PREFIX + "quantity-above-limit",
        LIMIT,
        LIMIT + 7,
    )
    assert shared.movement_count(op_id) == 0
    assert stock_record(shared, sku) == before


# --- a policy file of its own ------------------------------------------------------------------


@contextmanager
def ledger_with_policy(network: Network, clock: ManualClock, policy: Path) -> Iterator[TestClient]:
    settings = ledger_settings(network.url).model_copy(update={"routing_policy": policy})
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        yield client


def test_the_limit_is_the_policy_files_and_follows_its_changes(
    network: Network, clock: ManualClock, tmp_path: Path
) -> None:
    policy = tmp_path / "routing.toml"
    policy.write_text("[counter]\nmax_line_units = 5\n")
    store = network.headers("A", Role.ASSOCIATE)

    def sell(client: TestClient, qty: int) -> httpx.Response:
        body = {"op_id": new_op_id(), "lines": [line("sale", "S1", qty)]}
        reply: httpx.Response = client.post("/v1/movements", json=body, headers=store)
        return reply

    with ledger_with_policy(network, clock, policy) as client:
        assert_above_limit(sell(client, 6), "S1", 6, 5)
        assert sell(client, 5).status_code == 201
        policy.write_text("[counter]\nmax_line_units = 10\n")
        assert sell(client, 6).status_code == 201
        # A broken file keeps the last valid limit in force.
        policy.write_text("[counter]\nmax_line_units = 0\n")
        assert_above_limit(sell(client, 11), "S1", 11, 10)
        assert sell(client, 10).status_code == 201
