"""Orders (web intake and order in store), their routing explanations, and fulfilment jobs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadTxDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
from ordersync.api.params import RowIdPath
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import (
    Job,
    JobStateName,
    JobTransition,
    LineRejection,
    LocationCode,
    Order,
    OrderCreate,
    RoutingRecord,
)
from ordersync.services.order_views import read_job, read_jobs, read_order, read_routing

router = APIRouter(tags=["orders and jobs"])


@router.post("/orders", status_code=201, response_model=Order, responses=REFUSALS)
async def place(
    body: OrderCreate, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Route an order and reserve its units in the same transaction.

    Channel ``store`` (order in store) is open to store devices; channel ``web`` (the e-commerce
    intake) needs an admin token. An order that cannot be served in full now is refused with
    409 ``order-unfulfillable``, the lines no one can serve and the nearest ``alternatives``.
    """
    return await answer_operation(runtime, request, "order", principal, body)


@router.get("/orders/{order_id}", response_model=Order)
def get_order(
    order_id: uuid.UUID, principal: PrincipalDep, tx: ReadTxDep, runtime: RuntimeDep
) -> Order:
    """The order, its lines and jobs, and every routing decision made for it."""
    return read_order(tx, principal, str(order_id), runtime.policy.current())


@router.get("/orders/{order_id}/routing", response_model=list[RoutingRecord])
def get_routing(
    order_id: uuid.UUID, principal: PrincipalDep, tx: ReadTxDep, runtime: RuntimeDep
) -> list[RoutingRecord]:
    """Why the order went where it went: the winner and why each other location lost."""
    return read_routing(tx, principal, str(order_id), runtime.policy.current())


@router.get("/jobs", response_model=list[Job])
def jobs(
    principal: PrincipalDep,
    tx: ReadTxDep,
    runtime: RuntimeDep,
    location: Annotated[LocationCode | None, Query()] = None,
    state: Annotated[list[JobStateName] | None, Query()] = None,
) -> list[Job]:
    """A location's jobs, oldest due first (``late`` says which missed their service level)."""
    return read_jobs(tx, principal, location, state, runtime.policy.current())


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(job_id: uuid.UUID, principal: PrincipalDep, tx: ReadTxDep, runtime: RuntimeDep) -> Job:
    return read_job(tx, principal, str(job_id), runtime.policy.current())


@router.post("/jobs/{job_id}/transitions", response_model=Job, responses=REFUSALS)
async def transition(
    job_id: uuid.UUID,
    body: JobTransition,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    """Move a job on: picking, picked, packed (parcels, weight), shipped (tracking), ready,
    collected, or cancelled. A transition the current state does not allow is a 409 that
    names the current state."""
    return await answer_operation(
        runtime, request, "job_transition", principal, body, job_id=job_id
    )


@router.post("/jobs/{job_id}/lines/{line_no}/reject", responses=REFUSALS)
async def reject(
    job_id: uuid.UUID,
    line_no: RowIdPath,
    body: LineRejection,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    """Short pick: the units go back, the position is flagged suspect with a count task, and
    the line is routed again at once (or marked unfulfillable when nowhere can serve it)."""
    return await answer_operation(
        runtime, request, "reject_line", principal, body, job_id=job_id, line_no=line_no
    )
