"""RFC 9457 problem+json for every error: refusals, bad input, unknown routes, and our own bugs."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX
from ordersync.domain.errors import LedgerError

log = logging.getLogger(__name__)

_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Missing or invalid token"),
    403: ("forbidden", "Not allowed for this device"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        body, status_code=int(body["status"]), media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _clean_validation_errors(errors: Any) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors:
        cleaned.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
        )
    return cleaned


async def _ledger_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, LedgerError)
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return problem_response({**error.problem(), "instance": request.url.path}, headers)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = _clean_validation_errors(error.errors())
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(part for part in first["loc"] if part not in ("body", "query", "path"))
    return problem_response(
        {
            "type": PROBLEM_TYPE_PREFIX + "validation",
            "title": "Request is not valid",
            "status": 422,
            "detail": f"{where}: {first['msg']}" if where else first["msg"],
            "instance": request.url.path,
            "errors": errors,
        }
    )


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    slug, title = _HTTP_SLUGS.get(error.status_code, ("http-error", "Request failed"))
    return problem_response(
        {
            "type": PROBLEM_TYPE_PREFIX + slug,
            "title": title,
            "status": error.status_code,
            "detail": str(error.detail),
            "instance": request.url.path,
        },
        dict(error.headers) if error.headers else None,
    )


def _is_data_error(error: BaseException) -> bool:
    cause = getattr(error, "orig", None) or error
    return any(klass.__name__ == "DataError" for klass in type(cause).__mro__)


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    if _is_data_error(error):
        # A value the contract let through but the database cannot hold (a safety net).
        return problem_response(
            {
                "type": PROBLEM_TYPE_PREFIX + "invalid-request",
                "title": "Invalid request",
                "status": 422,
                "detail": "a value in the request cannot be stored by the ledger",
                "instance": request.url.path,
            }
        )
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem_response(
        {
            "type": PROBLEM_TYPE_PREFIX + "internal",
            "title": "Internal error",
            "status": 500,
            "detail": "the ledger could not complete the request; it was logged",
            "instance": request.url.path,
        }
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
