"""The app's own sync worker: it syncs in a thread, wakes up for a sale, stops with the app,
and steps aside when another process already syncs this cache."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widgets import Static

from storeapp.context import StoreContext
from storeapp.tui.app import StoreApp
from storeapp.tui.screens.item import ItemScreen
from tests.support.tui import AppFactory


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """The sync thread runs on its own time: poll (workers that never end cannot be awaited)."""
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    assert check()


def waiting(app: StoreApp) -> str:
    return str(app.screen.query_one("#status-waiting", Static).render())


async def test_the_worker_syncs_at_start_sends_a_sale_at_once_and_stops_with_the_app(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store, start_sync_worker=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await eventually(lambda: app.last_sync is not None)
        assert app.last_sync is not None
        assert app.last_sync.report.online
        await pilot.press(*"S1", "enter")
        await eventually(lambda: isinstance(app.screen, ItemScreen) and app.screen.view is not None)
        await pilot.press("s", "enter")
        await eventually(lambda: synced_store.status.status().waiting == 0)
        await eventually(lambda: waiting(app) == "0 to sync")
        assert app.last_sync.report.accepted == 1
    # The app left the lock behind it: another worker may sync this cache now.
    after = synced_store.worker()
    after.acquire()
    after.release()


async def test_when_another_process_syncs_the_app_says_so_and_does_not_sync(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    holder = synced_store.worker()
    holder.acquire()
    try:
        app = build_app(synced_store, start_sync_worker=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:

            def warned(text: str) -> bool:
                return any(text in n.message for n in app._notifications)

            await eventually(lambda: warned("already syncs this store"))
            synced_store.sales.record("S1", 1)
            await pilot.press("f5")
            await eventually(lambda: warned("it sends the waiting operations"))
            await pilot.pause()
            assert app.last_sync is None
            assert synced_store.status.status().waiting == 1
    finally:
        holder.release()
