"""Cancellation and rejection reasons, one typed list, through the API on both backends.

A store rejects a line with one of the reasons a store may give (the word ``not_found`` it
always sent still works), never one only the ledger gives; a cancelled job and its order lines
record why (``other`` when the store gave no reason); a line nothing can serve records
``unfulfillable``; the order shows each line's reason.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ordersync.contract import CancelReason, RejectReason, uuid7
from tests.support.job_api import LOCATIONS, JobShop, assert_problem
from tests.support.ledger_harness import Network


@pytest.fixture
def shop(api: TestClient, network: Network) -> JobShop:
    return JobShop(api, network)


def test_a_store_may_give_only_its_own_subset_of_the_reasons() -> None:
    assert {reason.value for reason in RejectReason} <= {reason.value for reason in CancelReason}
    assert {reason.value for reason in RejectReason} == {
        "not_found",
        "damaged",
        "mismatch",
        "other",
    }


def test_a_mismatch_rejects_the_line_records_it_and_routes_the_line_again(shop: JobShop) -> None:
    shop.receive("A", "S1", 1)
    shop.receive("B", "S1", 1)
    order = shop.order([("S1", 1)])
    [job] = order["jobs"]
    reply = shop.reject(job, reason="mismatch")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [line["reject_reason"] for line in body["job"]["lines"]] == ["mismatch"]
    assert body["rerouted_to"] == "B"
    # The unit under the label was not the one ordered: the record is not to be trusted.
    assert shop.position("A", "S1")["suspect"]


def test_the_word_stores_always_sent_still_rejects_a_line(shop: JobShop) -> None:
    shop.receive("A", "S2", 1)
    [job] = shop.order([("S2", 1)])["jobs"]
    reply = shop.reject(job, reason="not_found")
    assert reply.status_code == 200, reply.text
    assert reply.json()["job"]["lines"][0]["reject_reason"] == "not_found"


@pytest.mark.parametrize("reason", ["no_show", "customer_cancelled", "unfulfillable", "lost"])
def test_a_reason_only_the_ledger_gives_is_refused_from_a_store(shop: JobShop, reason: str) -> None:
    shop.receive("A", "S3", 1)
    [job] = shop.order([("S3", 1)])["jobs"]
    assert_problem(shop.reject(job, reason=reason), 422, "validation")
    assert shop.stock("A", "S3") == (1, 1)


def test_a_cancelled_job_and_its_order_lines_record_why(shop: JobShop) -> None:
    shop.receive("A", "S1", 2)
    order = shop.order([("S1", 1)], channel="store", collect_at="A", headers=shop.headers("A"))
    [job] = order["jobs"]
    shop.walk(job, "picking", "picked", "ready")
    reply = shop.move(job, "cancelled", reason="customer_cancelled")
    assert reply.status_code == 200, reply.text
    assert (reply.json()["state"], reply.json()["cancel_reason"]) == (
        "cancelled",
        "customer_cancelled",
    )
    after = shop.get_order(order["id"])
    assert [(line["state"], line["cancel_reason"]) for line in after["lines"]] == [
        ("cancelled", "customer_cancelled")
    ]
    assert shop.stock("A", "S1") == (2, 0)


def test_a_job_cancelled_without_a_reason_records_other(shop: JobShop) -> None:
    shop.receive("A", "S2", 1)
    [job] = shop.order([("S2", 1)])["jobs"]
    shop.walk(job, "picking", "picked")
    op_id = str(uuid7())
    reply = shop.move(job, "cancelled", op_id=op_id)
    assert reply.status_code == 200, reply.text
    assert reply.json()["cancel_reason"] == "other"
    again = shop.move(job, "cancelled", op_id=op_id)  # a step sent again replays its answer
    assert again.status_code == 200, again.text
    assert again.headers.get("idempotent-replayed") == "true"


def test_a_reason_with_any_step_but_a_cancel_is_refused(shop: JobShop) -> None:
    shop.receive("A", "S3", 1)
    [job] = shop.order([("S3", 1)])["jobs"]
    refused = assert_problem(shop.move(job, "picking", reason="other"), 422, "invalid-request")
    assert "cancelling" in refused["detail"]
    assert shop.jobs("A")[0]["state"] == "assigned"


def test_a_line_nothing_can_serve_records_unfulfillable(shop: JobShop) -> None:
    for location in LOCATIONS:
        shop.receive(location, "S2", 1)
    order = shop.order([("S2", 1)])
    job = order["jobs"][0]
    for _ in LOCATIONS:
        body = shop.reject(job).json()
        if body["rerouted_to"] is None:
            break
        [job] = [j for j in body["order"]["jobs"] if j["state"] == "assigned"]
    final = shop.get_order(order["id"])
    assert final["state"] == "follow_up"
    assert [(line["state"], line["cancel_reason"]) for line in final["lines"]] == [
        ("unfulfillable", "unfulfillable")
    ]
