"""A barcode scanner types digits then Enter in a burst: a scan opens the item on any screen,
and a person typing digits at human speed is never mistaken for one."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from storeapp.cache import outbox
from storeapp.context import StoreContext
from storeapp.tui.scan import ScanDetector
from storeapp.tui.screens.item import ItemScreen
from storeapp.tui.screens.lookup import LookupScreen
from storeapp.tui.screens.sale import SaleScreen
from storeapp.tui.screens.sync import SyncScreen
from tests.support.store import gtin_of
from tests.support.tui import AppFactory, SteppingClock, look_up, settle

FAST = 0.01
SLOW = 0.2


def feed(detector: ScanDetector, keys: str) -> str | None:
    for key in keys:
        detector.digit(key) if key.isdigit() else detector.other()
    return detector.enter()


@pytest.mark.parametrize(
    ("step", "keys", "expected"),
    [
        (FAST, "3760000000017", "3760000000017"),
        (FAST, "12345678", "12345678"),
        (FAST, "12345678901234", "12345678901234"),
        (FAST, "1234567", None),  # too short for any barcode: a person's quantity, say
        (FAST, "123456789012345", None),  # too long
        (FAST, "3760000a000017", None),  # a letter breaks the burst
        (SLOW, "3760000000017", None),  # a person typing
    ],
)
def test_a_scan_is_8_to_14_digits_then_enter_each_within_50_ms(
    step: float, keys: str, expected: str | None
) -> None:
    assert feed(ScanDetector(SteppingClock(step)), keys) == expected


def test_slow_digits_before_a_fast_burst_do_not_count() -> None:
    clock = SteppingClock(SLOW)
    detector = ScanDetector(clock)
    for key in "99":
        detector.digit(key)
    clock.now += 0.5  # the person stops typing; a scan comes a moment later
    clock.step = FAST
    assert feed(detector, "12345678") == "12345678"


def test_an_enter_long_after_the_digits_is_a_person() -> None:
    clock = SteppingClock(FAST)
    detector = ScanDetector(clock)
    for key in "12345678":
        detector.digit(key)
    clock.step = SLOW
    assert detector.enter() is None


async def test_a_scan_on_the_item_screen_opens_the_scanned_item(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(synced_store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        screen = app.screen
        assert isinstance(screen, ItemScreen)
        assert screen.sku == "S1"
        assert not isinstance(app.focused, Input)
        clock.step = FAST
        await pilot.press(*gtin_of(synced_store, "S2"), "enter")
        await settle(pilot)
        assert app.screen is screen  # the same screen shows the scanned item
        assert screen.sku == "S2"
        assert screen.view is not None
        assert screen.view.item.sku == "S2"


async def test_a_scan_on_the_sync_screen_opens_the_item_over_it(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(synced_store, monotonic=clock)
    gtin = gtin_of(synced_store, "S1")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        await pilot.press(*gtin, "enter")  # typed by a person: not a scan
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        clock.step = FAST
        await pilot.press(*gtin, "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.sku == "S1"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)


async def test_a_bad_scan_away_from_the_lookup_screen_is_notified(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store, monotonic=SteppingClock(FAST))
    good = gtin_of(synced_store, "S1")
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*wrong, "enter")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        [notice] = [n for n in app._notifications if n.severity == "error"]
        assert f"the check digit should be {good[-1]}" in notice.message


async def test_a_scan_into_the_lookup_field_looks_the_code_up_and_leaves_it_shown(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store, monotonic=SteppingClock(FAST))
    gtin = gtin_of(synced_store, "S2")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lookup = app.screen
        assert isinstance(lookup, LookupScreen)
        await pilot.press(*gtin, "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.sku == "S2"
        assert lookup.query_one("#query", Input).value == gtin


async def test_a_person_typing_digits_in_the_lookup_field_is_not_a_scan(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    app = build_app(synced_store, monotonic=SteppingClock(SLOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"12345678")
        field = app.screen.query_one("#query", Input)
        assert field.value == "12345678"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert field.value == "12345678"


async def test_a_scan_during_a_sale_cancels_it_and_opens_the_scanned_item(
    synced_store: StoreContext, build_app: AppFactory
) -> None:
    clock = SteppingClock(SLOW)
    app = build_app(synced_store, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await look_up(pilot, "S1")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SaleScreen)
        clock.step = FAST
        await pilot.press(*gtin_of(synced_store, "S2"), "enter")
        await settle(pilot)
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.sku == "S2"
        assert outbox.pending(synced_store.engine, 10) == []
