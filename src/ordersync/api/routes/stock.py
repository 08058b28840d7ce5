"""Movements, counts, positions and network availability."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.outcomes import answer_operation
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
from ordersync.runtime import LedgerRuntime
from ordersync.services.availability import (
    reference_availability_json,
    sku_availability_json,
)
from ordersync.services.positions import read_position

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
    """Receipts, counter sales, returns, adjustments and instant transfers, all or nothing.

    A counter sale is never refused: a sale below zero is recorded and the position flagged suspect.

    A `transfer` line moves units from one shelf to the other at once: it is an admin's
    correction of the record (403 with `required_role` admin for anyone else), refused when the
    source does not hold the units free. Goods that travel between locations go by a transfer
    document instead: `POST /v1/transfers`, then `/send` at the source and `/receive` at the
    destination, with the units in transit in between.
    """
    return await answer_operation(runtime, request, "movements", principal, body)


@router.post("/counts", status_code=201, response_model=CountResult, responses=REFUSALS)
async def post_count(
    body: CountIn, principal: PrincipalDep, runtime: RuntimeDep, request: Request
) -> JSONResponse:
    """Counted N units as of feed position V: posts the difference from its record at V."""
    return await answer_operation(runtime, request, "count", principal, body)


@router.put("/positions/{location}/{sku}/safety-stock", response_model=Position, responses=REFUSALS)
async def put_safety_stock(
    location: LocationPath,
    sku: SkuPath,
    body: SafetyStockSet,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    request: Request,
) -> JSONResponse:
    return await answer_operation(
        runtime, request, "safety_stock", principal, body, location=location, sku=sku
    )


@router.get("/positions/{location}/{sku}", response_model=Position)
def get_position(
    location: LocationPath, sku: SkuPath, principal: PrincipalDep, connection: ReadDep
) -> Position:
    return read_position(connection, principal, sku, location)


# Availability reads answer the JSON the service writes from the rows: no model per position,
# and FastAPI neither validates nor serialises the reply again (``response_model`` documents
# it). Each read is one trip to a small pool of threads of its own (connection, reads, JSON):
# with FastAPI's pool of 40 threads, 50 clients kept 40 reads sharing one GIL and opening and
# closing connections beyond the read engine's pool, for every request.
_READERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="availability")


def _read(runtime: LedgerRuntime, read: Callable[[Connection], bytes]) -> bytes:
    with runtime.read_engine.connect() as connection:
        if connection.default_isolation_level == "READ COMMITTED":  # PostgreSQL's default
            # At READ COMMITTED each statement sees its own snapshot, inside a transaction or
            # not: BEGIN and COMMIT would only add two round trips to the two reads.
            connection.execution_options(isolation_level="AUTOCOMMIT")
            return read(connection)
        with connection.begin():  # SQLite (SERIALIZABLE): one snapshot for both reads
            return read(connection)


async def _read_json(runtime: LedgerRuntime, read: Callable[[Connection], bytes]) -> Response:
    loop = asyncio.get_running_loop()
    body = await loop.run_in_executor(_READERS, _read, runtime, read)
    return Response(body, media_type="application/json")


@router.get("/availability/skus/{sku}", response_model=SkuAvailability)
async def get_sku_availability(
    sku: SkuPath, principal: PrincipalDep, runtime: RuntimeDep
) -> Response:
    """On hand, reserved and available of one SKU at every location, and the network total."""
    read = partial(sku_availability_json, principal=principal, sku=sku)
    return await _read_json(runtime, read)


@router.get("/availability/references/{reference}", response_model=ReferenceAvailability)
async def get_reference_availability(
    reference: ReferencePath, principal: PrincipalDep, runtime: RuntimeDep
) -> Response:
    """Every size and colour of a reference, per location and in total."""
    read = partial(reference_availability_json, principal=principal, reference=reference)
    return await _read_json(runtime, read)
