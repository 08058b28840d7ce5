"""A location's replenishment suggestions turned into documents: one transfer request from a
warehouse, or a purchase order draft as CSV. The rules live in
``services.replenishment_documents``; these routes read their parameters and answer."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
from ordersync.api.params import LocationPath
from ordersync.api.routes.stock import REFUSALS
from ordersync.contract import ReplenishmentTransfer, Transfer
from ordersync.services.replenishment_documents import purchase_order

router = APIRouter(prefix="/locations/{code}/replenishment", tags=["replenishment"])

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


@router.post("/transfer", status_code=201, response_model=Transfer, responses=REFUSALS)
async def post_replenishment_transfer(
    code: LocationPath,
    body: ReplenishmentTransfer,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    """Request the location's suggested lines (or those of ``skus``) by one transfer from
    ``from_location``, by default the nearest warehouse (manager of the location, or admin).

    The transfer's id is ``op_id``; sending it again answers with the same transfer. Nothing
    suggested is a 409 ``invalid-state``.
    """
    return await answer_operation(
        runtime, request, "replenishment_transfer", principal, body, location=code
    )


@router.get(
    "/purchase-order.csv",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The purchase order draft, a header row then one row per SKU",
        },
        **REFUSALS,
    },
)
def get_purchase_order(
    code: LocationPath, principal: PrincipalDep, connection: ReadDep, runtime: RuntimeDep
) -> Response:
    """The location's suggested lines as a purchase order draft for the buyer's ERP (manager of
    the location, or admin): UTF-8 CSV with the columns destination, sku, gtin, name, colour,
    size, qty, unit_price_minor (the catalog price) and currency."""
    draft = purchase_order(connection, principal, runtime.clock.now(), code)
    return Response(
        draft.text.encode("utf-8"),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{draft.filename}"'},
    )
