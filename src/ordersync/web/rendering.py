"""Turning templates into responses: the Jinja environment, the headers every page carries, and
the readable error page.

Autoescaping is on for every template. Pages load nothing from elsewhere: the content security
policy allows this server's own styles, scripts and images only, and no framing.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ordersync.web import wording
from ordersync.web.charts import HEIGHT_PX, WIDTH_PX

if TYPE_CHECKING:
    from ordersync.web.viewer import Viewer

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ordersync.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["wording"] = wording
    env.globals["chart_size"] = (WIDTH_PX, HEIGHT_PX)
    return env


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def render_fragment(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def error_page(
    status_code: int, detail: str, signed_in: bool = False, viewer: Viewer | None = None
) -> HTMLResponse:
    """The readable error page; with ``viewer``, it has the navigation and the sign-out of every
    signed-in page (``signed_in`` alone only points its link back to the network page)."""
    title = wording.ERROR_TITLES.get(status_code, wording.ERROR_FALLBACK_TITLE)
    return render(
        "error.html",
        status_code=status_code,
        title=title,
        detail=detail,
        status=status_code,
        signed_in=signed_in or viewer is not None,
        viewer=viewer,
    )
