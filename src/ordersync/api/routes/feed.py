"""The change feed a store pulls to keep its cache: its own positions and the network totals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.contract import MAX_SEQ, ChangePage, LocationCode
from ordersync.services.feed import read_changes

router = APIRouter(tags=["feed"])


@router.get("/changes", response_model=ChangePage)
def changes(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    since: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1_000,
    location: Annotated[LocationCode | None, Query()] = None,
) -> Response:
    """Changes after feed position ``since`` for the caller's location, in commit order.

    Start at 0 to bootstrap (the feed is compacted: one row per item, location, position and
    network total, each at its latest state). Keep ``next_since`` and ask again.
    """
    most = runtime.settings.feed_page_limit
    page = read_changes(connection, principal, location, since, limit, most)
    return Response(page.to_json(), media_type="application/json")
