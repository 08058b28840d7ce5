"""A screenshot of the Returns screen at 80x24 after one return was recorded and the next item
scanned (compared with the accepted one in __snapshots__/).

Deterministic: the ledger's clock is fixed, no sync thread and no status timer run, and nothing
on the screen shows an id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot

from storeapp.context import StoreContext
from tests.support.ledger_harness import SqliteDatabases
from tests.support.store import gtin_of
from tests.support.tui import SLOW, AppFactory, SteppingClock, scan, settle

SnapCompare = Callable[..., bool]


@pytest.fixture
def ledger_url(sqlite_databases: SqliteDatabases) -> Iterator[str]:
    """SQLite only: one set of screenshots serves every run."""
    url = sqlite_databases.fresh()
    yield url
    sqlite_databases.drop(url)


def test_the_returns_screen_at_80x24(
    synced_store: StoreContext, build_app: AppFactory, snap_compare: SnapCompare
) -> None:
    clock = SteppingClock(SLOW)

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f11")
        await settle(pilot)
        await scan(pilot, clock, gtin_of(synced_store, "S1"))
        await pilot.press("down", "enter")
        await settle(pilot)
        await scan(pilot, clock, gtin_of(synced_store, "S2"))

    app = build_app(synced_store, monotonic=clock)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
