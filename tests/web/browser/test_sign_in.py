"""Signing in to the dashboard through the one-time link `/ticket web` gives an operator."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.app_harness import OPERATOR, STRANGER
from tests.web.browser.pages import (
    DESKTOP,
    assert_refused,
    fresh_page,
    open_link,
    press_sign_in,
    sign_in,
)
from tests.web.browser.served import ServedApp

pytestmark = pytest.mark.asyncio(loop_scope="session")

SLACK_LINK_PREVIEW_AGENT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


async def test_an_operator_signs_in_through_the_link_from_slack(
    served: ServedApp, page: Page
) -> None:
    link = await served.sign_in_link()

    await open_link(page, link)  # only the "Sign in" button
    await page.get_by_test_id("sign-in").click()

    await expect(page.get_by_test_id("board")).to_be_visible()
    assert page.url == f"{served.url}/"


async def test_the_same_link_is_refused_the_second_time(
    served: ServedApp, page: Page, browser: Browser
) -> None:
    link = await served.sign_in_link()
    await sign_in(page, link, served.url)

    async with fresh_page(browser, DESKTOP) as someone_else:
        await assert_refused(someone_else, await press_sign_in(someone_else, link))


async def test_slacks_link_preview_does_not_use_up_the_link(served: ServedApp, page: Page) -> None:
    link = await served.sign_in_link()

    async with httpx.AsyncClient(headers={"User-Agent": SLACK_LINK_PREVIEW_AGENT}) as slackbot:
        preview = await slackbot.get(link)
    assert preview.status_code == 200
    assert 'data-testid="sign-in"' in preview.text

    await sign_in(page, link, served.url)


async def test_a_signed_out_visitor_is_sent_to_the_signed_out_page(
    served: ServedApp, page: Page
) -> None:
    await page.goto(f"{served.url}/")

    assert page.url == f"{served.url}/signed-out"
    await expect(page.get_by_text("/ticket web").first).to_be_visible()
    await expect(page.get_by_test_id("board")).to_have_count(0)


async def test_an_expired_link_is_refused(served: ServedApp, page: Page) -> None:
    link = await served.link_issued_for(OPERATOR, ago=timedelta(minutes=11))

    await assert_refused(page, await press_sign_in(page, link))
    await expect(page.get_by_text("expired").first).to_be_visible()


async def test_signing_out_ends_the_session(served: ServedApp, page: Page) -> None:
    await sign_in(page, await served.sign_in_link(), served.url)

    await page.get_by_test_id("sign-out").click()

    await page.wait_for_url(f"{served.url}/signed-out")
    await page.goto(f"{served.url}/")
    assert page.url == f"{served.url}/signed-out"


async def test_a_link_issued_for_a_non_operator_is_refused(served: ServedApp, page: Page) -> None:
    link = await served.link_issued_for(STRANGER)

    await assert_refused(page, await press_sign_in(page, link))

    await page.goto(f"{served.url}/")  # and no session was set
    assert page.url == f"{served.url}/signed-out"
