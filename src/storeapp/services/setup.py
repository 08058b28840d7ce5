"""Setting a terminal up (``storeapp setup`` and the demo): ask the ledger who the token is, save
the settings, point the cache at that store and run the first sync.

Promises kept here: nothing is saved when the ledger cannot be reached or refuses the token (the
ledger is asked first); the cache's view of the network is reset when it belonged to another
store or another ledger, and the operations still waiting to be sent are kept through that reset;
setup holds the sync lock, so it never runs beside another process syncing the same cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
from filelock import FileLock, Timeout
from sqlalchemy import Engine, text

from ordersync.contract import Whoami
from storeapp.cache import outbox
from storeapp.cache.engine import open_cache_engine
from storeapp.cache.feed_apply import reset_view
from storeapp.cache.state import LEDGER_ID, LOCATION, read_state
from storeapp.clock import Now, utc_now
from storeapp.config import StoreSettings, save_settings
from storeapp.context import open_store, remember_location
from storeapp.sync.client import LedgerClient
from storeapp.sync.engine import SyncLockBusy, SyncReport


class ViewReset(StrEnum):
    """Why setup reset the cache's view of the network."""

    OTHER_STORE = "other_store"
    """The cache held the view of another store."""
    OTHER_LEDGER = "other_ledger"
    """The cache came from another ledger."""


@dataclass(frozen=True)
class CacheSummary:
    store_name: str
    items: int
    positions: int
    units: int


@dataclass(frozen=True)
class SetupOutcome:
    who: Whoami
    settings: StoreSettings
    config_path: Path
    reset: ViewReset | None
    """Why the cache's view was reset, or None when it was kept."""
    previous_location: str | None
    """The store the cache knew before setup (None for a new cache)."""
    kept_waiting: int
    """Operations waiting to be sent that the reset kept."""
    report: SyncReport
    """The first sync's."""
    cache: CacheSummary


def cache_summary(engine: Engine, location: str) -> CacheSummary:
    with engine.connect() as connection:
        name = connection.execute(
            text("SELECT name FROM locations WHERE code = :code"), {"code": location}
        ).scalar()
        items = connection.execute(text("SELECT COUNT(*) FROM items")).scalar_one()
        positions, units = connection.execute(
            text("SELECT COUNT(*), COALESCE(SUM(on_hand), 0) FROM positions WHERE location = :loc"),
            {"loc": location},
        ).one()
    return CacheSummary(str(name or location), int(items), int(positions), int(units))


def setup_store(
    base: StoreSettings,
    ledger_url: str,
    token: str,
    *,
    locale: str | None = None,
    transport: httpx.BaseTransport | None = None,
    now: Now = utc_now,
    extra: Mapping[str, str] | None = None,
) -> SetupOutcome:
    """Ask the ledger who ``token`` is, save the settings, point the cache at that store and run
    the first sync. Raises ``LedgerUnavailable``/``LedgerRefused`` before anything is saved, and
    ``SyncLockBusy`` when another process syncs this cache."""
    with LedgerClient(
        ledger_url, token, timeout=base.request_timeout_seconds, transport=transport
    ) as client:
        who = client.whoami()
    update: dict[str, Any] = {"ledger_url": ledger_url, "token": token}
    values: dict[str, str] = {"ledger_url": ledger_url, "token": token, **(extra or {})}
    if locale:
        update["locale"] = locale
        values["locale"] = locale
    settings = base.model_copy(update=update)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.sync_lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout as error:
        raise SyncLockBusy(str(settings.sync_lock_path)) from error
    try:
        config_path = save_settings(values)
        engine = open_cache_engine(settings.cache_path)
        try:
            with engine.connect() as connection:
                known_location = read_state(connection, LOCATION)
                known_ledger = read_state(connection, LEDGER_ID)
                waiting, _attention = outbox.counts(connection)
            reset: ViewReset | None = None
            if known_location is not None and known_location != who.location:
                reset = ViewReset.OTHER_STORE
            elif known_ledger is not None and known_ledger != who.ledger_id:
                reset = ViewReset.OTHER_LEDGER
            if reset is not None:
                reset_view(engine)
            remember_location(engine, who.location)
        finally:
            engine.dispose()
        context = open_store(settings, now=now, transport=transport)
        try:
            report = context.sync.sync_once()
            summary = cache_summary(context.engine, who.location)
        finally:
            context.close()
    finally:
        lock.release()
    return SetupOutcome(
        who=who,
        settings=settings,
        config_path=config_path,
        reset=reset,
        previous_location=known_location,
        kept_waiting=waiting if reset is not None else 0,
        report=report,
        cache=summary,
    )
