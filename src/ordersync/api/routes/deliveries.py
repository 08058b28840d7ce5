"""Inbound deliveries (announce, call off, receive, read), the suppliers they come from, and a
drop-ship supplier's statement of its own stock."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import (
    CODE_PATTERN,
    DeliveryReceipt,
    DeliveryState,
    InboundDelivery,
    InboundDeliveryCancel,
    InboundDeliveryCreate,
    InboundDeliveryList,
    LocationCode,
    Problem,
    Supplier,
    SupplierIn,
    SupplierStock,
    SupplierStockResult,
)
from ordersync.services.delivery_views import list_deliveries, read_delivery
from ordersync.services.document_reads import MAX_LISTED
from ordersync.services.suppliers import list_suppliers, put_supplier

router = APIRouter(tags=["deliveries"])

SupplierCodePath = Annotated[
    str, Path(min_length=1, max_length=32, pattern=CODE_PATTERN, description="a supplier code")
]
DELIVERY_REFUSALS: dict[int | str, dict[str, object]] = {
    **REFUSALS,
    404: {"model": Problem, "description": "No such delivery"},
    422: {"model": Problem, "description": "Unknown supplier, location or SKU; bad request"},
}


@router.put("/suppliers/{code}", response_model=Supplier)
async def supplier_put(
    code: SupplierCodePath, body: SupplierIn, principal: PrincipalDep, runtime: RuntimeDep
) -> Supplier:
    """Create or rename a supplier (the ERP or an admin); the same request twice changes
    nothing more."""
    return await runtime.writer.run(lambda tx: put_supplier(tx, principal, code, body))


@router.get("/suppliers", response_model=list[Supplier])
def suppliers(principal: PrincipalDep, connection: ReadDep) -> list[Supplier]:
    return list_suppliers(connection, principal)


@router.put(
    "/suppliers/{code}/stock", response_model=SupplierStockResult, responses=DELIVERY_REFUSALS
)
async def supplier_stock(
    code: SupplierCodePath,
    body: SupplierStock,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    """A drop-ship supplier states its stock (its own ``supplier`` token, or an admin): each
    SKU named goes to its count by a reconciliation movement; with ``complete``, every other
    SKU it holds goes to zero. ``code`` is a location of kind ``supplier``."""
    return await answer_operation(runtime, request, "supplier_stock", principal, body, code=code)


@router.get("/deliveries", response_model=InboundDeliveryList)
def deliveries(
    principal: PrincipalDep,
    connection: ReadDep,
    location: Annotated[LocationCode | None, Query()] = None,
    state: Annotated[list[DeliveryState] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
) -> InboundDeliveryList:
    """Deliveries to a location (a store device: its own), soonest expected first."""
    found = list_deliveries(connection, principal, location, state, limit)
    return InboundDeliveryList(deliveries=found)


@router.get(
    "/deliveries/{delivery_id}", response_model=InboundDelivery, responses=DELIVERY_REFUSALS
)
def delivery(
    delivery_id: uuid.UUID, principal: PrincipalDep, connection: ReadDep
) -> InboundDelivery:
    """One delivery with its lines and, once received, its discrepancies."""
    return read_delivery(connection, principal, str(delivery_id))


@router.post(
    "/deliveries", status_code=201, response_model=InboundDelivery, responses=DELIVERY_REFUSALS
)
async def announce(
    body: InboundDeliveryCreate, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Announce a purchase order or shipping notice: its units are on order at the destination.
    The ERP and admins announce any; a warehouse's manager, what the warehouse sends. A second
    announcement of the same source and reference is a 409 naming the first."""
    return await answer_operation(runtime, request, "announce_delivery", principal, body)


@router.post(
    "/deliveries/receipts",
    status_code=200,
    response_model=InboundDelivery,
    responses=DELIVERY_REFUSALS,
)
async def receive(
    body: DeliveryReceipt, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Close a receipt with what was counted (or receive a delivery nobody announced): receipt
    movements for the units, discrepancies for the differences. A delivery is received once."""
    return await answer_operation(runtime, request, "receive_delivery", principal, body)


@router.post(
    "/deliveries/{delivery_id}/cancel",
    response_model=InboundDelivery,
    responses=DELIVERY_REFUSALS,
)
async def cancel(
    delivery_id: uuid.UUID,
    body: InboundDeliveryCancel,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    """Call off an expected delivery: its units are no longer on order."""
    return await answer_operation(
        runtime, request, "cancel_delivery", principal, body, delivery_id=delivery_id
    )
