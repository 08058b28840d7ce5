"""Ledger operations over HTTP: the writer applies one, and its outcome becomes the reply."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ordersync.api.redaction import redact_tokens
from ordersync.contract import PROBLEM_MEDIA_TYPE
from ordersync.domain.permissions import Principal
from ordersync.runtime import LedgerRuntime
from ordersync.services.idempotency import Outcome
from ordersync.services.operations import OperationContext, PathKey, operation_work


def operation_context(runtime: LedgerRuntime) -> OperationContext:
    return OperationContext(runtime.settings.reservation_ttl_seconds, runtime.policy)


def outcome_response(outcome: Outcome, path: str) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    if outcome.status >= 400:
        return JSONResponse(
            redact_tokens({**outcome.body, "instance": path}),
            status_code=outcome.status,
            media_type=PROBLEM_MEDIA_TYPE,
            headers=headers,
        )
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)


async def answer_operation(
    runtime: LedgerRuntime,
    request: Request,
    op_type: str,
    principal: Principal,
    command: BaseModel,
    **keys: PathKey,
) -> JSONResponse:
    """Apply the operation ``op_type`` of ``OPERATIONS`` and answer with its outcome."""
    work = operation_work(op_type, principal, command, operation_context(runtime), **keys)
    return outcome_response(await runtime.writer.run(work), request.url.path)
