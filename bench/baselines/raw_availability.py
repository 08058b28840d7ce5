"""Baseline of the availability measure: the same reads, raw, over a covering index of positions
(created by the harness for this run only), on one raw connection per process, the rows turned
straight into JSON. Same reply content as the ledger's: each position, the network total.

    BENCH_DATABASE_URL=... uvicorn bench.baselines.raw_availability:app
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from fastapi import FastAPI, Response

from bench.baselines._common import fetch_all, is_postgres, libpq, sqlite_connection

COLUMNS = ("sku", "location", "on_hand", "reserved", "safety_stock", "suspect", "seq", "updated_at")
state: dict[str, Any] = {}


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    if is_postgres():
        state["db"] = psycopg.connect(libpq(), autocommit=True)
        state["p"] = "%s"
    else:
        state["db"] = sqlite_connection()
        state["p"] = "?"
    yield
    state["db"].close()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def _query(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return fetch_all(state["db"].execute(sql.replace("?", state["p"]), params))


def _availability(skus: list[str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    marks = ", ".join("?" for _ in skus)
    rows = _query(
        f"SELECT {', '.join(COLUMNS)} FROM positions WHERE sku IN ({marks}) ORDER BY sku, location",
        tuple(skus),
    )
    totals = _query(
        f"SELECT sku, on_hand, reserved, available FROM sku_totals WHERE sku IN ({marks})",
        tuple(skus),
    )
    by_sku: dict[str, dict[str, Any]] = {
        sku: {"sku": sku, "total": None, "locations": []} for sku in skus
    }
    for sku, location, on_hand, reserved, safety, suspect, seq, updated in rows:
        by_sku[sku]["locations"].append(
            {
                "sku": sku,
                "location": location,
                "on_hand": on_hand,
                "reserved": reserved,
                "safety_stock": safety,
                "available": on_hand - reserved - safety,
                "suspect": bool(suspect),
                "seq": seq,
                "updated_at": str(updated),
            }
        )
    grand = {"on_hand": 0, "reserved": 0, "available": 0}
    for sku, on_hand, reserved, available in totals:
        by_sku[sku]["total"] = {
            "sku": sku,
            "on_hand": on_hand,
            "reserved": reserved,
            "available": available,
        }
        grand["on_hand"] += on_hand
        grand["reserved"] += reserved
        grand["available"] += available
    return list(by_sku.values()), grand


@app.get("/skus/{sku}")
async def sku(sku: str) -> Response:
    skus, _ = _availability([sku])
    return Response(json.dumps(skus[0], separators=(",", ":")), media_type="application/json")


@app.get("/references/{reference}")
async def reference(reference: str) -> Response:
    skus = [
        row[0]
        for row in _query("SELECT sku FROM items WHERE reference = ? ORDER BY sku", (reference,))
    ]
    per_sku, grand = _availability(skus)
    body = {"reference": reference, "total": {"sku": "*", **grand}, "skus": per_sku}
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")
