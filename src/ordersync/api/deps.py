"""Dependencies of the routers: the runtime, the calling device, a read connection or a read
transaction (a ``LedgerTx`` on the read connection, for the services that read through one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from ordersync.contract.staff import PERSON_HEADER, STAFF_CODE_PATTERN
from ordersync.db.ledger_tx import LedgerTx
from ordersync.domain.errors import InvalidRequest, Unauthorized
from ordersync.domain.permissions import Principal
from ordersync.runtime import LedgerRuntime
from ordersync.services.tokens import find_principal

_bearer = HTTPBearer(auto_error=False, description="A device token from `ordersync token create`.")


async def get_runtime(request: Request) -> LedgerRuntime:
    runtime: LedgerRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[LedgerRuntime, Depends(get_runtime)]


def _lookup(runtime: LedgerRuntime, token: str) -> Principal | None:
    with runtime.read_engine.connect() as connection:
        return find_principal(connection, token)


_STAFF_CODE = re.compile(STAFF_CODE_PATTERN)


def _person_of(request: Request) -> str | None:
    """The staff code the request's person header names, if it has one.

    Read from the request rather than declared as a parameter: it is the same optional header
    on every route, and the contract (``PERSON_HEADER``) is where it is described."""
    person = request.headers.get(PERSON_HEADER)
    if person is None:
        return None
    if not _STAFF_CODE.match(person):
        raise InvalidRequest(
            f"the {PERSON_HEADER} header must be a staff code (letters, digits, '.', '_', '-')",
            field=PERSON_HEADER,
        )
    return person


async def get_principal(
    request: Request,
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The calling device, and the person its request names (the cache knows devices only)."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("send a device token as 'Authorization: Bearer <token>'")
    token = credentials.credentials
    principal = runtime.tokens.get(token)
    if principal is None:
        principal = await run_in_threadpool(_lookup, runtime, token)
        if principal is None:
            raise Unauthorized("the token is unknown or revoked")
        runtime.tokens.put(token, principal)
    runtime.tokens.record_use(principal.token_id, runtime.writer.submit)
    person = _person_of(request)
    return principal if person is None else replace(principal, person=person)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_read_connection(runtime: RuntimeDep) -> Iterator[Connection]:
    with runtime.read_engine.connect() as connection, connection.begin():
        yield connection


ReadDep = Annotated[Connection, Depends(get_read_connection)]


def get_read_tx(connection: ReadDep, runtime: RuntimeDep) -> LedgerTx:
    return LedgerTx(connection, runtime.clock.now())


ReadTxDep = Annotated[LedgerTx, Depends(get_read_tx)]
