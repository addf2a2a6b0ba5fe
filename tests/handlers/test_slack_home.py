"""The App Home's Tickets tab, end to end: published on app_home_opened with counts and
the open tickets most urgent first, then oldest first; filters (kept in the Home view's
private_metadata) re-publish with exactly the matching tickets."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.tickets.domain import Category, Priority, Status, Ticket
from slackui.ids import Action
from standin import slack_requests as rq
from tests.handlers.helpers.home import (
    FILTER_ACTIONS,
    URGENCY,
    all_pages,
    choose,
    counts,
    element,
    filters_of,
    import_records,
    listed,
    open_home,
    page_button,
    publish_after,
    seed,
    text_of,
    urgent_then_oldest,
)
from tests.handlers.helpers.surfaces import JsonDict
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, STRANGER, Harness


async def test_opening_home_shows_counts_and_open_tickets_urgent_then_oldest(
    harness: Harness,
) -> None:
    tickets = await seed(harness)
    view = await open_home(harness, OPERATOR)
    await harness.settle()
    assert harness.stub.count("views.publish") == 1
    assert view["blocks"][0]["type"] == "header"
    assert view["blocks"][0]["text"]["text"] == "Tickets"

    by_status = {s: sum(t.status == s for t in tickets) for s in Status}
    assert by_status[Status.RESOLVED] == 3 and by_status[Status.ARCHIVED] == 2
    assert counts(view) == {
        "Open": by_status[Status.OPEN],
        "In progress": by_status[Status.IN_PROGRESS],
        "On hold": by_status[Status.ON_HOLD],
        "Resolved": by_status[Status.RESOLVED],
    }
    expected = urgent_then_oldest(tickets)
    assert len(expected) == 25
    assert listed(view) == expected[:20]
    assert await all_pages(harness, OPERATOR, view) == expected
    priorities = [next(t for t in tickets if t.ticket_id == i).priority for i in expected]
    assert priorities == sorted(priorities, key=lambda p: URGENCY.index(p.value))
    assert "*25* open tickets match" in text_of(view)
    # Each line names the ticket's facts.
    first = next(t for t in tickets if t.ticket_id == expected[0])
    line = next(b for b in view["blocks"] if first.ticket_id in json.dumps(b))["text"]
    assert line["verbatim"] is True
    for fact in (first.title, first.location, "Critical", "old"):
        assert fact in line["text"]


async def test_oldest_comes_first_within_a_priority_whatever_the_ids(
    harness: Harness, tmp_path: Path
) -> None:
    now = datetime.now(UTC)

    def record(ticket_id: str, days: int, priority: str) -> JsonDict:
        return {
            "ticket_id": ticket_id,
            "title": f"imported {ticket_id}",
            "category": "tech",
            "priority": priority,
            "status": "open",
            "location": "Bedford",
            "timestamp": (now - timedelta(days=days)).isoformat(),
        }

    await import_records(
        harness,
        tmp_path,
        [
            record("T-900", 1, "medium"),
            record("T-901", 5, "medium"),  # newer id, older ticket
            record("T-902", 9, "low"),
            record("T-903", 0, "critical"),
            record("T-899", 3, "medium"),
        ],
    )
    view = await open_home(harness, OPERATOR)
    assert listed(view) == ["T-903", "T-901", "T-899", "T-900", "T-902"]
    assert "5 d old" in text_of(view)


FILTER_CASES: list[tuple[str, str, Callable[[Ticket], bool]]] = [
    ("location", "Bedford", lambda t: t.location == "Bedford"),
    ("priority", "high", lambda t: t.priority == Priority.HIGH),
    ("category", "tech", lambda t: t.category == Category.TECH),
    ("assigned", "assigned", lambda t: t.assigned_to is not None),
    ("assigned", "unassigned", lambda t: t.assigned_to is None),
    ("assigned", "mine", lambda t: t.assigned_to == OTHER_OPERATOR),  # the viewer's own
]


async def test_filters_alone_and_combined_republish_exactly_the_matching_tickets(
    harness: Harness,
) -> None:
    tickets = await seed(harness)
    everything = urgent_then_oldest(tickets)
    for name, value, keep in FILTER_CASES:
        home = await open_home(harness, OTHER_OPERATOR)  # no view sent along: no filters
        assert filters_of(home)[name] in (None, "all")
        view = await choose(harness, OTHER_OPERATOR, home, name, value)
        expected = urgent_then_oldest([t for t in tickets if keep(t)])
        assert 0 < len(expected) < len(everything), (name, value)
        assert await all_pages(harness, OTHER_OPERATOR, view) == expected, (name, value)
        assert f"*{len(expected)}* open ticket" in text_of(view)
        assert filters_of(view)[name] == value
        assert element(view, FILTER_ACTIONS[name])["initial_option"]["value"] == value
        # Back to "all": every open ticket again.
        reset = "all" if name == "assigned" else "*"
        again = await choose(harness, OTHER_OPERATOR, view, name, reset)
        assert listed(again) == everything[:20], (name, value)
        assert f"*{len(everything)}* open tickets match" in text_of(again)
    # Filters are per user: "mine" is the viewer's own, and others' tabs are unaffected.
    mine = await choose(harness, OPERATOR, await open_home(harness, OPERATOR), "assigned", "mine")
    assert listed(mine) == urgent_then_oldest([t for t in tickets if t.assigned_to == OPERATOR])
    strangers = await choose(
        harness, STRANGER, await open_home(harness, STRANGER), "assigned", "mine"
    )
    assert listed(strangers) == [] and "No open tickets match" in text_of(strangers)
    await check_combined_filters(harness, tickets)


async def check_combined_filters(harness: Harness, tickets: list[Ticket]) -> None:
    """Filters combine, and each change keeps the others."""
    view = await open_home(harness, OPERATOR)
    view = await choose(harness, OPERATOR, view, "location", "Dartmouth")
    view = await choose(harness, OPERATOR, view, "category", "facilities")
    view = await choose(harness, OPERATOR, view, "assigned", "mine")
    expected = urgent_then_oldest(
        [
            t
            for t in tickets
            if t.location == "Dartmouth"
            and t.category == Category.FACILITIES
            and t.assigned_to == OPERATOR
        ]
    )
    assert expected
    assert listed(view) == expected
    assert filters_of(view) == {
        "location": "Dartmouth",
        "priority": None,
        "category": "facilities",
        "assigned": "mine",
        "page": 0,
    }
    for name, value in [
        ("location", "Dartmouth"),
        ("category", "facilities"),
        ("assigned", "mine"),
    ]:
        assert element(view, FILTER_ACTIONS[name])["initial_option"]["value"] == value
    # A fourth filter that nothing matches: the empty state, the filters still shown.
    present = {t.priority.value for t in tickets if t.ticket_id in expected}
    missing = next(p for p in URGENCY if p not in present)
    view = await choose(harness, OPERATOR, view, "priority", missing)
    assert listed(view) == []
    assert "No open tickets match" in text_of(view)
    assert filters_of(view)["location"] == "Dartmouth"
    # Reopening the tab keeps the filters (Slack sends the published view along).
    reopened = await publish_after(harness, OPERATOR, rq.app_home_opened(OPERATOR, view=view))
    assert filters_of(reopened) == filters_of(view)


async def test_unreadable_filters_and_pages_fall_back_to_all(harness: Harness) -> None:
    home = await open_home(harness, OPERATOR)
    garbled = {**home, "private_metadata": '{"page": true, "priority": "urgent", "location": 5'}
    view = await choose(harness, OPERATOR, garbled, "category", "tech")
    assert filters_of(view) == {
        "location": None,
        "priority": None,
        "category": "tech",
        "assigned": "all",
        "page": 0,
    }
    action = rq.button_action(Action.HOME_PAGE.value, "99", "home_page|next", "Next")
    far = await publish_after(harness, OPERATOR, rq.block_actions(OPERATOR, [action], view=view))
    assert filters_of(far) == filters_of(view)  # clamped to the pages there are


async def test_empty_home(harness: Harness) -> None:
    view = await open_home(harness, OPERATOR)
    assert listed(view) == []
    assert "No open tickets match" in text_of(view)
    assert counts(view) == {"Open": 0, "In progress": 0, "On hold": 0, "Resolved": 0}
    assert page_button(view, "Next") is None and page_button(view, "Previous") is None


async def test_the_messages_tab_publishes_nothing(harness: Harness) -> None:
    answer = await harness.post(rq.app_home_opened(OPERATOR, tab="messages"))
    assert answer.status_code == 200
    await harness.settle()
    await harness.stub.assert_no_call("views.publish")
