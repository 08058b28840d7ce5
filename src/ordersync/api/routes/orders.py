"""Orders (web intake and order in store), their routing explanations, and fulfilment jobs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.outcomes import outcome_response
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
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.permissions import Action
from ordersync.services.catalog import require_known_location
from ordersync.services.jobs import read_job
from ordersync.services.operations import job_transition_work, order_work, reject_line_work
from ordersync.services.order_views import list_jobs, load_order, routing_records

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
    work = order_work(principal, body, runtime.policy)
    return outcome_response(await runtime.writer.run(work), request.url.path)


def _visible_order(principal: PrincipalDep, order: Order) -> Order:
    locations = {order.placed_by, *(job.location for job in order.jobs)}
    collect_at = order.delivery.get("collect_at")
    if collect_at:
        locations.add(str(collect_at))
    if principal.location not in locations:
        principal.require(Action.MANAGE_CATALOG)
    return order


@router.get("/orders/{order_id}", response_model=Order)
def get_order(
    order_id: uuid.UUID, principal: PrincipalDep, connection: ReadDep, runtime: RuntimeDep
) -> Order:
    """The order, its lines and jobs, and every routing decision made for it."""
    tx = LedgerTx(connection, runtime.clock.now())
    return _visible_order(principal, load_order(tx, str(order_id), runtime.policy.current()))


@router.get("/orders/{order_id}/routing", response_model=list[RoutingRecord])
def get_routing(
    order_id: uuid.UUID, principal: PrincipalDep, connection: ReadDep, runtime: RuntimeDep
) -> list[RoutingRecord]:
    """Why the order went where it went: the winner and why each other location lost."""
    tx = LedgerTx(connection, runtime.clock.now())
    _visible_order(principal, load_order(tx, str(order_id), runtime.policy.current()))
    return routing_records(tx, str(order_id))


@router.get("/jobs", response_model=list[Job])
def jobs(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    location: Annotated[LocationCode | None, Query()] = None,
    state: Annotated[list[JobStateName] | None, Query()] = None,
) -> list[Job]:
    """A location's jobs, oldest due first (``late`` says which missed their service level)."""
    scope = location or principal.location
    principal.require(Action.READ_STOCK, scope)
    require_known_location(connection, location)
    tx = LedgerTx(connection, runtime.clock.now())
    states = [s.value for s in state] if state else None
    return list_jobs(tx, scope, states, runtime.policy.current())


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(
    job_id: uuid.UUID, principal: PrincipalDep, connection: ReadDep, runtime: RuntimeDep
) -> Job:
    tx = LedgerTx(connection, runtime.clock.now())
    job: Job = read_job(tx, principal, str(job_id), runtime.policy.current())
    return job


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
    work = job_transition_work(principal, str(job_id), body, runtime.policy)
    return outcome_response(await runtime.writer.run(work), request.url.path)


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
    work = reject_line_work(principal, str(job_id), line_no, body, runtime.policy)
    return outcome_response(await runtime.writer.run(work), request.url.path)
