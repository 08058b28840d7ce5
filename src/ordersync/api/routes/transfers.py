"""Transfers between locations: requested, sent by scan, received by scan, or called off."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import (
    LocationCode,
    Problem,
    Transfer,
    TransferArrival,
    TransferCancel,
    TransferList,
    TransferRequest,
    TransferShipment,
    TransferState,
)
from ordersync.services.document_reads import MAX_LISTED
from ordersync.services.transfer_views import list_transfers, read_transfer

router = APIRouter(tags=["transfers"])

TRANSFER_REFUSALS: dict[int | str, dict[str, object]] = {
    **REFUSALS,
    404: {"model": Problem, "description": "No such transfer"},
    409: {
        "model": Problem,
        "description": "Not in a state that allows it: the problem says when and by which "
        "operation the transfer moved on (`already-sent`, `already-received`, `invalid-state`)",
    },
}


@router.post("/transfers", status_code=201, response_model=Transfer, responses=TRANSFER_REFUSALS)
async def request(
    body: TransferRequest, principal: PrincipalDep, runtime: RuntimeDep, http: Request
) -> JSONResponse:
    """Ask for units to move from one location to another (a manager of either end, or an
    admin). ``op_id`` becomes the transfer's id. Nothing moves until the source sends it."""
    return await answer_operation(runtime, http, "request_transfer", principal, body)


@router.post("/transfers/{transfer_id}/send", response_model=Transfer, responses=TRANSFER_REFUSALS)
async def send(
    transfer_id: uuid.UUID,
    body: TransferShipment,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    http: Request,
) -> JSONResponse:
    """What the source picked by scan leaves its shelf and is in transit, expected at the
    destination after the policy's transit days. Never refused for stock: a send the record
    cannot cover is recorded, the position flagged suspect with a count task, and a
    ``sent_without_stock`` discrepancy kept. Fewer units than requested, more, or items not
    requested are ``under_shipped`` / ``over_shipped`` discrepancies. A send of nothing is a 422:
    cancel the transfer instead."""
    return await answer_operation(
        runtime, http, "send_transfer", principal, body, transfer_id=transfer_id
    )


@router.post(
    "/transfers/{transfer_id}/receive", response_model=Transfer, responses=TRANSFER_REFUSALS
)
async def receive(
    transfer_id: uuid.UUID,
    body: TransferArrival,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    http: Request,
) -> JSONResponse:
    """What the destination counted by scan goes on its shelf, and every sent unit leaves
    transit. Units short are lost in transit (``under_received``; the source is not credited
    back); more than sent is ``over_received``, an item never sent ``unexpected``."""
    return await answer_operation(
        runtime, http, "receive_transfer", principal, body, transfer_id=transfer_id
    )


@router.post(
    "/transfers/{transfer_id}/cancel", response_model=Transfer, responses=TRANSFER_REFUSALS
)
async def cancel(
    transfer_id: uuid.UUID,
    body: TransferCancel,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    http: Request,
) -> JSONResponse:
    """Call a transfer off while it is only requested (a manager of either end, or an admin)."""
    return await answer_operation(
        runtime, http, "cancel_transfer", principal, body, transfer_id=transfer_id
    )


@router.get("/transfers", response_model=TransferList)
def transfers(
    principal: PrincipalDep,
    connection: ReadDep,
    location: Annotated[LocationCode | None, Query()] = None,
    state: Annotated[list[TransferState] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
) -> TransferList:
    """Transfers from or to a location (a store device: its own; an admin: any, or all when
    none is named), the latest requested first."""
    return TransferList(transfers=list_transfers(connection, principal, location, state, limit))


@router.get("/transfers/{transfer_id}", response_model=Transfer, responses=TRANSFER_REFUSALS)
def transfer(transfer_id: uuid.UUID, principal: PrincipalDep, connection: ReadDep) -> Transfer:
    """One transfer with its lines and every discrepancy recorded at either end."""
    return read_transfer(connection, principal, str(transfer_id))
