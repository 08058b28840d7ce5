"""The head-office pages as a browser test reaches them: a real ``ordersync serve`` on the demo
network, the tokens a head-office admin and a store manager sign in with, and the few moves every
test makes (sign in, open a page, wait for it, fetch a link with the browser's session).

The element ids and classes used here are the pages' contract: ``form#sign-in`` with its
``token`` input, ``table#network`` with a ``tr[data-store]`` per store, ``a.csv-download``,
``.chart`` images or inline SVG, ``form#sign-out``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.ledger_server import LedgerServer

PAGE_SECONDS = 15.0
SESSION_COOKIE = "hq_session"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
"""Screenshots and other things to look at after a run; git ignores this directory."""


@dataclass(frozen=True)
class HqSite:
    """``ordersync serve`` over the demo network, and who may sign in to its pages."""

    server: LedgerServer
    admin_token: str
    manager_token: str
    manager_store: str
    """The one store the manager's token is bound to."""
    other_store: str
    """A store the manager may not see."""
    stores: frozenset[str]
    """Every store of the demo network (the warehouse is not a store)."""

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def url(self, path: str) -> str:
        return self.base_url + path


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, PAGE_SECONDS)


def element(driver: WebDriver, css: str) -> WebElement:
    """The first element matching ``css``, once the page shows it."""
    found: WebElement = wait(driver).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )
    return found


def open_page(driver: WebDriver, site: HqSite, path: str) -> None:
    driver.get(site.url(path))


def path_of(driver: WebDriver, site: HqSite) -> str:
    url = driver.current_url
    assert url.startswith(site.base_url), url
    return url.removeprefix(site.base_url).split("?")[0]


def wait_for_path(driver: WebDriver, site: HqSite, path: str) -> None:
    wait(driver).until(lambda d: path_of(d, site) == path)


def sign_in(driver: WebDriver, site: HqSite, token: str) -> None:
    """Fill in and send the sign-in form as a person would; returns on the network page."""
    open_page(driver, site, "/hq/sign-in")
    form = element(driver, "form#sign-in")
    form.find_element(By.CSS_SELECTOR, "input[name='token']").send_keys(token)
    form.find_element(By.CSS_SELECTOR, "#sign-in-button").click()
    wait_for_path(driver, site, "/hq/")
    element(driver, "table#network")


def sign_out(driver: WebDriver, site: HqSite) -> None:
    form = element(driver, "form#sign-out")
    form.find_element(By.CSS_SELECTOR, "button, input[type='submit']").click()
    wait_for_path(driver, site, "/hq/sign-in")


def network_rows(driver: WebDriver) -> dict[str, list[str]]:
    """The network table's rows by store code: the text of each cell as shown.

    Read in one script: the page refreshes the table in place, and element by element a
    refresh could land between two reads.
    """
    element(driver, "table#network")
    rows = driver.execute_script(
        """
        return Array.from(document.querySelectorAll('table#network tr[data-store]')).map(
            row => [row.dataset.store,
                    Array.from(row.querySelectorAll('td, th')).map(c => c.innerText.trim())]);
        """
    )
    return {str(store): [str(cell) for cell in cells] for store, cells in rows}


def fetch_as_browser(driver: WebDriver, site: HqSite, url: str) -> httpx.Response:
    """GET ``url`` with the browser's session cookie, without following redirects."""
    cookies = {
        cookie["name"]: cookie["value"]
        for cookie in driver.get_cookies()
        if cookie["name"] == SESSION_COOKIE
    }
    absolute = url if url.startswith("http") else site.url(url)
    return httpx.get(absolute, cookies=cookies, follow_redirects=False, timeout=PAGE_SECONDS)


def chart_rendered(driver: WebDriver, chart: WebElement) -> bool:
    """The chart was drawn: an image loaded with a size, or an SVG laid out with an area."""
    drawn = driver.execute_script(
        """
        const chart = arguments[0];
        if (chart.tagName.toLowerCase() === 'img') {
            return chart.complete && chart.naturalWidth > 0 && chart.naturalHeight > 0;
        }
        const box = chart.getBoundingClientRect();
        return box.width > 0 && box.height > 0;
        """,
        chart,
    )
    return bool(drawn)
