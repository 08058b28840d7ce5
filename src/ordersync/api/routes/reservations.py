"""Reservations: hold, commit (fully or partly), release; expiry runs in the background."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.outcomes import outcome_response
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import Reservation, ReservationCommit, ReservationCreate, ReservationRelease
from ordersync.db.ledger_tx import LedgerTx
from ordersync.services.operations import commit_work, release_work, reserve_work
from ordersync.services.reservations import get_reservation

router = APIRouter(tags=["reservations"])


@router.post("/reservations", status_code=201, response_model=Reservation, responses=REFUSALS)
async def create(
    body: ReservationCreate, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Hold every line or none. Refused with 409 and the quantities when ``available`` is short."""
    work = reserve_work(principal, body, runtime.settings.reservation_ttl_seconds)
    return outcome_response(await runtime.writer.run(work), request.url.path)


@router.get("/reservations/{reservation_id}", response_model=Reservation)
def read(
    reservation_id: uuid.UUID, principal: PrincipalDep, runtime: RuntimeDep, connection: ReadDep
) -> Reservation:
    return get_reservation(
        LedgerTx(connection, runtime.clock.now()), principal, str(reservation_id)
    )


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
    work = commit_work(principal, str(reservation_id), body)
    return outcome_response(await runtime.writer.run(work), request.url.path)


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
    work = release_work(principal, str(reservation_id), body)
    return outcome_response(await runtime.writer.run(work), request.url.path)
