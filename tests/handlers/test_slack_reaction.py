"""Reaction `:ticket:` by an operator: one ticket from the message, triage-filled,
never two for one message."""

from __future__ import annotations

import json

from bot.tickets.domain import Category, Source
from standin import slack_requests as rq
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, STRANGER, Harness

ROOT = "1732550000.000100"
REPLY = "1732550100.000200"


def relayed(ts: str, text: str, thread_ts: str | None = None) -> dict[str, object]:
    message: dict[str, object] = {
        "type": "message",
        "ts": ts,
        "text": text,
        "bot_id": "B0RELAY",
        "username": "SMS from +19025550123",
    }
    if thread_ts:
        message["thread_ts"] = thread_ts
    return message


async def test_an_operator_reaction_makes_one_triaged_ticket(harness: Harness) -> None:
    harness.stub.set_history(RELAY, [relayed(ROOT, "projector in bay 3 is super dim")])
    request = rq.reaction_added(OPERATOR, "ticket", RELAY, ROOT)
    assert (await harness.post(request)).status_code == 200
    await harness.settle()
    [ticket] = await harness.tickets()
    assert (ticket.category, ticket.bay, ticket.location) == (Category.TECH, 3, "Bedford")
    assert ticket.source == Source.MESSAGE_THREAD
    assert ticket.decided_by == "rules" and ticket.created_by == OPERATOR
    assert ticket.submitted_by == "+19025550123"  # from the relay pattern in the config
    assert ticket.linked_thread == f"{RELAY}:{ROOT}"
    [card] = [c for c in harness.stub.calls("chat.postMessage") if c["channel"] == RELAY]
    assert card["thread_ts"] == ROOT
    assert "rules triage" in json.dumps(card["blocks"])
    # The same event redelivered, and a second operator's reaction: still one ticket.
    await harness.post(request, retry_num=1, retry_reason="http_timeout")
    await harness.post(rq.reaction_added(OTHER_OPERATOR, "ticket", RELAY, ROOT))
    await harness.settle()
    assert len(await harness.tickets()) == 1


async def test_a_reply_in_a_thread_links_the_thread_root(harness: Harness) -> None:
    harness.stub.set_replies(
        RELAY,
        ROOT,
        [relayed(ROOT, "hi"), relayed(REPLY, "toilet is overflowing in the bathroom", ROOT)],
    )
    await harness.post(rq.reaction_added(OPERATOR, "ticket", RELAY, REPLY))
    await harness.settle()
    [ticket] = await harness.tickets()
    assert ticket.category == Category.FACILITIES
    assert ticket.linked_thread == f"{RELAY}:{ROOT}"


async def test_a_stranger_is_told_no_and_nothing_changes(harness: Harness) -> None:
    harness.stub.set_history(RELAY, [relayed(ROOT, "no balls in bay 2")])
    await harness.post(rq.reaction_added(STRANGER, "ticket", RELAY, ROOT))
    await harness.settle()
    assert await harness.tickets() == []
    [told] = harness.stub.calls("chat.postEphemeral")
    assert told["user"] == STRANGER and "not allowed" in told["text"].lower()


async def test_other_reactions_are_ignored(harness: Harness) -> None:
    harness.stub.set_history(RELAY, [relayed(ROOT, "no balls in bay 2")])
    await harness.post(rq.reaction_added(OPERATOR, "eyes", RELAY, ROOT))
    await harness.settle()
    assert await harness.tickets() == []
    assert harness.stub.count("conversations.history") == 0
