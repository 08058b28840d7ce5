"""The routes the ledger app serves, and how a request to one of them is written.

``api_routes`` reads the routes from the app itself (and its OpenAPI document), so a matrix built
over them cannot miss one; ``Sample`` is one valid request to a route, with its path parameters
filled in by ``fill``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from ordersync.contract import API_PREFIX

PUBLIC_ROUTES = {("GET", f"{API_PREFIX}/health")}
"""Routes that answer without a device token; every other route must demand one."""


def _walk(routes: Iterable[Any], found: set[tuple[str, str]]) -> None:
    for route in routes:
        if isinstance(route, APIRoute):
            found.update((method, route.path) for method in route.methods)
        elif hasattr(route, "effective_candidates"):  # routers included by newer FastAPI
            for candidate in route.effective_candidates():
                original = getattr(candidate, "original_route", None)
                if isinstance(original, APIRoute):
                    found.update((method, candidate.path) for method in original.methods)
                else:
                    _walk([candidate], found)


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app serves under the API prefix."""
    found: set[tuple[str, str]] = set()
    _walk(app.routes, found)
    for path, operations in app.openapi().get("paths", {}).items():
        found.update((method.upper(), path) for method in operations if method != "parameters")
    return {(method, path) for method, path in found if path.startswith(API_PREFIX + "/")}


def openapi_parameters(app: FastAPI, method: str, path: str) -> list[dict[str, Any]]:
    operation = app.openapi()["paths"][path][method.lower()]
    parameters: list[dict[str, Any]] = operation.get("parameters", [])
    return parameters


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"


@dataclass
class Sample:
    """A valid request to one route, as the admin of store A would send it."""

    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    model: type[BaseModel] | None = None
    fresh_path: Callable[[], dict[str, str]] | None = None
    """Path parameters naming a new target for each case (a new pending reservation, say)."""


def fill(template: str, params: dict[str, str]) -> str:
    path = template
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def dumps(body: Any) -> bytes:
    """JSON as a client would send it (NaN and Infinity are written as the literals)."""
    return json.dumps(body, separators=(",", ":")).encode()
