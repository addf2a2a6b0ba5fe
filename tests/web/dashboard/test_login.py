"""Signing in to the dashboard with a `/ticket web` link, and out again: the link's GET
uses nothing up, its POST opens the session once, for operators only; sessions and pages
are guarded (cookie flags, CSRF, security headers)."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from pydantic import SecretStr

from tests.support.app_harness import OPERATOR, STRANGER
from tests.web.dashboard.support import Browser, csrf_of, open_browser, set_cookie
from web.dashboard import session
from web.dashboard.session import SECURITY_HEADERS, SESSION_SECONDS


async def test_get_of_a_link_shows_the_button_and_uses_nothing_up(browser: Browser) -> None:
    link = await browser.link()
    for _ in range(2):  # a link preview, then the person
        shown = await browser.http.get(link, headers={"User-Agent": "Slackbot-LinkExpanding"})
        assert shown.status_code == 200
        assert 'data-testid="sign-in"' in shown.text
        assert f'action="{link}"' in shown.text
        assert "clubos_session" not in shown.headers.get("set-cookie", "")
    signed_in = await browser.http.post(link)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/"


async def test_post_signs_in_and_shows_the_board(browser: Browser) -> None:
    answer = await browser.sign_in()
    cookie = set_cookie(answer)
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # PUBLIC_URL is http here
    assert "max-age=43200" in cookie  # 12 hours
    board = await browser.http.get("/")
    assert board.status_code == 200
    assert 'data-testid="board"' in board.text and OPERATOR in board.text


async def test_session_cookie_is_secure_behind_https(db_url: str) -> None:
    async with open_browser(db_url, public_url="https://tickets.example.com") as browser:
        assert "secure" in set_cookie(await browser.sign_in())
        assert (await browser.http.get("/")).status_code == 200


async def test_a_link_works_once(browser: Browser) -> None:
    link = await browser.link()
    assert (await browser.http.post(link)).status_code == 303
    browser.http.cookies.clear()
    again = await browser.http.post(link)
    assert again.status_code == 403
    assert "already been used" in again.text and "/ticket web" in again.text
    assert "clubos_session" not in again.headers.get("set-cookie", "")
    assert (await browser.http.get("/")).headers["location"] == "/signed-out"


async def test_a_forged_link_is_refused(browser: Browser) -> None:
    refused = await browser.http.post((await browser.link()) + "x")
    assert refused.status_code == 403
    assert "not valid" in refused.text and "/ticket web" in refused.text


async def test_a_non_operator_gets_no_session(browser: Browser) -> None:
    refused = await browser.sign_in(STRANGER)
    assert refused.status_code == 403
    assert "Only operators" in refused.text
    assert "clubos_session" not in refused.headers.get("set-cookie", "")
    assert (await browser.http.get("/")).status_code == 303


async def test_sign_out_needs_the_csrf_token(browser: Browser) -> None:
    await browser.sign_in()
    board = await browser.http.get("/")
    assert 'data-testid="sign-out"' in board.text
    for forged in ({}, {"csrf": "guess"}):
        refused = await browser.http.post("/logout", data=forged)
        assert refused.status_code == 403
        assert (await browser.http.get("/")).status_code == 200  # still signed in
    signed_out = await browser.http.post("/logout", data={"csrf": csrf_of(board.text)})
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/signed-out")
    assert (await browser.http.get("/")).headers["location"] == "/signed-out"


async def test_a_signed_out_visitor_is_sent_to_the_signed_out_page(browser: Browser) -> None:
    answer = await browser.http.get("/?status=open")
    assert (answer.status_code, answer.headers["location"]) == (303, "/signed-out")
    page = await browser.http.get("/signed-out")
    assert page.status_code == 200 and "/ticket web" in page.text


async def test_dashboard_pages_carry_the_security_headers(browser: Browser) -> None:
    pages = [
        await browser.http.get("/signed-out"),
        await browser.http.get(await browser.link()),
        await browser.http.get("/static/dashboard.css"),
        await browser.sign_in(),
        await browser.http.get("/"),
    ]
    for page in pages:
        for name, value in SECURITY_HEADERS.items():
            assert page.headers.get(name) == value, (page.url, name)
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]
    # Scripts only from files of our own (the module static/board.js): none inline, no
    # inline style.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", pages[-1].text, re.DOTALL)
    assert scripts == [(' type="module" src="/static/board.js"', "")]
    assert pages[-1].text.count("<script") == 1 and "style=" not in pages[-1].text


async def test_without_a_secret_sign_in_is_unavailable(db_url: str) -> None:
    async with open_browser(db_url, dashboard_secret=None) as browser:
        assert browser.runtime.sign_in is None
        for method in ("GET", "POST"):
            answer = await browser.http.request(method, "/login/anything")
            assert answer.status_code == 503
            assert "not set up" in answer.text


async def test_the_derived_secret_signs_links_too(db_url: str) -> None:
    settings = {"dashboard_secret": None, "slack_signing_secret": SecretStr("slack-secret")}
    async with open_browser(db_url, **settings) as browser:
        assert (await browser.sign_in()).status_code == 303
        assert (await browser.http.get("/")).status_code == 200


async def test_a_session_ends_after_12_hours(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However often the cookie is refreshed, the sign-in time decides."""
    await browser.sign_in()
    assert (await browser.http.get("/")).status_code == 200
    later = time.time() + SESSION_SECONDS + 1
    monkeypatch.setattr(session, "time", SimpleNamespace(time=lambda: later))
    assert (await browser.http.get("/")).headers["location"] == "/signed-out"
