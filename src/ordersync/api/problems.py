"""RFC 9457 problem+json for every error: refusals, bad input, unknown routes, and our own bugs.

It also documents them: every error response in the OpenAPI document is ``application/problem+json``
with the ``Problem`` schema, and every route declares the refusals any route of its kind can give.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordersync.api.redaction import redact_tokens
from ordersync.contract import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX, Problem
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
        redact_tokens(body),
        status_code=int(body["status"]),
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
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
    return problem_response(
        {**error.problem(), "instance": request.url.path}, error.headers() or None
    )


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


_SCHEMA_REFS = "#/components/schemas/"
_GUARDED_REFUSALS = (401, 403)
"""Any route that wants a device token may find it missing or unknown, or the device not allowed."""


def _is_error_status(code: str) -> bool:
    return code.upper() in ("4XX", "5XX") or (code.isdigit() and int(code) >= 400)


def _problem_schema(content: dict[str, Any]) -> dict[str, Any]:
    """The schema a declared error response keeps: its own Problem-based model, else Problem."""
    for media in content.values():
        schema = media.get("schema", {}) if isinstance(media, dict) else {}
        ref = schema.get("$ref", "")
        if ref.startswith(_SCHEMA_REFS) and "ValidationError" not in ref:
            return dict(schema)
    return {"$ref": _SCHEMA_REFS + Problem.__name__}


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI ``document`` tell the truth about errors, in place.

    FastAPI documents its own validation error shape as ``application/json``; the ledger answers
    every error with a problem document. Each route with a device token also declares 401 and 403,
    each route with a path parameter 404 (the thing it names may not exist), and each route with a
    body 400 (a body that cannot even be read).
    """
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            wanted: list[int] = []
            if operation.get("security"):
                wanted.extend(_GUARDED_REFUSALS)
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                wanted.append(404)
            if "requestBody" in operation:
                wanted.append(400)
            for status in wanted:
                _, title = _HTTP_SLUGS[status]
                responses.setdefault(str(status), {"description": title})
            for code, response in responses.items():
                if _is_error_status(code):
                    schema = _problem_schema(response.get("content", {}))
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": schema}}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        Problem.__name__, Problem.model_json_schema(ref_template=_SCHEMA_REFS + "{model}")
    )
    if f"'{_SCHEMA_REFS}HTTPValidationError'" not in str(document.get("paths")):
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
    return document


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
