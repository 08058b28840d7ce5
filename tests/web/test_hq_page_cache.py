"""Report pages are built once per ledger state and hour, and again once anything changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordersync.web.page_cache import PageCache, page_key
from ordersync.web.page_data import PageData

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_the_same_page_of_the_same_ledger_state_is_built_once() -> None:
    cache = PageCache()
    builds: list[str] = []

    def build() -> PageData:
        builds.append("built")
        return PageData("Stock")

    first = cache.get(page_key("stock", "*", 41, NOON), build)
    again = cache.get(page_key("stock", "*", 41, NOON + timedelta(minutes=59)), build)
    assert again is first
    assert builds == ["built"]


def test_a_change_to_the_ledger_the_hour_or_the_viewer_builds_it_again() -> None:
    cache = PageCache()
    builds: list[str] = []

    def build() -> PageData:
        builds.append("built")
        return PageData("Stock")

    cache.get(page_key("stock", "*", 41, NOON), build)
    cache.get(page_key("stock", "*", 42, NOON), build)
    cache.get(page_key("stock", "*", 42, NOON + timedelta(hours=1)), build)
    cache.get(page_key("stock", "PAR-01", 42, NOON + timedelta(hours=1)), build)
    cache.get(page_key("touchpoints", "PAR-01", 42, NOON + timedelta(hours=1)), build)
    assert len(builds) == 5


def test_the_least_recently_used_page_goes_first() -> None:
    cache = PageCache(size=2)
    keys = [page_key("stock", scope, 1, NOON) for scope in ("A", "B", "C")]
    for key in keys:
        cache.get(key, lambda: PageData("Stock"))
    rebuilt: list[str] = []
    cache.get(keys[0], lambda: rebuilt.append("A") or PageData("Stock"))
    cache.get(keys[2], lambda: rebuilt.append("C") or PageData("Stock"))
    assert rebuilt == ["A"]
