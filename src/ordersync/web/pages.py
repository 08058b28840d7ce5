"""The head-office pages, their CSV downloads and chart images, their stylesheet and script.

Each page is one builder (``glance``, ``stock_view``, ``touchpoint_view``) that returns a
``PageData`` for the viewer; its HTML, each ``.../csv/<table>.csv`` and each
``.../charts/<chart>.svg`` are made from that same data, so a download holds what the page showed.
The report pages (stock, touchpoints) are kept while the ledger does not change (``page_cache``),
so the chart and CSV requests that follow a page cost no second reading of every store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from ordersync.api.deps import ReadDep, RuntimeDep
from ordersync.contract import CODE_PATTERN
from ordersync.services.catalog import all_locations
from ordersync.services.feed import feed_head
from ordersync.web import glance, stock_view, touchpoint_view, wording
from ordersync.web.charts import SVG_MEDIA_TYPE
from ordersync.web.html_errors import HqRoute
from ordersync.web.page_cache import page_key
from ordersync.web.page_data import PageData
from ordersync.web.rendering import SECURITY_HEADERS, error_page, render, render_fragment
from ordersync.web.viewer import HqContext, HqDep, PageNotFound, Viewer, ViewerDep

router = APIRouter(prefix="/hq", route_class=HqRoute, include_in_schema=False)

REFRESH_SECONDS = 30
STATIC_FILES = {"hq.css": "text/css", "hq.js": "text/javascript"}

StoreCode = Annotated[str, Path(min_length=1, max_length=32, pattern=CODE_PATTERN)]
TableId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$")]
Builder = Callable[[Connection, Viewer, datetime], PageData]


def _html(template: str, page: PageData, viewer: Viewer, base: str, **context: Any) -> HTMLResponse:
    return render(
        template,
        title=page.title,
        page=page,
        viewer=viewer,
        base=base,
        signed_in=True,
        **context,
    )


def _csv(page: PageData, table_id: str, file_stem: str) -> Response:
    table = page.tables.get(table_id)
    if table is None:
        raise PageNotFound(wording.UNKNOWN_TABLE.format(table=table_id))
    return Response(
        table.csv_text(),
        media_type="text/csv; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{file_stem}-{table_id}.csv"',
        },
    )


def _chart(page: PageData, chart_id: str, hq: HqDep) -> Response:
    spec = page.charts.get(chart_id)
    if spec is None:
        raise PageNotFound(wording.UNKNOWN_CHART.format(chart=chart_id))
    return Response(
        hq.charts.svg(spec),
        media_type=SVG_MEDIA_TYPE,
        headers={
            **SECURITY_HEADERS,
            # matplotlib styles every shape inline; nothing else may run or load in the image
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "Cache-Control": "private, max-age=60",
        },
    )


# the network at a glance


@router.get("/")
def network(viewer: ViewerDep, connection: ReadDep, runtime: RuntimeDep) -> HTMLResponse:
    now = runtime.clock.now()
    page = glance.network_page(connection, viewer, now)
    return _html("network.html", page, viewer, "/hq", now=now, refresh_seconds=REFRESH_SECONDS)


@router.get("/network/table")
def network_fragment(viewer: ViewerDep, connection: ReadDep, runtime: RuntimeDep) -> HTMLResponse:
    """The network table and its time, for the page's periodic refresh."""
    now = runtime.clock.now()
    page = glance.network_page(connection, viewer, now)
    html = render_fragment("network_block.html", page=page, base="/hq", now=now)
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.get("/csv/{table_id}.csv")
def network_csv(
    table_id: TableId, viewer: ViewerDep, connection: ReadDep, runtime: RuntimeDep
) -> Response:
    return _csv(glance.network_page(connection, viewer, runtime.clock.now()), table_id, "network")


# a store's page


def _store(connection: Connection, viewer: Viewer, now: datetime, code: str) -> PageData:
    place = viewer.require_store(code, all_locations(connection))
    return glance.store_page(connection, viewer, now, place)


@router.get("/stores/{code}")
def store(
    code: StoreCode, viewer: ViewerDep, connection: ReadDep, runtime: RuntimeDep
) -> HTMLResponse:
    page = _store(connection, viewer, runtime.clock.now(), code)
    return _html("store.html", page, viewer, f"/hq/stores/{code}", code=code)


@router.get("/stores/{code}/csv/{table_id}.csv")
def store_csv(
    code: StoreCode,
    table_id: TableId,
    viewer: ViewerDep,
    connection: ReadDep,
    runtime: RuntimeDep,
) -> Response:
    page = _store(connection, viewer, runtime.clock.now(), code)
    return _csv(page, table_id, f"store-{code}")


# the report pages: stock, touchpoints

REPORT_PAGES: dict[str, Builder] = {
    "stock": stock_view.stock_page,
    "touchpoints": touchpoint_view.touchpoints_page,
}


def _report_page(
    name: str, connection: Connection, viewer: Viewer, now: datetime, hq: HqContext
) -> PageData:
    key = page_key(name, viewer.scope, feed_head(connection), now)
    return hq.pages.get(key, lambda: REPORT_PAGES[name](connection, viewer, now))


@router.get("/stock")
def stock(viewer: ViewerDep, connection: ReadDep, runtime: RuntimeDep, hq: HqDep) -> HTMLResponse:
    page = _report_page("stock", connection, viewer, runtime.clock.now(), hq)
    return _html("report.html", page, viewer, "/hq/stock")


@router.get("/touchpoints")
def touchpoints(
    viewer: ViewerDep, connection: ReadDep, runtime: RuntimeDep, hq: HqDep
) -> HTMLResponse:
    page = _report_page("touchpoints", connection, viewer, runtime.clock.now(), hq)
    return _html("report.html", page, viewer, "/hq/touchpoints")


@router.get("/{name}/csv/{table_id}.csv")
def report_csv(
    name: TableId,
    table_id: TableId,
    viewer: ViewerDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    hq: HqDep,
) -> Response:
    if name not in REPORT_PAGES:
        raise PageNotFound(wording.UNKNOWN_PAGE)
    return _csv(_report_page(name, connection, viewer, runtime.clock.now(), hq), table_id, name)


@router.get("/{name}/charts/{chart_id}.svg")
def report_chart(
    name: TableId,
    chart_id: TableId,
    viewer: ViewerDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    hq: HqDep,
) -> Response:
    if name not in REPORT_PAGES:
        raise PageNotFound(wording.UNKNOWN_PAGE)
    page = _report_page(name, connection, viewer, runtime.clock.now(), hq)
    return _chart(page, chart_id, hq)


# the page's own files, and any other address under /hq


@router.get("/static/{file_name}")
def static_file(file_name: str) -> Response:
    media_type = STATIC_FILES.get(file_name)
    if media_type is None:
        return error_page(404, wording.UNKNOWN_PAGE)
    content = resources.files("ordersync.web").joinpath("static", file_name).read_bytes()
    return Response(
        content,
        media_type=media_type,
        headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"},
    )


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_page() -> HTMLResponse:
    raise PageNotFound(wording.UNKNOWN_PAGE)  # its page shows the signed-in navigation
