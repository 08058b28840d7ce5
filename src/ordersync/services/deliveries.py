"""Inbound deliveries: announced by the ERP, a warehouse or an admin, received by the store."""

from __future__ import annotations

from typing import Any

from ordersync.contract import DeliveryReceipt, InboundDeliveryCancel, InboundDeliveryCreate
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal
from ordersync.services.routing_policy import PolicyDocument


def announce_delivery(
    tx: LedgerTx, principal: Principal, command: InboundDeliveryCreate
) -> dict[str, Any]:
    raise NotImplementedError


def cancel_delivery(
    tx: LedgerTx,
    principal: Principal,
    delivery_id: str,
    command: InboundDeliveryCancel,
    policy: PolicyDocument,
) -> dict[str, Any]:
    raise NotImplementedError


def receive_delivery(
    tx: LedgerTx, principal: Principal, command: DeliveryReceipt, policy: PolicyDocument
) -> dict[str, Any]:
    raise NotImplementedError
