"""Signing in to the head-office pages: tokens, the session cookie, CSRF, sign-out, revocation
and expiry."""

from __future__ import annotations

from datetime import timedelta

from ordersync.contract import Role
from ordersync.web import wording
from ordersync.web.sessions import SESSION_COOKIE
from tests.support.ledger_api import Ledger
from tests.web.hq_browser import HqBrowser, parse


def test_a_page_without_a_session_sends_the_browser_to_sign_in(browser: HqBrowser) -> None:
    for path in ("/hq/", "/hq/stores/A", "/hq/stock", "/hq/touchpoints", "/hq/csv/network.csv"):
        reply = browser.get(path)
        assert reply.status_code == 303, path
        assert reply.headers["location"] == "/hq/sign-in"


def test_the_sign_in_form_has_the_token_field_and_button(browser: HqBrowser) -> None:
    form = browser.page("/hq/sign-in")
    assert {"sign-in", "sign-in-button", "token"} <= form.ids
    assert form.hidden["csrf_token"]


def test_an_admin_token_signs_in_and_opens_the_network_page(
    browser: HqBrowser, ledger: Ledger
) -> None:
    token = ledger.network.token("A", Role.ADMIN)
    reply = browser.sign_in(token)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/hq/"
    assert "network" in browser.page("/hq/").tables


def test_the_session_cookie_is_http_only_strict_and_holds_no_token(
    browser: HqBrowser, ledger: Ledger
) -> None:
    token = ledger.network.token("A", Role.MANAGER)
    reply = browser.sign_in(token)
    session = next(
        header
        for header in reply.headers.get_list("set-cookie")
        if header.startswith(SESSION_COOKIE + "=")
    )
    flags = [part.strip().lower() for part in session.split(";")]
    assert "httponly" in flags
    assert "samesite=strict" in flags
    assert "path=/hq" in flags
    assert token not in session
    assert token.split("_", 1)[1] not in session


def test_an_unknown_token_shows_the_form_again_with_an_error(browser: HqBrowser) -> None:
    reply = browser.sign_in("osk_not-a-real-token-at-all")
    assert reply.status_code == 401
    assert '<p class="error"' in reply.text
    assert wording.BAD_TOKEN in reply.text
    assert SESSION_COOKIE not in reply.headers.get("set-cookie", "")
    assert browser.get("/hq/").status_code == 303


def test_an_associate_token_does_not_open_the_pages(browser: HqBrowser, ledger: Ledger) -> None:
    reply = browser.sign_in(ledger.network.token("A", Role.ASSOCIATE))
    assert reply.status_code == 401
    assert wording.NOT_A_MANAGER in reply.text
    assert browser.get("/hq/").status_code == 303


def test_a_sign_in_without_its_csrf_token_is_refused(browser: HqBrowser, ledger: Ledger) -> None:
    reply = browser.sign_in(ledger.network.token("A", Role.ADMIN), csrf=False)
    assert reply.status_code == 403
    assert reply.headers["content-type"].startswith("text/html")
    assert browser.get("/hq/").status_code == 303


def test_sign_out_needs_the_csrf_token_then_ends_the_session(
    browser: HqBrowser, ledger: Ledger
) -> None:
    browser.signed_in(ledger.network.token("A", Role.ADMIN))
    csrf = browser.csrf_token()

    assert browser.sign_out(None).status_code == 403
    assert browser.sign_out("forged" + csrf).status_code == 403
    assert browser.get("/hq/").status_code == 200

    reply = browser.sign_out(csrf)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/hq/sign-in"
    assert browser.get("/hq/").status_code == 303


def test_a_revoked_token_ends_its_session_at_once(browser: HqBrowser, ledger: Ledger) -> None:
    created = ledger.send(
        "POST", "/v1/tokens", {"location": "B", "role": "manager", "device": "hq-laptop"}
    )
    assert created.status_code == 201, created.text
    browser.signed_in(created.json()["token"])
    assert browser.get("/hq/").status_code == 200

    revoked = ledger.send("DELETE", f"/v1/tokens/{created.json()['token_id']}")
    assert revoked.status_code == 204, revoked.text
    reply = browser.get("/hq/")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/hq/sign-in"


def test_a_session_ends_when_its_time_is_up(browser: HqBrowser, ledger: Ledger) -> None:
    browser.signed_in(ledger.network.token("A", Role.ADMIN))
    ledger.clock.advance(timedelta(hours=7, minutes=59))
    assert browser.get("/hq/").status_code == 200
    ledger.clock.advance(timedelta(minutes=1))
    assert browser.get("/hq/").status_code == 303


def test_a_tampered_session_cookie_is_not_accepted(browser: HqBrowser, ledger: Ledger) -> None:
    browser.signed_in(ledger.network.token("A", Role.ADMIN))
    cookie = browser.client.cookies[SESSION_COOKIE]
    payload, signature = cookie.split(".")
    browser.client.cookies.clear()
    browser.client.cookies.set(SESSION_COOKIE, payload + "x." + signature, path="/hq")
    assert browser.get("/hq/").status_code == 303


def test_the_pages_forbid_framing_and_foreign_scripts(browser: HqBrowser, ledger: Ledger) -> None:
    browser.signed_in(ledger.network.token("A", Role.ADMIN))
    reply = browser.get("/hq/")
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    page = parse(reply.text)
    assert page.hidden["csrf_token"]


def test_over_https_the_session_cookie_is_secure(browser: HqBrowser, ledger: Ledger) -> None:
    origin = "https://testserver"
    form = parse(browser.client.get(origin + "/hq/sign-in").text)
    reply = browser.client.post(
        origin + "/hq/sign-in",
        data={
            "token": ledger.network.token("A", Role.ADMIN),
            "csrf_token": form.hidden["csrf_token"],
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303
    session = next(
        header
        for header in reply.headers.get_list("set-cookie")
        if header.startswith(SESSION_COOKIE + "=")
    )
    assert "secure" in [part.strip().lower() for part in session.split(";")]


def test_a_sign_out_without_csrf_token_is_refused_even_without_a_session(
    browser: HqBrowser,
) -> None:
    reply = browser.sign_out(None)
    assert reply.status_code == 403
    assert wording.CSRF_REFUSED in reply.text
