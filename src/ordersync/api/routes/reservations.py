"""Reservations: hold, commit (fully or partly), release; expiry runs in the background."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadTxDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import Reservation, ReservationCommit, ReservationCreate, ReservationRelease
from ordersync.services.reservations import get_reservation

router = APIRouter(tags=["reservations"])


@router.post("/reservations", status_code=201, response_model=Reservation, responses=REFUSALS)
async def create(
    body: ReservationCreate, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Hold every line or none. Refused with 409 and the quantities when ``available`` is short."""
    return await answer_operation(runtime, request, "reserve", principal, body)


@router.get("/reservations/{reservation_id}", response_model=Reservation)
def read(reservation_id: uuid.UUID, principal: PrincipalDep, tx: ReadTxDep) -> Reservation:
    return get_reservation(tx, principal, str(reservation_id))


@router.post(
    "/reservations/{reservation_id}/commit", response_model=Reservation, responses=REFUSALS
)
async def commit(
    reservation_id: uuid.UUID,
    body: ReservationCommit,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    """Turn held units into sale or shipment movements; what is not committed is released."""
    return await answer_operation(
        runtime, request, "commit", principal, body, reservation_id=reservation_id
    )


@router.post(
    "/reservations/{reservation_id}/release", response_model=Reservation, responses=REFUSALS
)
async def release(
    reservation_id: uuid.UUID,
    body: ReservationRelease,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    return await answer_operation(
        runtime, request, "release", principal, body, reservation_id=reservation_id
    )
