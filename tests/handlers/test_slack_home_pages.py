"""The App Home's pages, Block Kit limits, escaping, and its New ticket button (for
operators only), end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk.models.views import View

from bot.tickets.domain import Category, Priority, TicketDraft
from slackui.ids import Action, ViewId
from standin import slack_requests as rq
from tests.handlers.helpers.home import (
    URGENCY,
    all_pages,
    choose,
    element,
    filters_of,
    has_element,
    import_records,
    listed,
    open_home,
    page_button,
    publish_after,
    seed,
    text_of,
    turn,
    urgent_then_oldest,
)
from tests.support.app_harness import OPERATOR, STRANGER, Harness


async def test_pages_cover_every_ticket_once_and_go_back(harness: Harness, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    await import_records(
        harness,
        tmp_path,
        [
            {
                "ticket_id": f"T-{n}",
                "title": f"imported {n}",
                "category": ["tech", "facilities"][n % 2],
                "priority": URGENCY[n % 4],
                "status": "open",
                "location": "Bedford",
                "timestamp": (now - timedelta(minutes=n)).isoformat(),
            }
            for n in range(1, 46)
        ],
    )
    expected = urgent_then_oldest(await harness.tickets())
    first = await open_home(harness, OPERATOR)
    assert len(listed(first)) == 20 and page_button(first, "Previous") is None
    assert "*45* open tickets match" in text_of(first)
    assert "showing 1-20" in text_of(first) and "page 1 of 3" in text_of(first)
    second = await turn(harness, OPERATOR, first, "Next")
    third = await turn(harness, OPERATOR, second, "Next")
    assert page_button(third, "Next") is None and "page 3 of 3" in text_of(third)
    pages = listed(first) + listed(second) + listed(third)
    assert pages == expected and len(set(pages)) == 45
    back = await turn(harness, OPERATOR, third, "Previous")
    assert listed(back) == listed(second)
    # A filter change goes back to the first page and keeps nothing of the old page.
    tech = await choose(harness, OPERATOR, back, "category", "tech")
    assert filters_of(tech)["page"] == 0
    assert await all_pages(harness, OPERATOR, tech) == urgent_then_oldest(
        [t for t in await harness.tickets() if t.category == Category.TECH]
    )


async def test_three_hundred_tickets_stay_within_block_kit_limits(
    harness: Harness, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    await import_records(
        harness,
        tmp_path,
        [
            {
                "ticket_id": f"T-{n}",
                "title": ("<!channel> " + "very long title " * 20)[:200],
                "category": "tech",
                "priority": URGENCY[n % 4],
                "status": ["open", "in_progress", "on_hold"][n % 3],
                "assigned_to": OPERATOR if n % 3 else None,
                "location": "Dartmouth",
                "bay": (n % 6) + 1,
                "timestamp": (now - timedelta(hours=n)).isoformat(),
            }
            for n in range(1, 301)
        ],
    )
    view = await open_home(harness, OPERATOR)  # checked(): valid, at most 100 blocks
    assert len(listed(view)) == 20
    assert "*300* open tickets match" in text_of(view) and "page 1 of 15" in text_of(view)
    # Every page shape: first (Next only), middle (both), last (Previous only); all the
    # pages are walked one by one in test_pages_cover_every_ticket_once_and_go_back.
    middle = await turn(harness, OPERATOR, view, "Next")
    assert page_button(middle, "Previous") and page_button(middle, "Next")
    jump = rq.button_action(Action.HOME_PAGE.value, "14", "home_page|next", "Next")
    last = await publish_after(harness, OPERATOR, rq.block_actions(OPERATOR, [jump], view=middle))
    assert page_button(last, "Next") is None and "page 15 of 15" in text_of(last)
    expected = urgent_then_oldest(await harness.tickets())
    assert listed(view) + listed(middle) + listed(last) == expected[:40] + expected[280:]


async def test_titles_and_locations_are_escaped(harness: Harness) -> None:
    await harness.runtime.operations.create(
        OPERATOR,
        TicketDraft(
            title="<!channel> projector <@U0OP2> & <https://evil.example|click>",
            category=Category.TECH,
            priority=Priority.HIGH,
            location="Bedford",
            bay=2,
        ),
    )
    await harness.settle()
    view = await open_home(harness, OPERATOR)
    text = text_of(view)
    assert "<!channel>" not in text and "<@U0OP2>" not in text and "<https://" not in text
    assert "&lt;!channel&gt; projector &lt;@U0OP2&gt; &amp; &lt;https://evil.example|click&gt;" in (
        text
    )
    [line] = [b for b in view["blocks"] if "projector" in json.dumps(b)]
    assert line["text"]["verbatim"] is True


async def test_new_ticket_opens_the_create_modal_for_an_operator(harness: Harness) -> None:
    view = await open_home(harness, OPERATOR)
    button = element(view, Action.HOME_NEW_TICKET)
    action = rq.button_action(Action.HOME_NEW_TICKET.value, button.get("value", ""), "home_filters")
    answer = await harness.post(rq.block_actions(OPERATOR, [action], view=view))
    assert answer.status_code == 200
    [call] = await harness.stub.wait_for("views.open")
    modal = call["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal
    View(**modal).validate_json()
    assert modal["callback_id"] == ViewId.TICKET_CREATE.value
    assert json.loads(modal["private_metadata"]) == {
        "channel": None,
        "thread_ts": None,
        "customer": None,
    }
    await harness.settle()
    assert harness.stub.count("views.publish") == 1  # the button re-publishes nothing


async def test_a_stranger_may_look_but_not_create(harness: Harness) -> None:
    tickets = await seed(harness, 6)
    view = await open_home(harness, STRANGER)
    assert listed(view) == urgent_then_oldest(tickets)  # read-only, the same open tickets
    assert not has_element(view, Action.HOME_NEW_TICKET)
    assert "Read-only" in text_of(view)
    # A New ticket click anyway (an old view, a crafted payload): a notice, nothing opens.
    action = rq.button_action(Action.HOME_NEW_TICKET.value, "new", "home_filters")
    answer = await harness.post(rq.block_actions(STRANGER, [action], view=view))
    assert answer.status_code == 200
    [call] = await harness.stub.wait_for("views.open")
    modal = call["view"]
    modal = json.loads(modal) if isinstance(modal, str) else modal
    View(**modal).validate_json()
    assert modal.get("callback_id") != ViewId.TICKET_CREATE.value
    assert "Not allowed" in json.dumps(modal)
    await harness.settle()
    assert len(await harness.tickets()) == 6
