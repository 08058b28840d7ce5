"""The item screen's suggestions: the sizes in stock here that fit best, grouped by how they fit
(same size in another colour, sister size, nearby size), on at most two lines at 80x24, never
breaking one size across the lines, in English and in French."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from textual.widgets import Static

from ordersync.contract import ItemIn, ItemsUpsert, Role, with_check_digit
from storeapp.context import StoreContext
from storeapp.i18n import Translator
from storeapp.tui.screens.item import ItemScreen
from tests.support.ledger_harness import Network
from tests.support.store import receive
from tests.support.tui import AppFactory, look_up, settle, stock_lingerie_and_sync

KEEP = "\xa0"


@pytest.fixture
def two_colour_store(ledger: TestClient, network: Network, store: StoreContext) -> StoreContext:
    """The lingerie store (BRA in noir, bands 85-95, cups B-D: 85C 2 here, 90B 1 here) with BRA
    also in ivoire: 90C 1 here (the same size as 90C noir) and 85D 3 here (its sister size)."""
    stock_lingerie_and_sync(ledger, network, store)
    ivoire = [
        ItemIn(
            sku=f"BRA-IV-{band}{cup}",
            reference="BRA",
            name="Soutien-gorge Apolline",
            size=f"{band}{cup}",
            size_row=band,
            size_column=cup,
            colour="ivoire",
            gtins=[with_check_digit(f"376124{index:06d}")],
            price_minor=5990,
        )
        for index, (band, cup) in enumerate(
            (band, cup) for band in ("85", "90", "95") for cup in ("B", "C", "D")
        )
    ]
    reply = ledger.put(
        "/v1/items",
        json=ItemsUpsert(items=ivoire).model_dump(mode="json"),
        headers=network.headers("A", Role.ADMIN),
    )
    assert reply.status_code == 200, reply.text
    receive(ledger, network, "BRA-IV-90C", "A", 1)
    receive(ledger, network, "BRA-IV-85D", "A", 3)
    assert store.sync.sync_once().online
    return store


async def suggestion_lines(app: object, pilot: object, sku: str) -> list[str]:
    await look_up(pilot, sku)  # type: ignore[arg-type]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ItemScreen)
    widget = screen.query_one("#suggestions", Static)
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


async def test_each_group_of_sizes_is_named_by_how_it_fits_and_wraps_between_sizes(
    two_colour_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(two_colour_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = await suggestion_lines(app, pilot, "BRA-90C")
    # Too long for one line of 80: a second line, broken between two groups, nothing cut.
    assert [line.replace(KEEP, " ") for line in lines] == [
        "In stock here: same size ivoire 90C 1 · 1   sister size ivoire 85D 3 · 3",
        "nearby size 90B 1 · 1  85C 2 · 5",
    ]


async def test_the_groups_are_named_in_french(
    two_colour_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(two_colour_store, translator=Translator("fr_FR", "Europe/Paris"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = await suggestion_lines(app, pilot, "BRA-90C")
    text = " ".join(lines).replace(KEEP, " ")
    assert text.startswith("En stock ici : même taille ivoire 90C 1 · 1   taille sœur ivoire 85D")
    assert "taille voisine 90B 1 · 1  85C 2 · 5" in text
