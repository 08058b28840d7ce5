"""The head-office pages in headless Chromium, against ``ordersync serve`` on the demo network:
signing in and out, the network at a glance, a store's page, a CSV download, a chart drawn on
screen, and what a store manager may and may not see."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.browser.chrome import wait_for_download
from tests.browser.hq_site import (
    HqSite,
    chart_rendered,
    element,
    fetch_as_browser,
    network_rows,
    open_page,
    path_of,
    sign_in,
    sign_out,
    wait,
    wait_for_path,
)

pytestmark = pytest.mark.e2e


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_sign_in_page(
    browser: WebDriver, hq_site: HqSite
) -> None:
    for path in ("/hq/", f"/hq/stores/{hq_site.manager_store}", "/hq/touchpoints", "/hq/stock"):
        open_page(browser, hq_site, path)
        assert path_of(browser, hq_site) == "/hq/sign-in", path
        element(browser, "form#sign-in")


def test_a_wrong_token_shows_the_form_again_with_an_error(
    browser: WebDriver, hq_site: HqSite
) -> None:
    open_page(browser, hq_site, "/hq/sign-in")
    form = element(browser, "form#sign-in")
    form.find_element(By.CSS_SELECTOR, "input[name='token']").send_keys("not-a-token")
    form.find_element(By.CSS_SELECTOR, "#sign-in-button").click()

    assert element(browser, "p.error").text.strip()
    element(browser, "form#sign-in")
    assert fetch_as_browser(browser, hq_site, "/hq/").status_code == 303


def test_head_office_signs_in_and_sees_every_store_of_the_network(
    browser: WebDriver, hq_site: HqSite
) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)

    rows = network_rows(browser)
    assert hq_site.stores <= set(rows), sorted(hq_site.stores - set(rows))
    links = {
        str(link.get_attribute("href")).removeprefix(hq_site.base_url)
        for link in browser.find_elements(By.CSS_SELECTOR, "table#network a.store-link")
    }
    assert {f"/hq/stores/{code}" for code in hq_site.stores} <= links
    assert element(browser, "#refreshed-at").text.strip()


def test_the_network_page_refreshes_itself(browser: WebDriver, hq_site: HqSite) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)
    # Time runs fast for the page's timers, so its refresh comes within the test's patience.
    fast_timers = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "const every = window.setInterval;"
            "window.setInterval = (work, ms, ...rest) => every(work, Math.min(ms, 200), ...rest);"
        },
    )
    try:
        open_page(browser, hq_site, "/hq/")
        first = element(browser, "#refreshed-at").get_attribute("data-time")

        wait(browser).until(
            lambda d: (
                d.execute_script("return document.getElementById('refreshed-at').dataset.time")
                != first
            )
        )
    finally:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": fast_timers["identifier"]}
        )
    assert set(network_rows(browser)) >= hq_site.stores


def test_the_session_cookie_cannot_be_read_by_the_page(browser: WebDriver, hq_site: HqSite) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)

    session = next(c for c in browser.get_cookies() if c["name"] == "hq_session")
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert "hq_session" not in browser.execute_script("return document.cookie")


def test_a_store_link_opens_that_store_s_page(browser: WebDriver, hq_site: HqSite) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)
    store = hq_site.other_store

    element(browser, f"tr[data-store='{store}'] a.store-link").click()

    wait_for_path(browser, hq_site, f"/hq/stores/{store}")
    assert store in element(browser, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, "table")


def test_the_network_table_downloads_as_the_csv_of_the_rows_on_screen(
    browser: WebDriver, hq_site: HqSite, downloads: Path
) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)
    on_screen = network_rows(browser)
    link = element(browser, ".table-block:has(table#network) a.csv-download")
    reply = fetch_as_browser(browser, hq_site, str(link.get_attribute("href")))
    before = set(downloads.iterdir())

    link.click()

    saved = wait_for_download(downloads, before)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert reply.headers["content-disposition"].startswith("attachment")
    assert saved.name in reply.headers["content-disposition"]
    header, *rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(header) == len(next(iter(on_screen.values())))
    assert {row[0]: row for row in rows} == on_screen


def test_the_touchpoint_charts_are_drawn_on_screen(browser: WebDriver, hq_site: HqSite) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)
    open_page(browser, hq_site, "/hq/touchpoints")

    element(browser, ".chart")
    charts = browser.find_elements(By.CSS_SELECTOR, "img.chart, svg.chart")
    assert charts, "no chart on the touchpoints page"
    wait(browser).until(lambda d: all(chart_rendered(d, chart) for chart in charts))
    for chart in browser.find_elements(By.CSS_SELECTOR, "img.chart"):
        source = str(chart.get_attribute("src"))
        assert source.startswith((hq_site.base_url, "data:")), f"a chart from elsewhere: {source}"


def test_signing_out_ends_the_session(browser: WebDriver, hq_site: HqSite) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)
    before = fetch_as_browser(browser, hq_site, "/hq/")

    sign_out(browser, hq_site)

    assert before.status_code == 200
    open_page(browser, hq_site, "/hq/")
    assert path_of(browser, hq_site) == "/hq/sign-in"


def test_signing_out_without_the_form_s_csrf_token_is_refused(
    browser: WebDriver, hq_site: HqSite
) -> None:
    sign_in(browser, hq_site, hq_site.admin_token)
    cookie = next(c for c in browser.get_cookies() if c["name"] == "hq_session")

    forged = httpx.post(
        hq_site.url("/hq/sign-out"),
        cookies={"hq_session": cookie["value"]},
        data={"csrf_token": "forged"},
        follow_redirects=False,
    )

    assert forged.status_code == 403
    assert fetch_as_browser(browser, hq_site, "/hq/").status_code == 200


def test_a_store_manager_sees_only_their_own_store(browser: WebDriver, hq_site: HqSite) -> None:
    sign_in(browser, hq_site, hq_site.manager_token)

    assert set(network_rows(browser)) == {hq_site.manager_store}
    open_page(browser, hq_site, f"/hq/stores/{hq_site.manager_store}")
    assert hq_site.manager_store in element(browser, "h1").text


def test_a_store_manager_cannot_open_another_store_s_page(
    browser: WebDriver, hq_site: HqSite
) -> None:
    sign_in(browser, hq_site, hq_site.manager_token)
    other = f"/hq/stores/{hq_site.other_store}"

    open_page(browser, hq_site, other)
    refused = fetch_as_browser(browser, hq_site, other)

    assert path_of(browser, hq_site) == other
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    shown = element(browser, "body").text
    assert shown.strip()
    assert "Traceback" not in shown
    assert not browser.find_elements(By.CSS_SELECTOR, "table")
