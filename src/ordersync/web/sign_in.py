"""Signing in to the head-office pages with a manager or admin token, and signing out.

The sign-in form is CSRF-protected too (a forged sign-in would put a victim in an attacker's
session): its token derives from a random nonce kept in a short-lived signed cookie. A good
token starts a session (``hq_session``: HttpOnly, SameSite=Strict, path /hq, Secure over
HTTPS); the token itself is never stored in the browser. Sign-out needs the session's CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from ordersync.api.deps import ReadDep, RuntimeDep
from ordersync.services.tokens import find_principal
from ordersync.web import wording
from ordersync.web.html_errors import SIGN_IN_PATH, CsrfRefused, HqRoute, to_sign_in
from ordersync.web.rendering import render
from ordersync.web.sessions import (
    COOKIE_PATH,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    HqSession,
    SessionSigner,
)
from ordersync.web.viewer import HQ_ROLES, HqDep, record_use

router = APIRouter(prefix="/hq", route_class=HqRoute, include_in_schema=False)

MAX_FORM_BYTES = 8_192
SIGN_IN_FORM_SECONDS = 3600


async def posted_form(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form (the first value of each); anything else is empty."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=20)
    return {name: values[0] for name, values in fields.items() if values}


FormDep = Annotated[dict[str, str], Depends(posted_form)]


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _form(
    request: Request, signer: SessionSigner, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    nonce = signer.load_nonce(request.cookies.get(SIGN_IN_COOKIE)) or secrets.token_urlsafe(16)
    response = render(
        "sign_in.html",
        status_code=status_code,
        title=wording.TITLE_SIGN_IN,
        csrf_token=signer.csrf_token("sign-in:" + nonce),
        error=error,
        signed_in=False,
    )
    _cookie(response, request, SIGN_IN_COOKIE, signer.dump_nonce(nonce), SIGN_IN_FORM_SECONDS)
    return response


@router.get("/sign-in")
def sign_in_form(request: Request, hq: HqDep) -> HTMLResponse:
    return _form(request, hq.signer)


def _session_for(
    connection: Connection, runtime: RuntimeDep, hq: HqDep, token: str
) -> tuple[HqSession | None, str | None]:
    principal = find_principal(connection, token.strip()) if token.strip() else None
    if principal is None:
        return None, wording.BAD_TOKEN
    if principal.role not in HQ_ROLES:
        return None, wording.NOT_A_MANAGER
    record_use(runtime, principal)
    session = hq.signer.new_session(principal.token_id, runtime.clock.now(), hq.session_lifetime)
    return session, None


@router.post("/sign-in")
def sign_in(
    request: Request, form: FormDep, runtime: RuntimeDep, hq: HqDep, connection: ReadDep
) -> Response:
    nonce = hq.signer.load_nonce(request.cookies.get(SIGN_IN_COOKIE))
    if nonce is None or not hq.signer.csrf_matches("sign-in:" + nonce, form.get("csrf_token")):
        raise CsrfRefused
    session, error = _session_for(connection, runtime, hq, form.get("token", ""))
    if session is None:
        return _form(request, hq.signer, error, status_code=401)
    response = RedirectResponse("/hq/", status_code=303)
    lifetime = int((session.expires_at - session.signed_in_at).total_seconds())
    _cookie(response, request, SESSION_COOKIE, hq.signer.dump(session), lifetime)
    response.delete_cookie(SIGN_IN_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/sign-out")
def sign_out(request: Request, form: FormDep, runtime: RuntimeDep, hq: HqDep) -> Response:
    """Refused without a CSRF token, or with one that is not the session's; a session that has
    already ended (expired, revoked token) has nothing left to end."""
    sent = form.get("csrf_token")
    if not sent:
        raise CsrfRefused
    session = hq.signer.load(request.cookies.get(SESSION_COOKIE), runtime.clock.now())
    if session is not None and not hq.signer.csrf_matches(session.session_id, sent):
        raise CsrfRefused
    return to_sign_in()


__all__ = ["SIGN_IN_PATH", "router"]
