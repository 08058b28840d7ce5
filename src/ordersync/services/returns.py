"""Customer returns at any store: the units come back on sale or set aside as damaged, linked to
the web order or counter sale the customer's receipt names; a return that does not match what
was sold is recorded and flagged, never refused (the unit is in the store)."""

from __future__ import annotations

from typing import Any

from ordersync.contract import CustomerReturn, ReturnReasons
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal
from ordersync.services.routing_policy import PolicyDocument


def record_return(
    tx: LedgerTx, principal: Principal, command: CustomerReturn, policy: PolicyDocument
) -> dict[str, Any]:
    raise NotImplementedError


def return_reasons(policy: PolicyDocument) -> ReturnReasons:
    return ReturnReasons(reasons=list(policy.counter.return_reasons))
