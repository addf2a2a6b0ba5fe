"""The App Home's Tickets tab, end to end: published on app_home_opened with counts and
the open tickets most urgent first, then oldest first; filters (kept in the Home view's
private_metadata) re-publish with exactly the matching tickets; pages; the New ticket
button; escaping; Block Kit limits."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.tickets.domain import Category, Priority, Status, Ticket, TicketDraft
from bot.tickets.transfer import import_tickets
from slackui.ids import Action, ViewId
from tests.support import slack_requests as rq
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, STRANGER, Harness

JsonDict = dict[str, Any]

URGENCY = ["critical", "high", "medium", "low"]
OPEN_STATUSES = {Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD}
TICKET_ID = re.compile(r"\*(T-\d+)\*")
FILTER_ACTIONS = {
    "location": Action.HOME_FILTER_LOCATION,
    "priority": Action.HOME_FILTER_PRIORITY,
    "category": Action.HOME_FILTER_CATEGORY,
    "assigned": Action.HOME_FILTER_ASSIGNED,
}


# --------------------------------------------------------------------------- seeding


async def seed(h: Harness, count: int = 30) -> list[Ticket]:
    """`count` tickets of varied location/priority/category/assignment, made by an
    operator, then some started, put on hold, resolved and archived."""
    ops = h.runtime.operations
    assignees = [None, OPERATOR, OTHER_OPERATOR]
    made = []
    for i in range(count):
        made.append(
            await ops.create(
                OPERATOR,
                TicketDraft(
                    title=f"Problem number {i}",
                    category=[Category.FACILITIES, Category.TECH][(i // 2) % 2],
                    priority=list(Priority)[(i * 3) % 4],
                    location=["Bedford", "Dartmouth"][i % 2],
                    bay=(i % 4) + 1 if i % 5 else None,
                    assignee=assignees[i % 3],
                ),
            )
        )
    for t in made[0:4]:
        await ops.change_status(OPERATOR, t.ticket_id, Status.IN_PROGRESS)
    for t in made[4:7]:
        await ops.change_status(OPERATOR, t.ticket_id, Status.ON_HOLD, hold_reason="parts")
    for t in made[7:12]:
        await ops.resolve(OPERATOR, t.ticket_id, "fixed it")
    for t in made[10:12]:
        await ops.change_status(OPERATOR, t.ticket_id, Status.ARCHIVED)
    await h.settle(timeout=30)
    return await h.tickets()


def urgent_then_oldest(tickets: Sequence[Ticket]) -> list[str]:
    ordered = sorted(
        (t for t in tickets if t.status in OPEN_STATUSES),
        key=lambda t: (URGENCY.index(t.priority.value), t.timestamp, t.number),
    )
    return [t.ticket_id for t in ordered]


async def import_records(h: Harness, tmp_path: Path, records: list[JsonDict]) -> None:
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    await import_tickets(h.runtime.settings.database_url, path, progress=False)


# --------------------------------------------------------------------------- reading views


def checked(view: JsonDict) -> JsonDict:
    """The view, after checking it is valid Block Kit for a Home tab within its limits."""
    assert view["type"] == "home"
    View(**view).validate_json()
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    assert len(view.get("private_metadata") or "") <= 3000
    return view


async def publish_after(h: Harness, user: str, request: rq.SlackRequest) -> JsonDict:
    """Post `request`; the Home view it made the app publish for `user`, as Slack has it
    (with its `id`, as a block_actions payload would carry it)."""

    def answered(call: Any) -> bool:
        return bool(call["user_id"] == user and call.response is not None)

    before = len([c for c in h.stub.calls("views.publish") if answered(c)])
    answer = await h.post(request)
    assert answer.status_code == 200, answer.text
    calls = await h.stub.wait_for("views.publish", count=before + 1, predicate=answered)
    assert len(calls) == before + 1
    return checked(dict(calls[-1].response["view"]))


async def open_home(h: Harness, user: str) -> JsonDict:
    return await publish_after(h, user, rq.app_home_opened(user))


def element(view: JsonDict, action: Action) -> JsonDict:
    for block in view["blocks"]:
        for el in block.get("elements", []):
            if el.get("action_id") == action.value:
                return dict(el)
    raise AssertionError(f"no {action.value} in the view")


def has_element(view: JsonDict, action: Action) -> bool:
    try:
        element(view, action)
    except AssertionError:
        return False
    return True


async def choose(h: Harness, user: str, view: JsonDict, name: str, value: str) -> JsonDict:
    """Pick `value` in the `name` filter of the published `view`, as Slack would send it."""
    select = element(view, FILTER_ACTIONS[name])
    [option] = [o for o in select["options"] if o["value"] == value]
    action = {
        "action_id": select["action_id"],
        "type": "static_select",
        "block_id": next(b["block_id"] for b in view["blocks"] if select in b.get("elements", [])),
        "selected_option": option,
        "initial_option": select.get("initial_option"),
    }
    return await publish_after(h, user, rq.block_actions(user, [action], view=view))


def listed(view: JsonDict) -> list[str]:
    """Ticket ids of the ticket lines, top to bottom."""
    ids = []
    for block in view["blocks"]:
        if block["type"] == "section" and "text" in block:
            ids += TICKET_ID.findall(block["text"]["text"])
    return ids


def page_button(view: JsonDict, label: str) -> JsonDict | None:
    for block in view["blocks"]:
        for el in block.get("elements", []):
            if el.get("action_id") == Action.HOME_PAGE.value and el["text"]["text"] == label:
                return {**el, "block_id": block["block_id"]}
    return None


async def turn(h: Harness, user: str, view: JsonDict, label: str) -> JsonDict:
    button = page_button(view, label)
    assert button is not None, f"no {label} button"
    action = rq.button_action(Action.HOME_PAGE.value, button["value"], button["block_id"], label)
    return await publish_after(h, user, rq.block_actions(user, [action], view=view))


async def all_pages(h: Harness, user: str, view: JsonDict) -> list[str]:
    """Every ticket listed, page after page (Next until there is none)."""
    ids = listed(view)
    while page_button(view, "Next") is not None:
        view = await turn(h, user, view, "Next")
        ids += listed(view)
    return ids


def text_of(view: JsonDict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def counts(view: JsonDict) -> dict[str, int]:
    fields = next(b for b in view["blocks"] if b.get("fields"))["fields"]
    found = {}
    for f in fields:
        label, number = re.fullmatch(r".*\*(.+)\*\n(\d+)", f["text"], re.S).groups()  # type: ignore[union-attr]
        found[label] = int(number)
    return found


def filters_of(view: JsonDict) -> JsonDict:
    return dict(json.loads(view["private_metadata"]))


# --------------------------------------------------------------------------- tests


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


async def test_empty_home(harness: Harness) -> None:
    view = await open_home(harness, OPERATOR)
    assert listed(view) == []
    assert "No open tickets match" in text_of(view)
    assert counts(view) == {"Open": 0, "In progress": 0, "On hold": 0, "Resolved": 0}
    assert page_button(view, "Next") is None and page_button(view, "Previous") is None


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


async def test_the_messages_tab_publishes_nothing(harness: Harness) -> None:
    answer = await harness.post(rq.app_home_opened(OPERATOR, tab="messages"))
    assert answer.status_code == 200
    await harness.settle()
    await harness.stub.assert_no_call("views.publish")
