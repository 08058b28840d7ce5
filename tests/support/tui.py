"""Driving the terminal UI in tests: an app built as the CLI builds it but deterministic, ways
to wait for it and to type into it, and the store scenes the screens are tested on.

Deterministic means no sync thread, no status timer and a scan clock that moves a fixed step per
key read, so what a screen shows depends on the keys pressed and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from textual.worker import WorkerState

from ordersync.contract import ItemIn, ItemsUpsert, Role, with_check_digit
from storeapp.context import StoreContext
from storeapp.i18n import Translator
from storeapp.tui.app import StoreApp, make_app
from tests.support.ledger_harness import Network
from tests.support.store import receive


class SteppingClock:
    """A monotonic clock that moves ``step`` seconds each time it is read (once per key)."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


AppFactory = Callable[..., StoreApp]

FAST = 0.01
"""Seconds between the keys of a barcode read (a scanner types fast)."""
SLOW = 0.2
"""Seconds between keys a person types."""


def deterministic_app(
    context: StoreContext, translator: Translator, **overrides: object
) -> StoreApp:
    """The app as the CLI builds it, without a sync thread or a status timer, scanning with a
    ``SteppingClock``; ``overrides`` replace any of these."""
    options: dict[str, object] = {
        "start_sync_worker": False,
        "monotonic": SteppingClock(0.2),
        "status_interval": None,
    }
    options.update(overrides)
    return make_app(context, translator, **options)  # type: ignore[arg-type]


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the workers are done and their messages handled (which may start others)."""
    workers = pilot.app.workers
    for _ in range(20):
        await workers.wait_for_complete()
        await pilot.pause()
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in workers):
            return
    raise AssertionError("the workers never settled")


async def look_up(pilot: Pilot[None], query: str) -> None:
    """Put ``query`` in the lookup field and press Enter (typing it is tested elsewhere)."""
    field = pilot.app.screen.query_one("#query", Input)
    field.value = query
    await pilot.press("enter")
    await settle(pilot)


def stock_and_sync(ledger: TestClient, network: Network, store: StoreContext) -> None:
    """Stock for store A's first sync: S1 (85B) and S2 (90C) of REF-1, S3 of REF-2."""
    receive(ledger, network, "S1", "A", 3)
    receive(ledger, network, "S1", "B", 4)
    receive(ledger, network, "S2", "B", 2)
    receive(ledger, network, "S2", "WH", 5)
    report = store.sync.sync_once()
    assert report.online, report
    assert report.bootstrapped, report


def stock_lingerie_and_sync(ledger: TestClient, network: Network, store: StoreContext) -> None:
    """A bra reference BRA in noir, bands 85-95 and cups B-D, then store A's first sync.

    Stock: 85C 2 here and 3 at B; 90B 1 here; 90C 6 at B; 95D 12 at the warehouse.
    """
    sizes = [(band, cup) for band in ("85", "90", "95") for cup in ("B", "C", "D")]
    items = [
        ItemIn(
            sku=f"BRA-{band}{cup}",
            reference="BRA",
            name="Soutien-gorge Apolline",
            size=f"{band}{cup}",
            size_row=band,
            size_column=cup,
            colour="noir",
            gtins=[with_check_digit(f"376123{index:06d}")],
            price_minor=5990,
        )
        for index, (band, cup) in enumerate(sizes)
    ]
    reply = ledger.put(
        "/v1/items",
        json=ItemsUpsert(items=items).model_dump(mode="json"),
        headers=network.headers("A", Role.ADMIN),
    )
    assert reply.status_code == 200, reply.text
    receive(ledger, network, "BRA-85C", "A", 2)
    receive(ledger, network, "BRA-85C", "B", 3)
    receive(ledger, network, "BRA-90B", "A", 1)
    receive(ledger, network, "BRA-90C", "B", 6)
    receive(ledger, network, "BRA-95D", "WH", 12)
    assert store.sync.sync_once().online


async def scan(pilot: Pilot[None], clock: SteppingClock, code: str) -> None:
    """A barcode read: its digits typed fast, then Enter."""
    clock.step = FAST
    await pilot.press(*code, "enter")
    clock.step = SLOW
    await settle(pilot)


def rows(app: StoreApp, table_id: str) -> list[list[str]]:
    """The cells of a table of the screen showing, as text."""
    table = app.screen.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def text_of(app: StoreApp, widget_id: str) -> str:
    """What a static widget of the screen showing says."""
    rendered = app.screen.query_one(widget_id, Static).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)
