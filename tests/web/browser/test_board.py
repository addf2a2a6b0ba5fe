"""The board in a browser: every column, user text kept as text, filters in the URL, a
phone-sized screen; and the screenshots in docs/screenshots (SAVE_SCREENSHOTS=1)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, Dialog, Locator, Page, expect

from bot.tickets.domain import Status
from tests.handlers.helpers.command import add, quietly
from tests.web.browser.board_tickets import seed_board
from tests.web.browser.pages import PHONE, fresh_page, save_screenshot, sign_in, watch_errors
from tests.web.browser.served import ServedApp

pytestmark = pytest.mark.asyncio(loop_scope="session")

SCRIPT_TITLE = "<script>alert(1)</script>"
WORKING_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD, Status.RESOLVED)


def card(page: Page, ticket_id: str) -> Locator:
    return page.get_by_test_id(f"ticket-{ticket_id}")


async def test_the_board_shows_each_ticket_in_its_status_column_without_errors(
    served: ServedApp, page: Page
) -> None:
    seeded = await seed_board(served.harness)
    errors = watch_errors(page)
    await sign_in(page, await served.sign_in_link(), served.url)

    for status in WORKING_STATUSES:
        column = page.get_by_test_id(f"column-{status.value}")
        ticket = seeded[status]
        await expect(column.get_by_test_id(f"ticket-{ticket.ticket_id}")).to_contain_text(
            ticket.title
        )
    assert errors == []
    await save_screenshot(page, "board.png")


async def test_a_script_in_a_title_shows_as_text(served: ServedApp, page: Page) -> None:
    async with quietly(served.harness) as tickets:
        ticket = await add(tickets, SCRIPT_TITLE)
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog))

    await sign_in(page, await served.sign_in_link(), served.url)

    await expect(card(page, ticket.ticket_id)).to_contain_text(SCRIPT_TITLE)
    scripts = await page.locator("script").evaluate_all(
        "scripts => scripts.filter(s => s.textContent.includes('alert(1)')).length"
    )
    assert scripts == 0
    assert dialogs == []


async def test_filtering_by_location_changes_the_url_and_the_cards(
    served: ServedApp, page: Page
) -> None:
    async with quietly(served.harness) as tickets:
        bedford = await add(tickets, "No balls in Bay 2", "Bedford")
        dartmouth = await add(tickets, "Projector flickering", "Dartmouth")
    await sign_in(page, await served.sign_in_link(), served.url)
    await expect(card(page, bedford.ticket_id)).to_be_visible()
    await expect(card(page, dartmouth.ticket_id)).to_be_visible()

    await choose_in_filters(page, "location", "Dartmouth")

    await page.wait_for_url(lambda url: filtered_on(url) == {"location": ["Dartmouth"]})
    await expect(card(page, dartmouth.ticket_id)).to_be_visible()
    await expect(card(page, bedford.ticket_id)).to_have_count(0)


def filtered_on(url: str) -> dict[str, list[str]]:
    """The filters a board URL carries (empty fields left out)."""
    return parse_qs(urlsplit(url).query)


async def choose_in_filters(page: Page, field: str, value: str) -> None:
    """Set one field of the filter form (a select or a text box) and submit the form the
    way a person does: its submit button, or Enter in a text box."""
    filters = page.get_by_test_id("filters")
    control = filters.locator(f"[name={field}]")
    if await control.evaluate("element => element.tagName") == "SELECT":
        await control.select_option(value)
    else:
        await control.fill(value)
    submit = filters.locator("button:not([type=button]):not([type=reset]), input[type=submit]")
    if await submit.count():
        await submit.first.click()
    else:
        await control.press("Enter")
    await page.wait_for_load_state()


async def test_on_a_phone_the_board_does_not_scroll_sideways(
    served: ServedApp, browser: Browser
) -> None:
    await seed_board(served.harness)
    async with fresh_page(browser, PHONE) as phone:
        await sign_in(phone, await served.sign_in_link(), served.url)

        widths = await phone.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1], f"scrollWidth {widths[0]} > innerWidth {widths[1]}"
        await save_screenshot(phone, "board-phone.png")
