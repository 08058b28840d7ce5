"""Transfers between locations: requested, sent by scan (in transit), received by scan."""

from __future__ import annotations

from typing import Any

from ordersync.contract import TransferArrival, TransferCancel, TransferRequest, TransferShipment
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Principal
from ordersync.services.routing_policy import PolicyDocument


def request_transfer(
    tx: LedgerTx, principal: Principal, command: TransferRequest, policy: PolicyDocument
) -> dict[str, Any]:
    raise NotImplementedError


def send_transfer(
    tx: LedgerTx,
    principal: Principal,
    transfer_id: str,
    command: TransferShipment,
    policy: PolicyDocument,
) -> dict[str, Any]:
    raise NotImplementedError


def receive_transfer(
    tx: LedgerTx,
    principal: Principal,
    transfer_id: str,
    command: TransferArrival,
    policy: PolicyDocument,
) -> dict[str, Any]:
    raise NotImplementedError


def cancel_transfer(
    tx: LedgerTx,
    principal: Principal,
    transfer_id: str,
    command: TransferCancel,
    policy: PolicyDocument,
) -> dict[str, Any]:
    raise NotImplementedError
