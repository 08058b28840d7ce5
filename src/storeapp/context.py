"""StoreContext: the services of one store terminal, built from its settings (CLI, TUI, tests),
and its shift: who works at it now, whose staff code every operation made here carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from storeapp.cache.engine import open_cache_engine
from storeapp.cache.state import LOCATION, read_state, write_state
from storeapp.clock import Now, utc_now
from storeapp.config import StoreSettings
from storeapp.services.counting import CountingService
from storeapp.services.day_queue import DayQueueService
from storeapp.services.labels.printing import CarrierLabels
from storeapp.services.lookup import LookupService
from storeapp.services.offers import OfferService
from storeapp.services.orders import OrderInStoreService
from storeapp.services.picking import PickingService
from storeapp.services.reports import ReportsService
from storeapp.services.returns import CounterReturns
from storeapp.services.sales import CounterSales
from storeapp.services.set_aside import StockSetAside
from storeapp.services.staff import Shift, StaffService
from storeapp.services.status import StatusService
from storeapp.services.voids import SaleVoids, manager_check
from storeapp.sync.client import LedgerClient
from storeapp.sync.engine import SyncEngine, SyncWorker


class NotSetUp(Exception):
    """The terminal has no ledger token or does not know its store yet."""


@dataclass
class StoreContext:
    settings: StoreSettings
    engine: Engine
    client: LedgerClient
    location: str
    now: Now
    lookup: LookupService
    sales: CounterSales
    status: StatusService
    sync: SyncEngine
    picking: PickingService
    offers: OfferService
    orders: OrderInStoreService
    day: DayQueueService
    counting: CountingService
    reports: ReportsService
    staff: StaffService
    shift: Shift
    returns: CounterReturns
    voids: SaleVoids
    set_aside: StockSetAside
    labels: CarrierLabels

    def worker(self, on_report: Callable[..., None] | None = None) -> SyncWorker:
        return SyncWorker(
            self.sync,
            self.settings.sync_lock_path,
            interval=self.settings.sync_interval_seconds,
            on_report=on_report,
        )

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()


def remember_location(engine: Engine, location: str) -> None:
    with engine.begin() as connection:
        write_state(connection, LOCATION, location)


def open_store(
    settings: StoreSettings,
    *,
    now: Now = utc_now,
    transport: httpx.BaseTransport | None = None,
) -> StoreContext:
    """Open the cache and wire the services; the store's location is the one setup recorded."""
    if not settings.token:
        raise NotSetUp("this terminal has no ledger token: run `storeapp setup`")
    engine = open_cache_engine(settings.cache_path)
    with engine.connect() as connection:
        location = read_state(connection, LOCATION)
    if location is None:
        engine.dispose()
        raise NotSetUp("this terminal does not know its store yet: run `storeapp setup`")
    client = LedgerClient(
        settings.ledger_url,
        settings.token,
        timeout=settings.request_timeout_seconds,
        transport=transport,
    )
    lookup = LookupService(
        engine, location, now, client, live_timeout=settings.lookup_timeout_seconds
    )
    shift = Shift()
    person = shift.code
    is_manager = manager_check(engine, shift, client)
    picking = PickingService(engine, location, now, person=person)
    return StoreContext(
        settings=settings,
        engine=engine,
        client=client,
        location=location,
        now=now,
        lookup=lookup,
        sales=CounterSales(
            engine, location, now, person=person, confirm_above=settings.confirm_units_above
        ),
        status=StatusService(engine, location, now),
        sync=SyncEngine(
            engine,
            client,
            now,
            push_batch_size=settings.push_batch_size,
            feed_page_size=settings.feed_page_size,
        ),
        picking=picking,
        offers=OfferService(engine, location, now, person=person),
        orders=OrderInStoreService(engine, location, now, client, person=person),
        day=DayQueueService(engine, location, now, client, picking, timezone=settings.timezone),
        counting=CountingService(
            engine,
            location,
            now,
            client,
            lookup,
            live_timeout=settings.lookup_timeout_seconds,
            person=person,
        ),
        reports=ReportsService(engine, location, client),
        staff=StaffService(
            engine,
            location,
            now,
            max_attempts=settings.staff_max_attempts,
            lockout=timedelta(minutes=settings.staff_lockout_minutes),
        ),
        shift=shift,
        returns=CounterReturns(
            engine, location, now, person=person, confirm_above=settings.confirm_units_above
        ),
        voids=SaleVoids(
            engine,
            location,
            now,
            person=person,
            is_manager=is_manager,
            timezone=settings.timezone,
        ),
        set_aside=StockSetAside(engine, location, now, person=person, is_manager=is_manager),
        labels=CarrierLabels(
            engine,
            location,
            settings.labels_path,
            file_format=settings.label_format,
            carrier=settings.label_carrier,
        ),
    )
