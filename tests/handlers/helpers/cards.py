"""A ticket made the way an operator makes one, its card copies as Slack shows them, and
clicks and modal submissions built from those cards exactly as Slack would send them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from bot.tickets.service import TicketService
from slackui.ids import Action, ModalInput
from standin import slack_requests as rq
from standin.slack_api import BOT_ID, BOT_USER_ID
from standin.slack_requests.clicks import click_on
from storage.models import OutboxMessageRow
from tests.handlers.helpers.surfaces import ROUTED, THREAD_TS, JsonDict, as_dict, relayed
from tests.support.app_harness import OPERATOR, RELAY, Harness


@dataclass(frozen=True)
class Card:
    """One posted copy of a ticket card, as a block_actions payload would carry it."""

    channel: str
    ts: str
    message: JsonDict


async def create_ticket(
    h: Harness, title: str = "No balls in Bay 2", description: str = "ball tray empty"
) -> str:
    """A ticket made the way an operator makes one: message shortcut, then the modal."""
    opened = h.stub.count("views.open")
    answer = await h.post(
        rq.message_shortcut("create_ticket", OPERATOR, RELAY, relayed("no balls in box 2"))
    )
    assert answer.status_code == 200
    view = as_dict((await h.stub.wait_for("views.open", count=opened + 1))[-1]["view"])
    values = {
        "title": {"title": rq.plain_text(title)},
        "category": {"category": rq.static_select("facilities")},
        "priority": {"priority": rq.static_select("medium")},
        "location": {"location": rq.static_select("Bedford")},
        "bay": {"bay": {"type": "number_input", "value": "2"}},
        "description": {"description": rq.plain_text(description)},
        "assignee": {"assignee": rq.users_select(None)},
        "learnable": {"learnable": {"type": "checkboxes", "selected_options": []}},
    }
    answer = await h.post(
        rq.view_submission(
            OPERATOR, "ticket_create", values, private_metadata=view["private_metadata"]
        )
    )
    assert answer.status_code == 200 and "errors" not in (answer.text or "")
    await h.settle()
    [ticket] = await h.tickets()
    return ticket.ticket_id


def posted(h: Harness, channel: str, action_id: str = Action.ASSIGN.value) -> Card:
    """The message the app posted in `channel` whose buttons include `action_id`."""
    for call in h.stub.calls("chat.postMessage"):
        blocks = call.get("blocks") or []
        if call["channel"] != channel or not call.ok:
            continue
        if any(
            b.get("type") == "actions" and any(e["action_id"] == action_id for e in b["elements"])
            for b in blocks
        ):
            message = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": call.response["ts"],
                "text": call["text"],
                "blocks": blocks,
            }
            if call.get("thread_ts"):
                message["thread_ts"] = call["thread_ts"]
            return Card(call.response["channel"], call.response["ts"], message)
    raise AssertionError(f"no message with {action_id} in {channel}: {h.stub.methods()}")


def thread_card(h: Harness) -> Card:
    """The card in the customer thread as it shows now."""
    return current(h, posted(h, RELAY))


def routed_card(h: Harness) -> Card:
    """The card in the routed channel as it shows now."""
    return current(h, posted(h, ROUTED))


def current(h: Harness, card: Card) -> Card:
    """The card as it shows now: its last successful chat.update, else as posted."""
    updates = [
        c
        for c in h.stub.calls("chat.update")
        if c.ok and (c["channel"], c["ts"]) == (card.channel, card.ts)
    ]
    if not updates:
        return card
    last = updates[-1]
    return Card(
        card.channel, card.ts, {**card.message, "text": last["text"], "blocks": last["blocks"]}
    )


def click(
    card: Card, action_id: str, *, user: str | None = None, status: str | None = None
) -> JsonDict:
    """One `actions[]` entry exactly as Slack builds it from the card's own element."""
    return click_on(
        card.message, action_id, user=user, option_suffix=f"|{status}" if status else None
    )


async def act(
    h: Harness,
    who: str,
    card: Card,
    action_id: str,
    *,
    user: str | None = None,
    status: str | None = None,
    settle: bool = True,
) -> None:
    answer = await h.post(
        rq.block_actions(
            who,
            [click(card, action_id, user=user, status=status)],
            channel=card.channel,
            message=card.message,
            response_url=h.stub.response_url(),
        )
    )
    assert answer.status_code == 200, answer.text
    if settle:
        await h.settle()


def opened_view(h: Harness) -> JsonDict:
    return as_dict(h.stub.last("views.open")["view"])


async def submit(
    h: Harness, who: str, view: JsonDict, field: ModalInput, text: str
) -> httpx.Response:
    answer = await h.post(
        rq.view_submission(
            who,
            view["callback_id"],
            {field.value: {field.value: rq.plain_text(text)}},
            private_metadata=view["private_metadata"],
        )
    )
    assert answer.status_code == 200, answer.text
    await h.settle()
    return answer


def modal_errors(answer: httpx.Response) -> dict[str, str]:
    if not answer.content:
        return {}
    body = answer.json()
    assert body.get("response_action") == "errors", body
    return dict(body["errors"])


def thread_replies(h: Harness) -> list[str]:
    return [
        str(c["text"])
        for c in h.stub.calls("chat.postMessage")
        if c.ok
        and c["channel"] == RELAY
        and c.get("thread_ts") == THREAD_TS
        and not c.get("blocks")
    ]


def field(card: Card, name: str) -> str:
    """A field of the card's first section ("Assignee", "Status", ...)."""
    for f in card.message["blocks"][0]["fields"]:
        if f["text"].startswith(f"*{name}*\n"):
            return str(f["text"].split("\n", 1)[1])
    raise AssertionError(f"no field {name}")


def updated_copies(h: Harness, since: int = 0) -> set[tuple[str, str]]:
    return {(c["channel"], c["ts"]) for c in h.stub.calls("chat.update")[since:] if c.ok}


def both_copies(h: Harness) -> set[tuple[str, str]]:
    return {(c.channel, c.ts) for c in (thread_card(h), routed_card(h))}


async def audit(h: Harness, ticket_id: str) -> list[Any]:
    async with h.runtime.database.unit_of_work() as session:
        return await TicketService(session).events(ticket_id)


async def outbox_rows(h: Harness) -> list[OutboxMessageRow]:
    async with h.runtime.database.unit_of_work() as session:
        return list(await session.scalars(select(OutboxMessageRow).order_by(OutboxMessageRow.id)))


async def outbox_states(h: Harness) -> set[str]:
    return {row.status for row in await outbox_rows(h)}
