"""The ticket page: every field, the customer conversation with its Slack permalink, the
timeline, related tickets; signed-out visitors sent away, unknown tickets a 404 page."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Priority, Status
from bot.tickets.service import TicketService
from tests.support.app_harness import OPERATOR, RELAY
from tests.web.dashboard.support import Browser
from tests.web.dashboard.ticket_support import THREAD_TS, customer_conversation, ticket_page

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
async def signed_in(browser: Browser) -> Browser:
    assert (await browser.sign_in()).status_code == 303
    return browser


async def test_signed_out_visitors_are_sent_away(browser: Browser) -> None:
    await browser.add("Projector flickers")
    answer = await browser.http.get("/tickets/T-1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signed-out"


async def test_an_unknown_or_malformed_ticket_is_a_404_page(signed_in: Browser) -> None:
    assert "No ticket T-9." in await ticket_page(signed_in, "T-9", 404)
    await ticket_page(signed_in, "nonsense", 404)


async def test_every_field_is_shown(signed_in: Browser) -> None:
    await signed_in.add(
        "Projector flickers",
        description="Bay 3 projector blinks",
        priority=Priority.HIGH,
        bay=3,
        assignee=OPERATOR,
    )
    await signed_in.runtime.operations.change_status(
        OPERATOR, "T-1", Status.ON_HOLD, hold_reason="Waiting for a lamp"
    )
    page = await ticket_page(signed_in, "T-1")
    assert 'data-testid="ticket-page"' in page
    assert 'data-testid="field-status" class="status status-on_hold">on_hold<' in page
    shown = ("Projector flickers", "Bay 3 projector blinks", "high", "tech", "Bedford · Bay 3")
    for text in (*shown, OPERATOR, "Waiting for a lamp", "manual", "Response due"):
        assert text in page, text
    for hook in ("timeline", "conversation", "action-status", "action-assign", "action-note"):
        assert f'data-testid="{hook}"' in page, hook
    assert 'data-testid="action-learnable"' in page
    timeline = page[page.index('data-testid="timeline"') :]
    assert "created" in timeline and "status: open → on_hold" in timeline


async def test_the_customer_conversation_with_a_permalink_as_text(signed_in: Browser) -> None:
    thread = await customer_conversation(signed_in, "Bay 3 screen is black", SCRIPT)
    await signed_in.add("Screen black", thread=thread)
    page = await ticket_page(signed_in, "T-1")
    talk = page[page.index('data-testid="conversation"') :]
    assert "Bay 3 screen is black" in talk
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in talk
    assert SCRIPT not in page
    permalink = f"https://slack.com/archives/{RELAY}/p{THREAD_TS.replace('.', '')}"
    assert f'href="{permalink}"' in talk


async def test_parent_children_and_tickets_on_the_same_thread_are_links(
    signed_in: Browser,
) -> None:
    thread = await customer_conversation(signed_in, "Door stuck")
    await signed_in.add("Recurring: door", thread=thread)
    await signed_in.add("Door stuck again", thread=thread)
    await signed_in.add("Unrelated")
    async with signed_in.runtime.database.unit_of_work() as session:
        await TicketService(session).set_parent(2, 1, actor=OPERATOR)
    parent = await ticket_page(signed_in, "T-1")
    assert 'href="/tickets/T-2" data-testid="child"' in parent
    assert 'href="/tickets/T-2" data-testid="linked"' in parent
    assert "T-3" not in parent
    child = await ticket_page(signed_in, "T-2")
    assert 'href="/tickets/T-1" data-testid="parent"' in child
