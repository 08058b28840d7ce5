"""Units set aside by disposition (damaged, on display, in quarantine) or put back on sale, and
written off by a manager."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import DispositionMove, StockSetAside, WriteOff

router = APIRouter(tags=["stock"])


@router.post("/dispositions", status_code=201, response_model=StockSetAside, responses=REFUSALS)
async def move(
    body: DispositionMove, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Move units of this location between dispositions: set them aside (damaged, on display,
    in quarantine) or put them back on sale. On-hand is unchanged; units set aside are never
    reserved, routed or promised. Refused whole (422 `not-enough-units`, with what the shelf
    holds) when a line takes more than its disposition holds: for units on sale, more than
    those neither promised to orders nor set aside."""
    return await answer_operation(runtime, request, "move_disposition", principal, body)


@router.post("/write-offs", status_code=201, response_model=StockSetAside, responses=REFUSALS)
async def write_off(
    body: WriteOff, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """A manager takes units set aside (damaged by default) out of the record for good, with
    the reason; on-hand goes down. Refused whole (422 `not-enough-units`) when a line takes
    more than its disposition holds; 403 for a device or person below manager."""
    return await answer_operation(runtime, request, "write_off", principal, body)
