"""A live ticket page: operator A has T-1's page open while operator B, in a browser of
their own, changes its status through the same page's form; A's page shows the new status
within 5 s without a reload. And the ticket page fits a phone."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.handlers.helpers.command import add, quietly
from tests.support.app_harness import OTHER_OPERATOR
from tests.web.browser.pages import DESKTOP, PHONE, fresh_page, sign_in, watch_errors
from tests.web.browser.served import ServedApp

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIVE_WITHIN_MS = 5_000


async def open_ticket(page: Page, served: ServedApp, user: str | None = None) -> str:
    """Sign `page` in (as `user`, else the harness's operator) and open T-1's page."""
    link = await served.sign_in_link(user) if user else await served.sign_in_link()
    await sign_in(page, link, served.url)
    url = f"{served.url}/tickets/T-1"
    await page.goto(url)
    await expect(page.get_by_test_id("field-status")).to_have_text("open")
    return url


async def test_a_change_in_another_browser_shows_without_a_reload(
    served: ServedApp, page: Page, browser: Browser
) -> None:
    async with quietly(served.harness) as tickets:
        await add(tickets, "Projector flickering", bay=4)
    errors = watch_errors(page)
    url = await open_ticket(page, served)
    # Survives only if A's page is never reloaded or left.
    await page.evaluate("() => { window.stillTheSamePage = true; }")

    async with fresh_page(browser, DESKTOP) as other:
        await open_ticket(other, served, OTHER_OPERATOR)
        form = other.get_by_test_id("action-status")
        await form.locator("select[name=status]").select_option("in_progress")
        await form.get_by_role("button").click()
        await expect(other.get_by_test_id("field-status")).to_have_text("in_progress")

    await expect(page.get_by_test_id("field-status")).to_have_text(
        "in_progress", timeout=LIVE_WITHIN_MS
    )
    await expect(page.get_by_test_id("timeline")).to_contain_text(OTHER_OPERATOR)
    assert await page.evaluate("() => window.stillTheSamePage") is True
    assert page.url == url
    # A's forms took the new version: A's next change is not refused as stale.
    note = page.get_by_test_id("action-note")
    await note.locator("textarea[name=text]").fill("Lamp ordered")
    await note.get_by_role("button").click()
    await expect(page.get_by_test_id("timeline")).to_contain_text("Lamp ordered")
    await expect(page.get_by_test_id("problem")).to_have_count(0)
    assert errors == []


async def test_the_ticket_page_fits_a_phone(served: ServedApp, browser: Browser) -> None:
    async with quietly(served.harness) as tickets:
        await add(tickets, "Projector flickering in the far corner of the bay", bay=4)
    async with fresh_page(browser, PHONE) as phone:
        errors = watch_errors(phone)
        await open_ticket(phone, served)
        widths = await phone.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"
        assert errors == []
