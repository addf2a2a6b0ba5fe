"""A live board: a change made elsewhere (here through the use cases, as Slack makes it)
shows in an open board within 5 s, without a reload."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from bot.tickets.domain import Status
from tests.handlers.helpers.command import add, quietly
from tests.support.app_harness import OPERATOR
from tests.web.browser.pages import sign_in, watch_errors
from tests.web.browser.served import ServedApp

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIVE_WITHIN_MS = 5_000


async def test_a_change_made_elsewhere_shows_without_a_reload(
    served: ServedApp, page: Page
) -> None:
    async with quietly(served.harness) as tickets:
        ticket = await add(tickets, "Projector flickering", bay=4)
    errors = watch_errors(page)
    await sign_in(page, await served.sign_in_link(), served.url)
    card = page.get_by_test_id(f"ticket-{ticket.ticket_id}")
    await expect(page.get_by_test_id("column-open").locator(card)).to_be_visible()
    # Survives only if the page is never reloaded or left.
    await page.evaluate("() => { window.stillTheSamePage = true; }")

    await served.harness.runtime.operations.change_status(
        OPERATOR, ticket.ticket_id, Status.IN_PROGRESS
    )

    in_progress = page.get_by_test_id("column-in_progress")
    await expect(in_progress.locator(card)).to_be_visible(timeout=LIVE_WITHIN_MS)
    await expect(page.get_by_test_id("column-open").locator(card)).to_have_count(0)
    assert await page.evaluate("() => window.stillTheSamePage") is True
    assert errors == []
