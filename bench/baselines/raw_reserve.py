"""Baseline of the reservation measure: a minimal async FastAPI app that does one guarded UPDATE
and one INSERT per request on one raw connection per process, and commits each request on its
own, with the ledger's durability (SQLite WAL + synchronous=FULL; PostgreSQL's default
synchronous_commit=on). No idempotency, audit, totals, feed or group commit: the floor.

    BENCH_DATABASE_URL=sqlite:///... uvicorn bench.baselines.raw_reserve:app
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bench.baselines._common import is_postgres, libpq, sqlite_connection

GUARDED_UPDATE = (
    "UPDATE positions SET reserved = reserved + {p} WHERE sku = {p} AND location = {p} "
    "AND on_hand - reserved - safety_stock >= {p}"
)
INSERT = (
    "INSERT INTO reservations (id, owner_location, state, order_ref, actor, created_at, "
    "expires_at) VALUES ({p}, {p}, 'pending', NULL, 0, {p}, {p})"
)


class Line(BaseModel):
    sku: str
    location: str
    qty: int


class ReservationIn(BaseModel):
    op_id: uuid.UUID
    lines: list[Line]
    ttl_seconds: int | None = None


state: dict[str, Any] = {}


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    if is_postgres():
        state["pg"] = await psycopg.AsyncConnection.connect(libpq())
        state["lock"] = asyncio.Lock()
    else:
        state["sqlite"] = sqlite_connection()
    yield
    if "pg" in state:
        await state["pg"].close()
    else:
        state["sqlite"].close()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def _refused() -> JSONResponse:
    return JSONResponse({"type": "insufficient-stock"}, status_code=409)


@app.post("/v1/reservations")
async def reserve(body: ReservationIn) -> JSONResponse:
    now = datetime.now(UTC).replace(tzinfo=None)
    expires = now + timedelta(seconds=body.ttl_seconds or 900)
    line = body.lines[0]
    if "pg" in state:
        connection: psycopg.AsyncConnection[Any] = state["pg"]
        async with state["lock"]:
            try:
                async with connection.transaction():
                    cursor = await connection.execute(
                        GUARDED_UPDATE.format(p="%s"),
                        (line.qty, line.sku, line.location, line.qty),
                    )
                    if cursor.rowcount != 1:
                        raise LookupError
                    await connection.execute(
                        INSERT.format(p="%s"), (str(body.op_id), line.location, now, expires)
                    )
            except LookupError:
                return _refused()
    else:
        sqlite = state["sqlite"]
        sqlite.execute("BEGIN IMMEDIATE")
        try:
            cursor = sqlite.execute(
                GUARDED_UPDATE.format(p="?"), (line.qty, line.sku, line.location, line.qty)
            )
            if cursor.rowcount != 1:
                sqlite.execute("ROLLBACK")
                return _refused()
            sqlite.execute(
                INSERT.format(p="?"),
                (str(body.op_id), line.location, now.isoformat(" "), expires.isoformat(" ")),
            )
            sqlite.execute("COMMIT")
        except BaseException:
            if sqlite.in_transaction:
                sqlite.execute("ROLLBACK")
            raise
    return JSONResponse({"id": str(body.op_id), "state": "pending"}, status_code=201)
