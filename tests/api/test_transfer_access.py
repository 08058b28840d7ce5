"""Who may take each step of a transfer, and who reads which transfers: for a transfer from
store A to store B, a manager of either end requests or calls it off, the source's floor sends,
the destination's floor receives, and an admin does anything; a store reads the transfers from
or to its own location.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ordersync.contract import Role
from tests.support.ledger_api import Ledger
from tests.support.problems import assert_problem
from tests.support.transfers import Transfers, lines_of


@pytest.fixture
def transfers(shared: Ledger) -> Transfers:
    return Transfers(shared)


ASSOCIATE, MANAGER, ADMIN = Role.ASSOCIATE, Role.MANAGER, Role.ADMIN
WHO_MAY = {
    "request": [("A", ASSOCIATE, False), ("WH", MANAGER, False), ("A", MANAGER, True),
                ("B", MANAGER, True), ("WH", ADMIN, True)],
    "send": [("B", ASSOCIATE, False), ("B", MANAGER, False), ("A", ASSOCIATE, True)],
    "receive": [("A", ASSOCIATE, False), ("WH", MANAGER, False), ("B", ASSOCIATE, True)],
    "cancel": [("A", ASSOCIATE, False), ("WH", MANAGER, False), ("A", MANAGER, True),
               ("B", MANAGER, True)],
}  # fmt: skip
"""For a transfer from A to B: (device's location, role, allowed) per step."""


def _prepare(
    transfers: Transfers, action: str, sku: str
) -> Callable[[dict[str, str]], httpx.Response]:
    """The attempt of ``action`` by a device, its transfer made ready first."""
    lines = lines_of(**{sku: 1})
    if action == "request":
        return lambda headers: transfers.request(lines, headers=headers)
    transfer_id = transfers.requested(lines)
    if action == "receive":
        transfers.sent(transfer_id, lines)
    body = {"reason": "not needed"} if action == "cancel" else {"lines": lines}
    return lambda headers: transfers.step(transfer_id, action, body, headers)


@pytest.mark.parametrize("action", list(WHO_MAY))
def test_who_may_take_each_step_of_a_transfer(transfers: Transfers, action: str) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 100)
    failures = []
    for location, role, allowed in WHO_MAY[action]:
        headers = ledger.headers(location, role)  # issuing a token is audited: done first
        attempt = _prepare(transfers, action, sku)
        before = ledger.snapshot([sku])
        reply = attempt(headers)
        label = f"{role.value} of {location} may {'' if allowed else 'not '}{action}"
        if allowed:
            if reply.status_code not in (200, 201):
                failures.append(f"{label}: {reply.status_code} {reply.text}")
            continue
        if reply.status_code != 403 or reply.json()["type"] != "urn:ordersync:problem:forbidden":
            failures.append(f"{label}: {reply.status_code} {reply.text}")
        if ledger.snapshot([sku]) != before:
            failures.append(f"{label}: the refused attempt changed the ledger")
    assert not failures, "\n".join(failures)


def test_a_store_reads_the_transfers_of_its_own_location(transfers: Transfers) -> None:
    ledger = transfers.ledger
    sku = ledger.new_sku()
    ledger.receive(sku, "A", 10)
    to_b = transfers.requested(lines_of(**{sku: 1}))
    to_wh = transfers.requested(lines_of(**{sku: 2}), to_location="WH")
    transfers.sent(to_wh, lines_of(**{sku: 2}))

    def listed(headers: dict[str, str] | None, **query: Any) -> list[str]:
        reply = ledger.send("GET", "/v1/transfers", params=query, headers=headers)
        assert reply.status_code == 200, reply.text
        return [t["id"] for t in reply.json()["transfers"] if t["lines"][0]["sku"] == sku]

    assert listed(ledger.headers("A")) == [to_wh, to_b]  # the latest requested first
    assert listed(ledger.headers("B")) == [to_b]
    assert listed(ledger.headers("A"), state="sent") == [to_wh]
    assert listed(ledger.headers("A"), state=["requested", "cancelled"]) == [to_b]
    assert listed(None) == [to_wh, to_b]  # an admin: every location
    assert listed(None, location="WH") == [to_wh]
    assert_problem(
        ledger.send("GET", "/v1/transfers", params={"location": "A"}, headers=ledger.headers("B")),
        403,
        "forbidden",
    )
    assert_problem(ledger.send("GET", "/v1/transfers", params={"location": "ZZ"}), 422)
    for end in ("A", "B"):
        reply = ledger.send("GET", f"/v1/transfers/{to_b}", headers=ledger.headers(end))
        assert reply.status_code == 200, reply.text
    outsider = ledger.send("GET", f"/v1/transfers/{to_b}", headers=ledger.headers("WH"))
    assert_problem(outsider, 403, "forbidden")
