"""Turning a stored or fresh operation outcome into an HTTP reply."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from ordersync.api.redaction import redact_tokens
from ordersync.contract import PROBLEM_MEDIA_TYPE
from ordersync.services.idempotency import Outcome


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
