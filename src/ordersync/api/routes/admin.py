"""Device tokens (admin) and the manager's views: suspect positions, the audit log, count tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from ordersync.api.deps import PrincipalDep, ReadDep, ReadTxDep, RuntimeDep
from ordersync.api.params import RowIdPath
from ordersync.contract import (
    AuditEntry,
    CountTask,
    EventTime,
    LocationCode,
    Position,
    StaffCode,
    TokenCreate,
    TokenCreated,
    TokenInfo,
)
from ordersync.services.audit_log import AuditFilter, read_audit
from ordersync.services.count_tasks import read_count_tasks
from ordersync.services.positions import read_suspect_positions
from ordersync.services.tokens import issue_token, list_tokens, revoke_token

router = APIRouter(tags=["administration"])

LocationQuery = Annotated[LocationCode | None, Query()]
TimeQuery = Annotated[
    EventTime | None, Query(description="An RFC 3339 time with its offset, e.g. 2025-03-01T09:00Z")
]


@router.get("/tokens", response_model=list[TokenInfo])
def list_device_tokens(
    principal: PrincipalDep,
    connection: ReadDep,
    location: LocationQuery = None,
    include_revoked: bool = False,
) -> list[TokenInfo]:
    """The device tokens, active ones only unless ``include_revoked``; never a secret or hash."""
    return list_tokens(connection, principal, location, include_revoked)


@router.post("/tokens", status_code=201, response_model=TokenCreated)
async def create_token(
    body: TokenCreate, principal: PrincipalDep, runtime: RuntimeDep
) -> TokenCreated:
    return await runtime.writer.run(
        lambda tx: issue_token(tx, body.location, body.role, body.device, principal)
    )


@router.delete("/tokens/{token_id}", status_code=204)
async def delete_token(
    token_id: RowIdPath, principal: PrincipalDep, runtime: RuntimeDep
) -> Response:
    await runtime.writer.run(lambda tx: revoke_token(tx, token_id, principal))
    return Response(status_code=204)


@router.get("/reports/suspect-positions", response_model=list[Position])
def suspect_positions(
    principal: PrincipalDep, connection: ReadDep, location: LocationQuery = None
) -> list[Position]:
    """Positions whose record was proved wrong (a sale below zero) and want a count."""
    return read_suspect_positions(connection, principal, location)


@router.get("/audit", response_model=list[AuditEntry])
def audit_log(
    principal: PrincipalDep,
    connection: ReadDep,
    location: LocationQuery = None,
    person: Annotated[StaffCode | None, Query()] = None,
    device: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")
    ] = None,
    operation: Annotated[
        str | None, Query(max_length=32, pattern=r"^[a-z][a-z_]+(\.[a-z_]+)?$")
    ] = None,
    since: TimeQuery = None,
    until: TimeQuery = None,
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    """Who changed what at a location, and each change before and after, oldest first, after
    audit row ``after_id``; recorded at or after ``since`` and before ``until``."""
    wanted = AuditFilter(location, person, device, operation, since, until, after_id, limit)
    return read_audit(connection, principal, wanted)


@router.get("/count-tasks", response_model=list[CountTask])
def count_tasks(
    principal: PrincipalDep, tx: ReadTxDep, location: LocationQuery = None
) -> list[CountTask]:
    """Positions waiting to be counted at a location, oldest first."""
    return read_count_tasks(tx, principal, location)
