"""The App Home as Slack shows it: tickets seeded for a test, the Home views the app
published (checked as valid Block Kit), and filter and page clicks built from them as
Slack would send them."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.tickets.domain import Category, Priority, Status, Ticket, TicketDraft
from bot.tickets.transfer import import_tickets
from slackui.ids import Action
from standin import slack_requests as rq
from tests.handlers.helpers.surfaces import JsonDict
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, Harness

URGENCY = ["critical", "high", "medium", "low"]


OPEN_STATUSES = {Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD}


TICKET_ID = re.compile(r"\*(T-\d+)\*")


FILTER_ACTIONS = {
    "location": Action.HOME_FILTER_LOCATION,
    "priority": Action.HOME_FILTER_PRIORITY,
    "category": Action.HOME_FILTER_CATEGORY,
    "assigned": Action.HOME_FILTER_ASSIGNED,
}


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
