"""Movements, counts, positions and network availability."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.outcomes import outcome_response
from ordersync.api.params import LocationPath, ReferencePath, SkuPath
from ordersync.contract import (
    CountIn,
    CountResult,
    MovementBatch,
    MovementBatchResult,
    Position,
    Problem,
    ReferenceAvailability,
    SafetyStockSet,
    SkuAvailability,
)
from ordersync.db.ledger_tx import POSITIONS
from ordersync.domain.errors import NotFound
from ordersync.domain.permissions import Action
from ordersync.domain.stock import Stock
from ordersync.services.availability import reference_availability, sku_availability
from ordersync.services.operations import count_work, movements_work, safety_stock_work

router = APIRouter(tags=["stock"])

REFUSALS: dict[int | str, dict[str, object]] = {
    403: {"model": Problem, "description": "Not allowed for this device"},
    409: {"model": Problem, "description": "Refused by the ledger's rules"},
    422: {"model": Problem, "description": "Invalid request, unknown SKU or location, reused id"},
}


@router.post("/movements", status_code=201, response_model=MovementBatchResult, responses=REFUSALS)
async def post_movements(
    body: MovementBatch, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Receipts, counter sales, returns, adjustments and transfers, all or nothing.

    A counter sale is never refused: a sale below zero is recorded and the position flagged suspect.
    """
    outcome = await runtime.writer.run(movements_work(principal, body))
    return outcome_response(outcome, request.url.path)


@router.post("/counts", status_code=201, response_model=CountResult, responses=REFUSALS)
async def post_count(
    body: CountIn, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Counted N units as of feed position V: posts the difference from its record at V."""
    outcome = await runtime.writer.run(count_work(principal, body))
    return outcome_response(outcome, request.url.path)


@router.put("/positions/{location}/{sku}/safety-stock", response_model=Position, responses=REFUSALS)
async def put_safety_stock(
    location: LocationPath,
    sku: SkuPath,
    body: SafetyStockSet,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    outcome = await runtime.writer.run(safety_stock_work(principal, sku, location, body))
    return outcome_response(outcome, request.url.path)


@router.get("/positions/{location}/{sku}", response_model=Position)
def get_position(
    location: LocationPath, sku: SkuPath, principal: PrincipalDep, connection: ReadDep
) -> Position:
    principal.require(Action.READ_STOCK)
    row = connection.execute(
        POSITIONS.select().where(POSITIONS.c.sku == sku, POSITIONS.c.location == location)
    ).first()
    if row is None:
        raise NotFound(f"no stock record of {sku} at {location}", sku=sku, location=location)
    stock = Stock(row.on_hand, row.reserved, row.safety_stock)
    return Position(**{**row._asdict(), "available": stock.available, "suspect": bool(row.suspect)})


@router.get("/availability/skus/{sku}", response_model=SkuAvailability)
def get_sku_availability(
    sku: SkuPath, principal: PrincipalDep, connection: ReadDep
) -> SkuAvailability:
    """On hand, reserved and available of one SKU at every location, and the network total."""
    principal.require(Action.READ_STOCK)
    return sku_availability(connection, sku)


@router.get("/availability/references/{reference}", response_model=ReferenceAvailability)
def get_reference_availability(
    reference: ReferencePath, principal: PrincipalDep, connection: ReadDep
) -> ReferenceAvailability:
    """Every size and colour of a reference, per location and in total."""
    principal.require(Action.READ_STOCK)
    return reference_availability(connection, reference)
