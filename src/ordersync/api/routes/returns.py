"""Customer returns at any store and voided counter sales: recorded, listed and read back."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadTxDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import (
    CustomerReturn,
    LocationCode,
    Problem,
    RecordedReturn,
    ReturnReasons,
    SaleVoid,
    VoidedSale,
)
from ordersync.domain.permissions import Action
from ordersync.services.document_reads import MAX_LISTED
from ordersync.services.return_views import list_returns, read_return
from ordersync.services.returns import return_reasons

router = APIRouter(tags=["returns and voids"])

RETURN_REFUSALS: dict[int | str, dict[str, object]] = {
    **REFUSALS,
    422: {
        "model": Problem,
        "description": "Unknown SKU or location, a reason not in the policy's list (`allowed` "
        "lists them), or more units on a line than the policy's hard limit (`limit`)",
    },
}
VOID_REFUSALS: dict[int | str, dict[str, object]] = {
    **REFUSALS,
    403: {
        "model": Problem,
        "description": "Not the terminal that made the sale, or not the same store day: a "
        "manager voids it",
    },
    404: {"model": Problem, "description": "No counter sale with that receipt reference"},
    409: {
        "model": Problem,
        "description": "Already voided (`voided_by_op`, `voided_at`), or some of its units "
        "already came back by a return",
    },
    422: {"model": Problem, "description": "The sale handed over an order's units"},
}
READ_REFUSALS: dict[int | str, dict[str, object]] = {
    403: {"model": Problem, "description": "Recorded at another store"},
    404: {"model": Problem, "description": "No such return"},
}


@router.post("/returns", status_code=201, response_model=RecordedReturn, responses=RETURN_REFUSALS)
async def record(
    body: CustomerReturn, principal: PrincipalDep, runtime: RuntimeDep, http: Request
) -> JSONResponse:
    """Units a customer brought back to this store, on sale again or set aside as damaged.

    ``order_id`` (a web order or an order in store, shipped or handed over by any store) or
    ``sale_op_id`` (a counter sale's receipt reference) links the return to what was sold. A
    return that does not match is recorded all the same, with ``flags``: ``unknown_order``,
    ``unknown_sale``, ``not_on_order``, ``more_than_sold``. ``op_id`` becomes the return's id;
    ``positions`` are the positions after the return."""
    return await answer_operation(runtime, http, "customer_return", principal, body)


@router.get("/returns/reasons", response_model=ReturnReasons)
def reasons(principal: PrincipalDep, runtime: RuntimeDep) -> ReturnReasons:
    """The reasons a return may give, in the order staff should see them (store devices)."""
    principal.require(Action.RETURN)
    return return_reasons(runtime.policy.current())


@router.get("/returns", response_model=list[RecordedReturn])
def returns(
    principal: PrincipalDep,
    tx: ReadTxDep,
    location: Annotated[LocationCode | None, Query()] = None,
    days: Annotated[int, Query(ge=1, le=365)] = 7,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
) -> list[RecordedReturn]:
    """Returns recorded at a location in the last ``days`` days (a store device: its own; an
    admin: any, or all when none is named), the latest first; read back without positions."""
    return list_returns(tx, principal, location, days, limit)


@router.get("/returns/{return_id}", response_model=RecordedReturn, responses=READ_REFUSALS)
def one_return(return_id: uuid.UUID, principal: PrincipalDep, tx: ReadTxDep) -> RecordedReturn:
    """One return with its lines and flags, read back without positions."""
    return read_return(tx, principal, str(return_id))


@router.post("/voids", status_code=201, response_model=VoidedSale, responses=VOID_REFUSALS)
async def void(
    body: SaleVoid, principal: PrincipalDep, runtime: RuntimeDep, http: Request
) -> JSONResponse:
    """Take back the counter sale whose receipt reference is ``sale_op_id``, as if it never
    happened: its units come back on sale, and that day's sales and demand lose them (the
    reversing movements are dated when the sale happened). The terminal that made the sale
    voids it the same store day; any other void needs a manager."""
    return await answer_operation(runtime, http, "void_sale", principal, body)
