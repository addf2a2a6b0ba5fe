"""The ticket page as its tests drive it: a customer conversation stored the way the relay
inbox stores it, and the page's forms posted with the page's own CSRF token and version."""

from __future__ import annotations

import re

import httpx

from bot.intake.relay_inbox import RelayInbox
from bot.tickets.domain import ThreadRef
from tests.support.app_harness import RELAY
from tests.web.dashboard.support import Browser, csrf_of

THREAD_TS = "1700000000.000100"
THREAD = ThreadRef(RELAY, THREAD_TS)


async def customer_conversation(browser: Browser, *texts: str) -> ThreadRef:
    """`texts` relayed into one thread of Bedford's relay channel, stored in the inbox."""
    inbox = RelayInbox(browser.runtime.database, browser.runtime.settings.club)
    for n, text in enumerate(texts):
        ts = f"1700000000.{100 + n:06d}"
        event = {
            "channel": RELAY,
            "ts": ts,
            "thread_ts": THREAD_TS,
            "text": text,
            "bot_id": "B0RELAY",
            "username": "Relay",
            "subtype": "bot_message",
        }
        await inbox.receive(event)
    return THREAD


async def ticket_page(browser: Browser, ticket_id: str, expected: int = 200) -> str:
    answer = await browser.http.get(f"/tickets/{ticket_id}")
    assert answer.status_code == expected, answer.text
    return answer.text


def version_of(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match is not None, "no version field on the page"
    return match.group(1)


async def post_change(
    browser: Browser, ticket_id: str, change: str, **fields: str
) -> httpx.Response:
    """Post one of the page's forms as a browser would: the token and the version shown."""
    page = await ticket_page(browser, ticket_id)
    form = {"csrf": csrf_of(page), "version": version_of(page), **fields}
    return await browser.http.post(f"/tickets/{ticket_id}/{change}", data=form)
