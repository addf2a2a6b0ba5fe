"""The ticket page in a browser: open a ticket, change its status, and the Slack card is
updated in place (the stub receives chat.update); a `<script>` a customer sent stays
text; and the screenshot in docs/screenshots (SAVE_SCREENSHOTS=1)."""

from __future__ import annotations

import pytest
from playwright.async_api import Dialog, Page, expect

from bot.intake.relay_inbox import RelayInbox
from bot.tickets.domain import Category, Priority, ThreadRef, Ticket, TicketDraft
from tests.support.app_harness import OPERATOR, RELAY
from tests.web.browser.pages import save_screenshot, sign_in, watch_errors
from tests.web.browser.served import ServedApp

pytestmark = pytest.mark.asyncio(loop_scope="session")

SCRIPT = "<script>alert(1)</script>"
THREAD = ThreadRef(RELAY, "1700000000.000100")
CUSTOMER_SAYS = ("Hi, the screen in bay 3 went black mid-round", SCRIPT)


async def ticket_with_conversation(served: ServedApp) -> tuple[Ticket, str]:
    """A ticket an operator opened from a customer's thread, and the ts of its card."""
    runtime = served.harness.runtime
    inbox = RelayInbox(runtime.database, runtime.settings.club)
    for n, text in enumerate(CUSTOMER_SAYS):
        ts = f"1700000000.{100 + n:06d}"
        event = {"channel": RELAY, "ts": ts, "thread_ts": THREAD.thread_ts, "text": text}
        await inbox.receive({**event, "bot_id": "B0RELAY", "username": "Relay"})
    draft = TicketDraft(
        title="Bay 3 screen black",
        description="The projector shows nothing since the morning.",
        category=Category.TECH,
        priority=Priority.HIGH,
        location="Bedford",
        bay=3,
        thread=THREAD,
    )
    ticket = await runtime.operations.create(OPERATOR, draft)
    posted = await served.harness.stub.wait_for("chat.postMessage")
    assert posted[0].response is not None
    return ticket, str(posted[0].response["ts"])


async def test_changing_the_status_updates_the_slack_card(served: ServedApp, page: Page) -> None:
    ticket, card_ts = await ticket_with_conversation(served)
    errors = watch_errors(page)
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog))
    await sign_in(page, await served.sign_in_link(), served.url)
    await page.goto(f"{served.url}/tickets/{ticket.ticket_id}")

    conversation = page.get_by_test_id("conversation")
    for text in CUSTOMER_SAYS:
        await expect(conversation).to_contain_text(text)
    assert dialogs == []
    await save_screenshot(page, "ticket.png")

    form = page.get_by_test_id("action-status")
    await form.locator("select[name=status]").select_option("in_progress")
    await form.get_by_role("button").click()
    await expect(page.get_by_test_id("field-status")).to_have_text("in_progress")
    assert page.url == f"{served.url}/tickets/{ticket.ticket_id}"
    await served.harness.stub.wait_for("chat.update", predicate=lambda c: c.body["ts"] == card_ts)
    await expect(page.get_by_test_id("timeline")).to_contain_text("in_progress")
    assert errors == []
