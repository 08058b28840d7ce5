"""The row-locking reservation sequence many e-commerce systems use, on PostgreSQL: in one
transaction per request, lock the stock rows in primary-key order (SELECT ... FOR UPDATE), sum
the allocations already pending on them, check, update, insert. One pooled connection per
request in flight, as an ORM-backed shop runs it.

    BENCH_DATABASE_URL=postgresql+psycopg://... uvicorn bench.baselines.rowlock_reserve:app
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bench.baselines._common import libpq

POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", "16"))


class Line(BaseModel):
    sku: str
    location: str
    qty: int


class ReservationIn(BaseModel):
    op_id: uuid.UUID
    lines: list[Line]
    ttl_seconds: int | None = None


pool: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    for _ in range(POOL_SIZE):
        pool.put_nowait(await psycopg.AsyncConnection.connect(libpq()))
    yield
    while not pool.empty():
        await pool.get_nowait().close()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


class Refused(Exception):
    pass


async def _reserve(connection: psycopg.AsyncConnection[Any], body: ReservationIn) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    expires = now + timedelta(seconds=body.ttl_seconds or 900)
    lines = sorted(body.lines, key=lambda line: (line.sku, line.location))
    async with connection.transaction():
        keys = [value for line in lines for value in (line.sku, line.location)]
        marks = ", ".join("(%s, %s)" for _ in lines)
        cursor = await connection.execute(
            "SELECT sku, location, on_hand, safety_stock FROM positions "
            f"WHERE (sku, location) IN ({marks}) ORDER BY sku, location FOR UPDATE",
            keys,
        )
        stock = {(row[0], row[1]): (row[2], row[3]) for row in await cursor.fetchall()}
        for line in lines:
            if (line.sku, line.location) not in stock:
                raise Refused
            on_hand, safety = stock[(line.sku, line.location)]
            cursor = await connection.execute(
                "SELECT COALESCE(SUM(l.qty), 0) FROM reservation_lines l "
                "JOIN reservations r ON r.id = l.reservation_id "
                "WHERE l.sku = %s AND l.location = %s AND r.state = 'pending'",
                (line.sku, line.location),
            )
            row = await cursor.fetchone()
            allocated = int(row[0]) if row else 0
            if on_hand - allocated - safety < line.qty:
                raise Refused
        for line in lines:
            await connection.execute(
                "UPDATE positions SET reserved = reserved + %s WHERE sku = %s AND location = %s",
                (line.qty, line.sku, line.location),
            )
        await connection.execute(
            "INSERT INTO reservations (id, owner_location, state, order_ref, actor, created_at, "
            "expires_at) VALUES (%s, %s, 'pending', NULL, 0, %s, %s)",
            (str(body.op_id), lines[0].location, now, expires),
        )
        for number, line in enumerate(lines):
            await connection.execute(
                "INSERT INTO reservation_lines (reservation_id, line_no, sku, location, qty, "
                "committed_qty) VALUES (%s, %s, %s, %s, %s, 0)",
                (str(body.op_id), number, line.sku, line.location, line.qty),
            )


@app.post("/v1/reservations")
async def reserve(body: ReservationIn) -> JSONResponse:
    connection = await pool.get()
    try:
        for attempt in range(5):
            try:
                await _reserve(connection, body)
                break
            except psycopg.errors.DeadlockDetected:
                if attempt == 4:
                    raise
    except Refused:
        return JSONResponse({"type": "insufficient-stock"}, status_code=409)
    finally:
        pool.put_nowait(connection)
    return JSONResponse({"id": str(body.op_id), "state": "pending"}, status_code=201)
