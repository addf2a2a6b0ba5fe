"""What a person does in the browser (open a sign-in link, press "Sign in"), and the
screenshots for the docs."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from playwright.async_api import Browser, ConsoleMessage, Page, Response, ViewportSize, expect

from tests.support.paths import REPO

DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
# Fail within seconds, not Playwright's 30 s: everything here is local.
TIMEOUT_MS = 10_000
SCREENSHOTS = REPO / "docs" / "screenshots"


@contextlib.asynccontextmanager
async def fresh_page(browser: Browser, viewport: ViewportSize) -> AsyncIterator[Page]:
    """A page in a new context: a visitor with no cookies."""
    context = await browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def open_link(page: Page, link: str) -> None:
    """Open a sign-in link: the page shows the "Sign in" button and nothing else to press."""
    response = await page.goto(link)
    assert response is not None and response.status == 200, response
    await expect(page.get_by_test_id("sign-in")).to_be_visible()
    await expect(page.get_by_role("button")).to_have_count(1)
    await expect(page.get_by_test_id("board")).to_have_count(0)


async def press_sign_in(page: Page, link: str) -> Response:
    """Open the link and press "Sign in"; the answer to the button's POST."""
    await open_link(page, link)
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_test_id("sign-in").click()
    response: Response = await posted.value
    await page.wait_for_load_state()
    return response


async def sign_in(page: Page, link: str, public_url: str) -> None:
    """Sign in through the link and land on the board."""
    await press_sign_in(page, link)
    await expect(page.get_by_test_id("board")).to_be_visible()
    assert page.url == f"{public_url}/", page.url


async def assert_refused(page: Page, response: Response) -> None:
    """A refused link: 403, a page saying how to get a new one, and no board."""
    assert response.status == 403, response.status
    await expect(page.get_by_text("/ticket web").first).to_be_visible()
    await expect(page.get_by_test_id("board")).to_have_count(0)


def watch_errors(page: Page) -> list[str]:
    """The page's script errors and console errors from now on (a Content-Security-Policy
    violation, a missing stylesheet or script, shows as one)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({message.location['url']})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


async def save_screenshot(page: Page, name: str) -> None:
    """docs/screenshots/<name>, only when SAVE_SCREENSHOTS=1 (normal runs leave the tree
    as it was)."""
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / name, full_page=True)
