"""Holds that last as long as the job, collection deadlines and no-shows, on both backends.

A collection made ready records its deadline (``collection_days`` after ready) and holds its
units until then; however long a job waits, its next step is never refused for an expired hold;
past the deadline the ledger's sweep ends the collection as a no-show: units back to stock, the
order line cancelled with the reason ``no_show``, the order closed, the store's feed told.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ordersync.clock import ManualClock
from ordersync.db.writer import execute_batch
from ordersync.services.operations import expiry_work, no_show_work, packaged_policy
from tests.support.job_api import JobShop
from tests.support.ledger_harness import Network

POLICY = packaged_policy().current()
COLLECTION = timedelta(days=POLICY.service_level.collection_days)
HOLD = timedelta(hours=POLICY.routing.hold_hours)


@pytest.fixture
def shop(api: TestClient, network: Network) -> JobShop:
    return JobShop(api, network)


def sweep(shop: JobShop, clock: ManualClock) -> tuple[int, int]:
    """One turn of the ledger's housekeeping: no-shows, then expiries."""
    [(no_shows, error), (expired, other)] = execute_batch(
        shop.network.engine, clock, [no_show_work(POLICY), expiry_work(policy=POLICY)]
    )
    assert error is None, error
    assert other is None, other
    return int(no_shows), int(expired)


def no_show_audits(shop: JobShop) -> list[str]:
    """The jobs the audit log says ended as no-shows."""
    return [
        str(json.loads(detail)["job_id"])
        for (detail,) in shop.rows(
            "SELECT detail FROM audit_log WHERE operation = 'job.no_show' ORDER BY id"
        )
    ]


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def ready_collection(shop: JobShop, clock: ManualClock) -> dict[str, Any]:
    shop.receive("A", "S1", 3)
    order = shop.order([("S1", 1)], channel="store", collect_at="A", headers=shop.headers("A"))
    [job] = order["jobs"]
    shop.walk(job, "picking", "picked")
    clock.advance(timedelta(minutes=30))
    ready = shop.walk(job, "ready")
    return {"order": order, "job": ready}


def test_ready_sets_the_collection_deadline_and_holds_the_units_until_then(
    shop: JobShop, clock: ManualClock
) -> None:
    made = ready_collection(shop, clock)
    job = made["job"]
    assert at(job["ready_at"]) == clock.now()
    assert at(job["collect_by"]) == clock.now() + COLLECTION
    assert at(job["state_since"]) == clock.now()
    [(expires_at,)] = shop.rows(
        "SELECT r.expires_at FROM reservations r JOIN job_lines l ON l.reservation_id = r.id "
        "WHERE l.job_id = :id",
        id=job["id"],
    )
    held_until = expires_at if isinstance(expires_at, datetime) else at(str(expires_at))
    assert held_until.replace(tzinfo=None) == (clock.now() + COLLECTION).replace(tzinfo=None)

    clock.advance(COLLECTION - timedelta(minutes=1))
    assert sweep(shop, clock) == (0, 0)
    assert shop.stock("A", "S1") == (3, 1)
    shop.walk(job, "collected")
    assert shop.movements("A", "S1") == [("receipt", 3), ("sale", -1)]


def test_a_collection_picked_days_after_routing_still_hands_over(
    shop: JobShop, clock: ManualClock
) -> None:
    shop.receive("A", "S1", 2)
    order = shop.order([("S1", 1)], channel="store", collect_at="A", headers=shop.headers("A"))
    [job] = order["jobs"]
    clock.advance(timedelta(days=5))  # longer than the 72 h a hold lasts
    assert sweep(shop, clock) == (0, 0)  # renewed, not expired: the job is open
    assert shop.stock("A", "S1") == (2, 1)
    shop.walk(job, "picking", "picked", "ready")
    clock.advance(timedelta(days=6))
    shop.walk(job, "collected")
    assert shop.stock("A", "S1") == (1, 0)
    assert shop.get_order(order["id"])["state"] == "closed"


def test_a_ship_job_keeps_its_units_until_it_ships(shop: JobShop, clock: ManualClock) -> None:
    shop.receive("A", "S1", 1)
    order = shop.order([("S1", 1)])
    [job] = order["jobs"]
    for _ in range(3):
        clock.advance(HOLD + timedelta(hours=1))
        sweep(shop, clock)
    assert shop.stock("A", "S1") == (1, 1)
    shop.walk(job, "picking", "picked", "packed", "shipped")
    assert shop.stock("A", "S1") == (0, 0)


def test_past_the_deadline_the_sweep_makes_a_no_show_with_stock_back(
    shop: JobShop, clock: ManualClock
) -> None:
    made = ready_collection(shop, clock)
    job, order = made["job"], made["order"]
    clock.advance(COLLECTION + timedelta(seconds=1))

    assert sweep(shop, clock) == (1, 0)

    assert shop.stock("A", "S1") == (3, 0)
    after = shop.get_order(order["id"])
    assert after["state"] == "closed"
    assert [(line["state"], line["cancel_reason"]) for line in after["lines"]] == [
        ("cancelled", "no_show")
    ]
    [ended] = after["jobs"]
    assert (ended["state"], ended["cancel_reason"]) == ("cancelled", "no_show")
    assert shop.feed_jobs("A")[job["id"]]["state"] == "cancelled"
    assert no_show_audits(shop) == [job["id"]]

    # Idempotent: a second turn finds nothing, the stock and the audit stay as they are.
    assert sweep(shop, clock) == (0, 0)
    assert shop.stock("A", "S1") == (3, 0)
    assert no_show_audits(shop) == [job["id"]]


def test_a_parcel_collected_nowhere_goes_back_into_the_collection_stores_stock(
    shop: JobShop, clock: ManualClock
) -> None:
    shop.receive("B", "S1", 2)
    order = shop.order([("S1", 1)], collect_at="A")
    [job] = order["jobs"]
    shop.walk(job, "picking", "picked", "packed", "shipped")
    [handover] = [j for j in shop.get_order(order["id"])["jobs"] if j["location"] == "A"]
    assert [line["in_transit"] for line in handover["lines"]] == [True]
    arrived = shop.walk(handover, "ready")
    assert [line["in_transit"] for line in arrived["lines"]] == [False]
    clock.advance(COLLECTION + timedelta(minutes=1))

    assert sweep(shop, clock) == (1, 0)

    assert shop.stock("A", "S1") == (1, 0)
    after = shop.get_order(order["id"])
    assert [(line["state"], line["cancel_reason"]) for line in after["lines"]] == [
        ("cancelled", "no_show")
    ]


def test_the_sweep_ends_at_most_its_limit_per_turn(shop: JobShop, clock: ManualClock) -> None:
    shop.receive("A", "S2", 3)
    for _ in range(3):
        order = shop.order([("S2", 1)], channel="store", collect_at="A", headers=shop.headers("A"))
        shop.walk(order["jobs"][0], "picking", "picked", "ready")
    clock.advance(COLLECTION + timedelta(minutes=1))
    [(first, error)] = execute_batch(shop.network.engine, clock, [no_show_work(POLICY, limit=2)])
    assert (first, error) == (2, None)
    assert sweep(shop, clock) == (1, 0)
    assert shop.stock("A", "S2") == (3, 0)


def expire_the_old_way(shop: JobShop, job_id: str) -> None:
    """What the ledger did before job holds were renewed: the hold timed out, units freed."""
    with shop.network.engine.begin() as connection:
        for (reservation_id,) in connection.execute(
            text("SELECT reservation_id FROM job_lines WHERE job_id = :id"), {"id": job_id}
        ):
            connection.execute(
                text("UPDATE reservations SET state = 'expired' WHERE id = :id"),
                {"id": reservation_id},
            )
            for sku, location, qty in connection.execute(
                text("SELECT sku, location, qty FROM reservation_lines WHERE reservation_id = :id"),
                {"id": reservation_id},
            ):
                connection.execute(
                    text(
                        "UPDATE positions SET reserved = reserved - :qty "
                        "WHERE sku = :sku AND location = :location"
                    ),
                    {"qty": qty, "sku": sku, "location": location},
                )


def test_a_hold_that_expired_before_the_upgrade_is_held_again_at_the_next_step(
    shop: JobShop, clock: ManualClock
) -> None:
    shop.receive("A", "S3", 2)
    order = shop.order([("S3", 1)], channel="store", collect_at="A", headers=shop.headers("A"))
    [job] = order["jobs"]
    shop.walk(job, "picking", "picked")
    expire_the_old_way(shop, job["id"])
    assert shop.stock("A", "S3") == (2, 0)

    shop.walk(job, "ready")  # the units were still free: held again

    assert shop.stock("A", "S3") == (2, 1)
    shop.walk(job, "collected")
    assert shop.stock("A", "S3") == (1, 0)
    assert shop.get_order(order["id"])["lines"][0]["state"] == "collected"


def test_an_expired_hold_whose_units_went_elsewhere_routes_the_line_again(
    shop: JobShop, clock: ManualClock
) -> None:
    shop.receive("A", "S3", 1)
    shop.receive("B", "S3", 1)
    order = shop.order([("S3", 1)])
    [job] = order["jobs"]
    assert job["location"] == "A"
    expire_the_old_way(shop, job["id"])
    shop.sell("A", "S3", 1)  # the freed unit went to a customer at the counter

    reply = shop.move(job, "picking")

    assert reply.status_code == 200, reply.text
    assert (reply.json()["state"], reply.json()["cancel_reason"]) == (
        "cancelled",
        "not_prepared_in_time",
    )
    after = shop.get_order(order["id"])
    assert [j["location"] for j in after["jobs"] if j["state"] == "assigned"] == ["B"]
    assert after["lines"][0]["state"] == "routed"
    assert shop.stock("B", "S3") == (1, 1)
