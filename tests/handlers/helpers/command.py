"""`/ticket` as Slack sends it: signed slash commands through the real app, answers read
where Slack would show them (the command's response_url, ephemeral), and tickets made for
a test (through Operations with their cards, or quietly through the ticket service)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.tickets.domain import Category, Priority, Source, ThreadRef, Ticket, TicketDraft
from bot.tickets.permissions import NotAllowed
from bot.tickets.service import TicketService
from standin import slack_requests as rq
from tests.handlers.helpers.surfaces import ROUTED, JsonDict
from tests.support.app_harness import OPERATOR, RELAY, Harness

GENERAL = "C0GENERAL"  # not a relay channel
NOT_ALLOWED = NotAllowed().message
THREAD_TIMESTAMPS = (  # a new customer thread for each ticket
    f"1732550000.{n:06d}" for n in itertools.count(100)
)


async def make(
    h: Harness,
    title: str = "No balls in Bay 2",
    *,
    location: str = "Bedford",
    priority: Priority = Priority.MEDIUM,
    category: Category = Category.FACILITIES,
    bay: int | None = 2,
    assignee: str | None = None,
    in_thread: bool = True,
    settle: bool = True,
) -> Ticket:
    """A ticket made for the test (with its cards delivered unless `settle` is False),
    linked to a customer thread in Bedford's relay channel unless `in_thread` is False."""
    thread = ThreadRef(RELAY, next(THREAD_TIMESTAMPS)) if in_thread else None
    ticket = await h.runtime.operations.create(
        OPERATOR,
        TicketDraft(
            title=title,
            category=category,
            priority=priority,
            location=location,
            bay=bay,
            assignee=assignee,
            thread=thread,
        ),
    )
    if settle:
        await h.settle()
    return ticket


@asynccontextmanager
async def quietly(h: Harness) -> AsyncIterator[TicketService]:
    """Setup straight through the ticket service, in one transaction and without any Slack
    notices (no cards): quick, for tests that only read the tickets."""
    async with h.runtime.database.unit_of_work() as session:
        yield TicketService(session)


async def add(
    tickets: TicketService,
    title: str,
    location: str = "Bedford",
    *,
    category: Category = Category.FACILITIES,
    priority: Priority = Priority.MEDIUM,
    bay: int | None = None,
    assignee: str | None = None,
    thread: ThreadRef | None = None,
) -> Ticket:
    """A ticket an operator opened, straight through the ticket service (see `quietly`)."""
    draft = TicketDraft(
        title=title,
        category=category,
        priority=priority,
        location=location,
        bay=bay,
        assignee=assignee,
        thread=thread,
    )
    source = Source.MESSAGE_THREAD if thread else Source.MANUAL
    return await tickets.create(draft, actor=OPERATOR, source=source)


def check_message(body: JsonDict) -> list[JsonDict]:
    """An ephemeral answer whose blocks Slack would accept."""
    assert body.get("response_type") == "ephemeral", body
    assert 0 < len(body.get("text") or "") <= 3000
    blocks: list[JsonDict] = body.get("blocks") or []
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
    return blocks


async def run(
    h: Harness, text: str, user: str = OPERATOR, channel: str = GENERAL, *, read: bool = False
) -> JsonDict | None:
    """Send `/ticket text`; the answer posted to its response_url (None if there was none).
    Waits until everything the command set off is done, or (`read`) only for the answer."""
    url = h.stub.response_url()
    path = urlsplit(url).path
    answer = await h.post(
        rq.slash_command(text, user_id=user, channel_id=channel, response_url=url)
    )
    assert answer.status_code == 200
    assert not answer.content  # a bare ack: the answer goes to the response_url
    if read:
        await h.stub.wait_for("response_url", predicate=lambda c: c.path == path)
    else:
        await h.settle()
    calls = [c for c in h.stub.calls("response_url") if c.path == path]
    assert len(calls) <= 1
    if not calls:
        return None
    check_message(calls[0].body)
    return calls[0].body


async def ask(
    h: Harness, text: str, user: str = OPERATOR, channel: str = GENERAL, *, read: bool = False
) -> JsonDict:
    body = await run(h, text, user, channel, read=read)
    assert body is not None, f"no answer to /ticket {text}: {h.stub.methods()}"
    return body


def shown(body: JsonDict) -> str:
    """Everything the answer shows, as one string."""
    return json.dumps(body, ensure_ascii=False)


def listed_ids(body: JsonDict) -> list[str]:
    texts = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    return [m for t in texts for m in re.findall(r"^\*(T-\d+)\*", t, re.MULTILINE)]


def card_updates(h: Harness, ticket_id: str) -> set[str]:
    """The channels where a copy of the ticket's card was updated in place."""
    return {
        c["channel"]
        for c in h.stub.calls("chat.update")
        if c.ok and c["text"].startswith(f"{ticket_id}:")
    }


def thread_replies(h: Harness, ticket: Ticket) -> list[str]:
    """The who-did-what lines posted in the ticket's customer thread."""
    thread = ThreadRef.parse(ticket.linked_threads[0])
    assert thread is not None
    return [
        c["text"]
        for c in h.stub.calls("chat.postMessage")
        if c["channel"] == thread.channel
        and c.get("thread_ts") == thread.thread_ts
        and not c.get("blocks")
    ]


def slack_activity(h: Harness) -> tuple[int, int, int]:
    return (
        h.stub.count("chat.update"),
        h.stub.count("chat.postMessage"),
        h.stub.count("views.open"),
    )


async def assert_changed_in_slack(h: Harness, ticket: Ticket, actor: str, *words: str) -> None:
    """Both card copies updated, and the thread told who did it."""
    assert card_updates(h, ticket.ticket_id) == {RELAY, ROUTED}
    replies = thread_replies(h, ticket)
    assert replies, h.stub.methods()
    assert f"<@{actor}>" in replies[-1] and ticket.ticket_id in replies[-1]
    for word in words:
        assert word in replies[-1], replies[-1]


def opened_view(h: Harness) -> JsonDict:
    raw = h.stub.calls("views.open")[-1]["view"]
    view: JsonDict = json.loads(raw) if isinstance(raw, str) else raw
    View(**view).validate_json()
    return view
