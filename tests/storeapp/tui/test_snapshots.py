"""Screenshots at 80x24 and 120x36, compared with the accepted ones in __snapshots__/.

Deterministic: the ledger's clock is fixed, the data is fixed (no random barcodes on screen),
the cursor does not blink, no sync thread and no status timer run. Review a changed snapshot in
the report pytest writes before accepting it with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta

import pytest
from textual.pilot import Pilot

from ordersync.clock import ManualClock
from storeapp.context import StoreContext
from tests.support.ledger_harness import SqliteDatabases
from tests.support.tui import AppFactory, look_up, settle

SnapCompare = Callable[..., bool]


@pytest.fixture
def ledger_url(sqlite_databases: SqliteDatabases) -> Iterator[str]:
    """SQLite only: the screens do not depend on the ledger's backend, and one set of
    screenshots serves every run (with PostgreSQL configured or not)."""
    url = sqlite_databases.fresh()
    yield url
    sqlite_databases.drop(url)


def then(query: str | None = None, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Look ``query`` up, then press ``keys``, letting the workers finish after each step."""

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        if query is not None:
            await look_up(pilot, query)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_item_screen_with_its_size_grid_at_80x24(
    lingerie_store: StoreContext, build_app: AppFactory, snap_compare: SnapCompare
) -> None:
    lingerie_store.sales.record("BRA-85C", 1)  # not synced yet: the screen says so
    app = build_app(lingerie_store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then("BRA-85C"))


def test_item_screen_at_120x36(
    lingerie_store: StoreContext, build_app: AppFactory, snap_compare: SnapCompare
) -> None:
    app = build_app(lingerie_store)
    assert snap_compare(app, terminal_size=(120, 36), run_before=then("BRA-90C"))


def test_lookup_matches_while_offline_at_80x24(
    lingerie_store: StoreContext,
    clock: ManualClock,
    build_app: AppFactory,
    snap_compare: SnapCompare,
) -> None:
    clock.advance(timedelta(minutes=12))  # no answer from the ledger for 12 minutes
    app = build_app(lingerie_store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then("apolline 9"))


def test_sync_screen_with_a_refused_sale_at_80x24(
    synced_store: StoreContext, build_app: AppFactory, snap_compare: SnapCompare
) -> None:
    synced_store.sales.record("GONE", 1)
    synced_store.sync.sync_once()
    synced_store.sales.record("S1", 1)
    app = build_app(synced_store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(None, "f3"))
