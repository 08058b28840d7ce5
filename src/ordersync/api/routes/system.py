"""Health and identity: is the ledger up, and who does it think the caller is."""

from __future__ import annotations

from fastapi import APIRouter

from ordersync.api.deps import PrincipalDep, ReadDep, RuntimeDep
from ordersync.contract import Health, Whoami
from ordersync.services.feed import feed_head, ledger_id

router = APIRouter(tags=["system"])


@router.get("/health", response_model=Health)
def health(connection: ReadDep) -> Health:
    return Health(
        status="ok",
        ledger_id=ledger_id(connection),
        head=feed_head(connection),
        database=connection.dialect.name,
    )


@router.get("/me", response_model=Whoami)
def whoami(principal: PrincipalDep, connection: ReadDep, runtime: RuntimeDep) -> Whoami:
    return Whoami(
        token_id=principal.token_id,
        location=principal.location,
        role=principal.role,
        device=principal.device,
        ledger_id=ledger_id(connection),
        server_time=runtime.clock.now(),
    )
