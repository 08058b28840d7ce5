"""The FastAPI app factory: wires the runtime, the routers, the problem handlers and the sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from ordersync import __version__
from ordersync.api.problems import install_problem_handlers
from ordersync.api.redaction import install_log_redaction
from ordersync.api.routes import (
    admin,
    catalog,
    deliveries,
    dispositions,
    feed,
    manager,
    offers,
    ops,
    orders,
    replenishment,
    reports,
    reservations,
    returns,
    staff,
    stock,
    system,
    transfers,
)
from ordersync.clock import Clock
from ordersync.config import LedgerSettings
from ordersync.contract import API_PREFIX
from ordersync.db.migrate import is_up_to_date
from ordersync.runtime import LedgerRuntime
from ordersync.services.operations import (
    expiry_work,
    no_show_work,
    offer_work,
    retention_work,
)
from ordersync.web.mount import HQ_ROUTERS

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    pass


RETENTION_SWEEP_SECONDS = 3600.0


async def _housekeeping(runtime: LedgerRuntime) -> None:
    """End no-shows, send offers nobody claimed in time to the next stores, expire reservations
    whose time is up; now and then, forget outcomes past retention."""
    loop = asyncio.get_running_loop()
    next_retention = loop.time()
    while True:
        await asyncio.sleep(runtime.settings.expiry_sweep_seconds)
        try:
            policy = runtime.policy.current()
            # No-shows first: their units go back to stock rather than have their holds renewed.
            await runtime.writer.run(no_show_work(policy))
            await runtime.writer.run(offer_work(policy))
            await runtime.writer.run(expiry_work(policy=policy))
            if loop.time() >= next_retention:
                await runtime.writer.run(
                    retention_work(runtime.settings.idempotency_retention_days)
                )
                next_retention = loop.time() + RETENTION_SWEEP_SECONDS
        except Exception:
            log.exception("ledger housekeeping failed; will try again")


def create_app(settings: LedgerSettings | None = None, clock: Clock | None = None) -> FastAPI:
    chosen = settings or LedgerSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = LedgerRuntime.open(chosen, clock)
        if not await run_in_threadpool(is_up_to_date, runtime.read_engine):
            runtime.close()
            raise SchemaOutOfDate(
                "the ledger database is not at the latest schema: run `ordersync db upgrade`"
            )
        runtime.start()
        app.state.runtime = runtime
        sweeper = asyncio.create_task(_housekeeping(runtime))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            runtime.close()

    app = FastAPI(
        title="ordersync",
        summary="The stock ledger of the store network",
        description=(
            "One stock record for every store and warehouse: movements, reservations, counts, "
            "network availability and a change feed for store terminals. Every mutation carries "
            "a client-generated `op_id` and may be sent again safely. Errors are RFC 9457 "
            "`application/problem+json` documents with a stable `type`."
        ),
        version=__version__,
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    install_log_redaction()
    for module in (system, catalog, stock, reservations, orders, feed, ops, admin, manager, staff):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(reports.router, prefix=API_PREFIX)
    app.include_router(replenishment.router, prefix=API_PREFIX)
    app.include_router(deliveries.router, prefix=API_PREFIX)
    app.include_router(transfers.router, prefix=API_PREFIX)
    app.include_router(returns.router, prefix=API_PREFIX)
    app.include_router(dispositions.router, prefix=API_PREFIX)
    app.include_router(offers.router, prefix=API_PREFIX)
    for hq_router in HQ_ROUTERS:
        app.include_router(hq_router)
    return app


def create_app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from ``ORDERSYNC_*`` variables."""
    return create_app(LedgerSettings())
