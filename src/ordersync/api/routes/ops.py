"""A store's bulk push of its outbox: each operation answered on its own, in order."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from ordersync.api.deps import PrincipalDep, RuntimeDep
from ordersync.api.outcomes import operation_context
from ordersync.api.redaction import redact_tokens
from ordersync.contract import OperationResult, OperationsPush, OperationsResult
from ordersync.domain.errors import LedgerError
from ordersync.services.operations import pushed_work

router = APIRouter(tags=["operations"])


@router.post("/ops", response_model=OperationsResult)
async def push_operations(
    body: OperationsPush, principal: PrincipalDep, runtime: RuntimeDep
) -> OperationsResult:
    """Apply a batch of independent operations. A refusal of one does not stop the others; each
    result carries the status and body its single endpoint would have returned."""
    context = operation_context(runtime)
    futures = [
        asyncio.wrap_future(runtime.writer.submit(pushed_work(principal, op, context)))
        for op in body.ops
    ]
    results: list[OperationResult] = []
    for op, future in zip(body.ops, futures, strict=True):
        try:
            outcome = await future
        except LedgerError as refusal:
            results.append(
                OperationResult(
                    op_id=op.op_id,
                    status=refusal.status,
                    replayed=False,
                    body=redact_tokens(refusal.problem()),
                )
            )
            continue
        results.append(
            OperationResult(
                op_id=op.op_id,
                status=outcome.status,
                replayed=outcome.replayed,
                body=redact_tokens(outcome.body) if outcome.status >= 400 else outcome.body,
            )
        )
    return OperationsResult(results=results)
