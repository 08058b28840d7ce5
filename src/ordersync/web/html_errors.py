"""Errors on head-office pages answer as readable HTML pages, never as a traceback.

``HqRoute`` wraps each page's handler: no session sends the browser to the sign-in page (303);
a refusal of the ledger (403, 404...) or a malformed address becomes an error page with the same
status; an unknown store is a 404 page; a database that does not answer is a 503 page. Anything
else is logged and shown as a plain error page. A signed-in person's error page carries the
navigation and sign-out of every other page, so a refusal is not a dead end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from ordersync.domain.errors import LedgerError, UnknownLocation
from ordersync.web import wording
from ordersync.web.rendering import error_page
from ordersync.web.sessions import COOKIE_PATH, SESSION_COOKIE
from ordersync.web.viewer import PageNotFound, SignInRequired, Viewer, current_viewer, get_hq

log = logging.getLogger(__name__)

SIGN_IN_PATH = "/hq/sign-in"


class CsrfRefused(Exception):
    """A POST without the form's CSRF token, or with a wrong one."""


def to_sign_in() -> RedirectResponse:
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


def viewer_of(request: Request) -> Viewer | None:
    """Who is signed in, for an error page's navigation: None when nobody (or the database is
    what failed)."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        return None
    try:
        with runtime.read_engine.connect() as connection, connection.begin():
            return current_viewer(request, runtime, get_hq(request, runtime), connection)
    except (SignInRequired, OperationalError):
        return None


def page_for(error: Exception, viewer: Viewer | None = None) -> Response:
    """The response a head-office page gives for ``error``, seen by ``viewer`` if signed in."""
    if isinstance(error, SignInRequired):
        return to_sign_in()
    if isinstance(error, CsrfRefused):
        return error_page(403, wording.CSRF_REFUSED)
    if isinstance(error, PageNotFound | UnknownLocation):
        return error_page(404, error.detail, signed_in=True, viewer=viewer)
    if isinstance(error, LedgerError):
        return error_page(error.status, error.detail, signed_in=True, viewer=viewer)
    if isinstance(error, RequestValidationError):
        return error_page(404, wording.UNKNOWN_PAGE, signed_in=True, viewer=viewer)
    if isinstance(error, HTTPException):
        return error_page(error.status_code, str(error.detail), signed_in=True, viewer=viewer)
    if isinstance(error, OperationalError):
        log.warning("head-office page: database unavailable: %s", error)
        return error_page(503, wording.DATABASE_DOWN, signed_in=True)
    log.exception("head-office page failed", exc_info=error)
    return error_page(500, wording.UNEXPECTED, signed_in=True, viewer=viewer)


def _shows_navigation(error: Exception) -> bool:
    return not isinstance(error, SignInRequired | CsrfRefused | OperationalError)


class HqRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:
                viewer = None
                if _shows_navigation(error):
                    viewer = await run_in_threadpool(viewer_of, request)
                return page_for(error, viewer)

        return answer
