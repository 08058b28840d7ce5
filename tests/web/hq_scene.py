"""The small scene the head-office page tests look at, set up through the ledger's API."""

from __future__ import annotations

from datetime import timedelta

from ordersync.contract import Role
from tests.support.job_api import JobShop
from tests.support.ledger_api import Ledger


def heartbeat(ledger: Ledger) -> None:
    """Store A's terminal reports itself: 1 operation waiting, 2 refused."""
    beat = ledger.client.post(
        "/v1/devices/heartbeat",
        json={"pending_ops": 1, "needs_attention": 2},
        headers=ledger.headers("A", Role.ASSOCIATE),
    )
    assert beat.status_code == 204, beat.text


def set_the_scene(ledger: Ledger) -> None:
    """Store A shipped one web order yesterday; today it has one open web job, and a terminal
    that reported 2 refused operations."""
    shop = JobShop(ledger.client, ledger.network)
    shop.receive("A", "S1", 5)
    shop.order([("S1", 1)])
    (shipped,) = shop.jobs("A")
    shop.walk(shipped, "picking", "picked", "packed", "shipped")
    ledger.clock.advance(timedelta(days=1))
    shop.order([("S1", 1)])
    heartbeat(ledger)
