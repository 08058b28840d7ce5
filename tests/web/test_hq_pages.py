"""The head-office pages as an admin and as a store manager see them: the network table, a
store's page, the report pages, their CSV downloads, their charts, and the error pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import text

from ordersync.contract import Role
from ordersync.web import wording
from tests.support.ledger_api import Ledger
from tests.web.hq_browser import HqBrowser, PageParser, parse
from tests.web.hq_scene import heartbeat


@pytest.fixture
def admin(browser: HqBrowser, ledger: Ledger) -> HqBrowser:
    return browser.signed_in(ledger.network.token("A", Role.ADMIN))


@pytest.fixture
def manager_of_b(browser: HqBrowser, ledger: Ledger) -> HqBrowser:
    return browser.signed_in(ledger.network.token("B", Role.MANAGER))


def network_rows(page: PageParser) -> dict[str, dict[str, str]]:
    table = page.tables["network"]
    headings = table.rows[0]
    return {
        str(store): dict(zip(headings, row, strict=True))
        for store, row in zip(table.stores[1:], table.rows[1:], strict=True)
    }


def test_the_admin_sees_every_store_with_its_open_work(admin: HqBrowser) -> None:
    page = admin.page("/hq/")
    rows = network_rows(page)
    assert set(rows) == {"A", "B"}  # stores only: the warehouse is no store
    headings = wording.NETWORK_HEADINGS
    assert rows["A"][headings[2]] == "1"  # the web order's job
    assert rows["A"][headings[5]] == "0"  # the terminal reported just now
    assert rows["A"][headings[6]] == "2"
    assert rows["B"][headings[2]] == "0"
    assert ("store-link", "/hq/stores/A") in page.links
    assert "refreshed-at" in page.ids


def test_a_terminal_silent_for_a_quarter_of_an_hour_counts_as_offline(
    admin: HqBrowser, ledger: Ledger
) -> None:
    ledger.clock.advance(timedelta(minutes=15))
    try:
        rows = network_rows(admin.page("/hq/"))
        assert rows["A"][wording.NETWORK_HEADINGS[5]] == "1"
        terminals = admin.page("/hq/stores/A").tables["terminals"]
        assert terminals.rows[1][4] == "yes"
    finally:
        heartbeat(ledger)  # seen again: the other tests find the terminal online


def test_the_network_table_refreshes_from_its_fragment(admin: HqBrowser) -> None:
    fragment = admin.page("/hq/network/table")
    assert "refreshed-at" in fragment.ids
    assert set(network_rows(fragment)) == {"A", "B"}


def test_a_store_manager_sees_only_their_store(manager_of_b: HqBrowser) -> None:
    assert set(network_rows(manager_of_b.page("/hq/"))) == {"B"}
    own = manager_of_b.get("/hq/stores/B")
    assert own.status_code == 200
    assert "<h1>Store B" in own.text


@pytest.mark.parametrize(
    "path", ["/hq/stores/A", "/hq/stores/A/csv/queue.csv", "/hq/stores/WH/csv/terminals.csv"]
)
def test_another_store_is_a_readable_403_for_a_store_manager(
    manager_of_b: HqBrowser, path: str
) -> None:
    reply = manager_of_b.get(path)
    assert reply.status_code == 403
    assert reply.headers["content-type"].startswith("text/html")
    assert "B only" in reply.text
    assert "Traceback" not in reply.text


@pytest.mark.parametrize(
    ("location", "role", "path", "status"),
    [
        ("B", Role.MANAGER, "/hq/stores/A", 403),
        ("A", Role.ADMIN, "/hq/stores/NOPE", 404),
        ("A", Role.ADMIN, "/hq/elsewhere", 404),
    ],
)
def test_an_error_page_keeps_the_navigation_and_sign_out_of_a_signed_in_person(
    browser: HqBrowser, ledger: Ledger, location: str, role: Role, path: str, status: int
) -> None:
    browser.signed_in(ledger.network.token(location, role))

    reply = browser.get(path)
    page = parse(reply.text)

    assert reply.status_code == status
    assert {"sign-out", "sign-out-button"} <= page.ids
    assert page.hidden["csrf_token"]
    assert {href for _, href in page.links} >= {href for href, _ in wording.NAV}


def test_an_error_page_of_nobody_signed_in_has_no_navigation(browser: HqBrowser) -> None:
    reply = browser.get("/hq/elsewhere")

    assert reply.status_code == 404
    assert "sign-out" not in parse(reply.text).ids


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/hq/stores/NOPE", 404),
        ("/hq/stores/a%20b", 404),
        ("/hq/stores/A/csv/nothing.csv", 404),
        ("/hq/stock/charts/nothing.svg", 404),
        ("/hq/elsewhere", 404),
        ("/hq/static/secret.py", 404),
    ],
)
def test_bad_addresses_answer_readable_pages(admin: HqBrowser, path: str, status: int) -> None:
    reply = admin.get(path)
    assert reply.status_code == status
    assert reply.headers["content-type"].startswith("text/html")
    assert "<h1>" in reply.text


def test_the_store_page_shows_its_queue_and_terminals(admin: HqBrowser) -> None:
    page = admin.page("/hq/stores/A")
    assert len(page.tables["queue"].rows) == 2  # heading + the web order's job
    assert page.tables["terminals"].rows[1][0] == "test-device"
    assert page.tables["terminals"].rows[1][6] == "2"
    downloads = {href for kind, href in page.links if kind == "csv-download"}
    assert downloads == {f"/hq/stores/A/csv/{table}.csv" for table in page.tables}


def _csv_rows(browser: HqBrowser, href: str) -> list[list[str]]:
    reply = browser.get(href)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert reply.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(reply.text)))


@pytest.mark.parametrize("path", ["/hq/", "/hq/stores/A", "/hq/stock", "/hq/touchpoints"])
def test_every_csv_download_holds_the_rows_of_its_table(admin: HqBrowser, path: str) -> None:
    page = admin.page(path)
    downloads = [href for kind, href in page.links if kind == "csv-download"]
    assert len(downloads) == len(page.tables)
    for href in downloads:
        table_id = href.rsplit("/", 1)[1].removesuffix(".csv")
        assert _csv_rows(admin, href) == page.tables[table_id].rows, href


def test_report_pages_show_their_charts_as_svg_drawn_here(admin: HqBrowser) -> None:
    for path in ("/hq/stock", "/hq/touchpoints"):
        charts = [image for image in admin.page(path).images if image.get("class") == "chart"]
        assert charts, path
        for chart in charts:
            assert chart["src"].startswith(path + "/charts/")
            reply = admin.get(chart["src"])
            assert reply.status_code == 200
            assert reply.headers["content-type"] == "image/svg+xml"
            assert "<svg" in reply.text
            assert 'href="http' not in reply.text  # nothing fetched from elsewhere


def test_the_same_figures_draw_the_same_chart_once(admin: HqBrowser) -> None:
    first = admin.get("/hq/touchpoints/charts/jobs.svg")
    again = admin.get("/hq/touchpoints/charts/jobs.svg")
    assert first.content == again.content


def test_the_stylesheet_and_script_are_served_locally(admin: HqBrowser) -> None:
    page = parse(admin.get("/hq/").text)
    assert "refreshed-at" in page.ids
    for name, media in (("hq.css", "text/css"), ("hq.js", "text/javascript")):
        reply = admin.get(f"/hq/static/{name}")
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith(media)


def test_the_touchpoint_figures_are_those_of_the_api(admin: HqBrowser, ledger: Ledger) -> None:
    reply = ledger.send("GET", "/v1/reports/touchpoint-sales")
    assert reply.status_code == 200, reply.text
    api_units = {total["touchpoint"]: str(total["units"]) for total in reply.json()["totals"]}
    table = admin.page("/hq/touchpoints").tables["touchpoint-sales"]
    page_units = {row[0]: row[1] for row in table.rows[1:]}
    assert page_units[wording.TOUCHPOINT_LABELS["web_from_store"]] == "1"  # yesterday's parcel
    assert page_units == {
        wording.TOUCHPOINT_LABELS[touchpoint]: units for touchpoint, units in api_units.items()
    }


def test_offers_waiting_for_a_claim_count_for_each_store_offered(
    admin: HqBrowser, ledger: Ledger
) -> None:
    offers = {
        "open": "00000000-0000-7000-8000-0000000000a1",
        "claimed": "00000000-0000-7000-8000-0000000000a2",
    }
    with ledger.network.engine.begin() as connection:
        for state, offer_id in offers.items():
            connection.execute(
                text(
                    "INSERT INTO offers (id, order_id, round, state, lines, created_at, "
                    "expires_at) VALUES (:id, :id, 1, :state, '[]', :now, :now)"
                ),
                {"id": offer_id, "state": state, "now": ledger.clock.now().replace(tzinfo=None)},
            )
            for rank, store in enumerate(("A", "B"), start=1):
                connection.execute(
                    text(
                        "INSERT INTO offer_locations (offer_id, location, rank, state) "
                        "VALUES (:id, :store, :rank, :state)"
                    ),
                    {"id": offer_id, "store": store, "rank": rank, "state": state},
                )
    try:
        rows = network_rows(admin.page("/hq/"))
        assert rows["A"][wording.NETWORK_HEADINGS[4]] == "1"
        assert rows["B"][wording.NETWORK_HEADINGS[4]] == "1"
    finally:
        with ledger.network.engine.begin() as connection:
            for offer_id in offers.values():
                connection.execute(
                    text("DELETE FROM offer_locations WHERE offer_id = :id"), {"id": offer_id}
                )
                connection.execute(text("DELETE FROM offers WHERE id = :id"), {"id": offer_id})


def test_each_store_row_counts_what_its_managers_day_shows(
    admin: HqBrowser, ledger: Ledger
) -> None:
    past_due = (ledger.clock.now() - timedelta(hours=1)).replace(tzinfo=None)
    with ledger.network.engine.begin() as connection:
        saved_due = connection.execute(
            text("SELECT id, due_at FROM jobs WHERE location = 'A' AND state = 'assigned'")
        ).all()
        connection.execute(
            text("UPDATE jobs SET due_at = :due WHERE location = 'A' AND state = 'assigned'"),
            {"due": past_due},
        )
        connection.execute(
            text("UPDATE positions SET suspect = :yes WHERE location = 'A'"), {"yes": True}
        )
    try:
        rows = network_rows(admin.page("/hq/"))
        for store in ("A", "B"):
            reply = ledger.client.get(
                f"/v1/locations/{store}/day", headers=ledger.headers(store, Role.ADMIN)
            )
            assert reply.status_code == 200, reply.text
            day = reply.json()
            figures = [rows[store][heading] for heading in wording.NETWORK_HEADINGS[2:4]]
            assert figures == [str(len(day["open_jobs"])), str(day["late_jobs"])]
            assert rows[store][wording.NETWORK_HEADINGS[7]] == str(day["suspect_positions"])
        assert rows["A"][wording.NETWORK_HEADINGS[3]] == "1"
        assert rows["A"][wording.NETWORK_HEADINGS[7]] != "0"
        assert rows["B"][wording.NETWORK_HEADINGS[7]] == "0"
    finally:
        with ledger.network.engine.begin() as connection:
            connection.execute(
                text("UPDATE positions SET suspect = :no WHERE location = 'A'"), {"no": False}
            )
            for job_id, due in saved_due:
                connection.execute(
                    text("UPDATE jobs SET due_at = :due WHERE id = :id"), {"due": due, "id": job_id}
                )
