"""Screenshots of the main head-office pages as head office sees them, kept after the run in
``test-artifacts/screenshots/`` (not in git) for a person to look at: what a test cannot judge
(layout, legibility, charts that make sense) is judged there. The network page's picture is
the README's: the day's open work is put on the demo network first (``open_work``)."""

from __future__ import annotations

import struct

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver

from tests.browser.chrome import WINDOW, save_full_page
from tests.browser.hq_site import (
    ARTIFACTS,
    HqSite,
    element,
    network_rows,
    open_page,
    path_of,
    sign_in,
)
from tests.browser.open_work import COLLECTING, SHORT_PICKING, TERMINAL_STORE, open_the_day

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "screenshots"
OPEN_JOBS, REFUSED, SUSPECT = 2, 6, 7
"""Columns of the network table's rows (the store code first)."""


@pytest.fixture(scope="module")
def open_day(hq_site: HqSite) -> None:
    open_the_day(hq_site)


def test_the_network_page_shows_the_days_open_work(
    browser: WebDriver, hq_site: HqSite, open_day: None
) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)

    rows = network_rows(browser)

    # routing chooses where each order is worked on (a store, or the warehouse for some)
    assert sum(int(row[OPEN_JOBS]) for row in rows.values()) >= len(COLLECTING) // 2, rows
    assert int(rows[SHORT_PICKING][OPEN_JOBS]) >= 1, rows[SHORT_PICKING]
    assert int(rows[SHORT_PICKING][SUSPECT]) >= 1, rows[SHORT_PICKING]
    assert int(rows[TERMINAL_STORE][REFUSED]) >= 1, rows[TERMINAL_STORE]


@pytest.mark.parametrize(
    ("name", "path", "landmark"),
    [
        ("network", "/hq/", "table#network"),
        ("store", "/hq/stores/{store}", "h1"),
        ("touchpoints", "/hq/touchpoints", ".chart"),
        ("stock", "/hq/stock", "table"),
    ],
)
def test_a_screenshot_of_each_main_page(
    browser: WebDriver, hq_site: HqSite, open_day: None, name: str, path: str, landmark: str
) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)
    page = path.format(store=SHORT_PICKING)  # a store with open work and a suspect position
    open_page(browser, hq_site, page)
    element(browser, landmark)
    assert path_of(browser, hq_site) == page

    saved = save_full_page(browser, SCREENSHOTS / f"hq-{name}.png")

    png = saved.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    assert width == WINDOW[0], width
    assert height >= WINDOW[1], height  # the whole page, at least a window of it


def test_a_screenshot_of_the_page_a_store_manager_is_refused(
    browser: WebDriver, hq_site: HqSite
) -> None:
    sign_in(browser, hq_site, hq_site.manager_token)
    open_page(browser, hq_site, f"/hq/stores/{hq_site.other_store}")
    element(browser, "h1")

    saved = save_full_page(browser, SCREENSHOTS / "hq-store-refused.png")

    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
