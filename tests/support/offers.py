"""Offers of competitive allocation in tests: a policy that offers web orders to the two best
placed stores, and a web order it offers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.ledger_harness import Network
from tests.support.store import receive, web_order

CLAIM_MINUTES = 10
OFFER_POLICY = f"""
[[rule_sets]]
name = "web"
[rule_sets.when]
channels = ["web"]

[[rule_sets.rules]]
name = "stores"
kinds = ["store"]
[rule_sets.rules.competitive]
offer_to = 2
claim_minutes = {CLAIM_MINUTES}

[[rule_sets.rules]]
name = "warehouses"
kinds = ["warehouse"]
"""
"""Web orders are offered to the two best placed stores for ten minutes."""


def offered_order(ledger: TestClient, network: Network) -> dict[str, Any]:
    """One unit of S1 at A and at B, and a web order of one S1 delivered in Paris: offered to
    A (the nearer, rank 1) and B."""
    receive(ledger, network, "S1", "A", 1)
    receive(ledger, network, "S1", "B", 1)
    placed: dict[str, Any] = web_order(ledger, network, [("S1", 1)])
    assert placed["jobs"] == [], placed
    return placed
