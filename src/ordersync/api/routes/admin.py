"""Device tokens (admin) and the manager's views: suspect positions and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.api.params import RowIdPath
from ordersync.contract import (
    AuditEntry,
    CountTask,
    LocationCode,
    Position,
    TokenCreate,
    TokenCreated,
)
from ordersync.db.ledger_tx import AUDIT, POSITIONS, LedgerTx
from ordersync.domain.permissions import Action
from ordersync.domain.stock import Stock
from ordersync.services.catalog import require_known_location
from ordersync.services.count_tasks import open_count_tasks
from ordersync.services.tokens import issue_token, revoke_token

router = APIRouter(tags=["administration"])


@router.post("/tokens", status_code=201, response_model=TokenCreated)
async def create_token(
    body: TokenCreate, principal: PrincipalDep, runtime: RuntimeDep
) -> TokenCreated:
    principal.require(Action.MANAGE_TOKENS)
    return await runtime.writer.run(
        lambda tx: issue_token(tx, body.location, body.role, body.device, principal)
    )


@router.delete("/tokens/{token_id}", status_code=204)
async def delete_token(
    token_id: RowIdPath, principal: PrincipalDep, runtime: RuntimeDep
) -> Response:
    principal.require(Action.MANAGE_TOKENS)
    await runtime.writer.run(lambda tx: revoke_token(tx, token_id, principal))
    return Response(status_code=204)


@router.get("/reports/suspect-positions", response_model=list[Position])
def suspect_positions(
    principal: PrincipalDep,
    connection: ReadDep,
    location: Annotated[LocationCode | None, Query()] = None,
) -> list[Position]:
    """Positions whose record was proved wrong (a sale below zero) and want a count."""
    scope = location or principal.location
    principal.require(Action.READ_REPORTS, scope)
    require_known_location(connection, location)
    rows = connection.execute(
        select(POSITIONS)
        .where(POSITIONS.c.location == scope, POSITIONS.c.suspect.is_(True))
        .order_by(POSITIONS.c.sku)
        .limit(1000)
    )
    return [
        Position(
            **{
                **row._asdict(),
                "available": Stock(row.on_hand, row.reserved, row.safety_stock).available,
                "suspect": True,
            }
        )
        for row in rows
    ]


@router.get("/audit", response_model=list[AuditEntry])
def audit_log(
    principal: PrincipalDep,
    connection: ReadDep,
    location: Annotated[LocationCode | None, Query()] = None,
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    """Who changed what at a location, oldest first, after audit row ``after_id``."""
    scope = location or principal.location
    principal.require(Action.READ_REPORTS, scope)
    require_known_location(connection, location)
    rows = connection.execute(
        select(AUDIT)
        .where(AUDIT.c.location == scope, AUDIT.c.id > after_id)
        .order_by(AUDIT.c.id)
        .limit(limit)
    )
    return [AuditEntry(**row._asdict()) for row in rows]


@router.get("/count-tasks", response_model=list[CountTask])
def count_tasks(
    principal: PrincipalDep,
    connection: ReadDep,
    runtime: RuntimeDep,
    location: Annotated[LocationCode | None, Query()] = None,
) -> list[CountTask]:
    """Positions waiting to be counted at a location, oldest first."""
    scope = location or principal.location
    principal.require(Action.COUNT, scope)
    require_known_location(connection, location)
    return open_count_tasks(LedgerTx(connection, runtime.clock.now()), scope)
