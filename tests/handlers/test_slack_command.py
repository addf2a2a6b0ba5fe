"""`/ticket` end to end: signed slash commands through the real app, answers read where
Slack would show them (the command's response_url, ephemeral), changes checked in the
database and in Slack (every card copy updated in place, a who-did-what reply in the
customer thread). Non-operators read but never change; bad input gets help."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from app.runtime import build_runtime
from bot.tickets.domain import Category, Priority, Source, Status, ThreadRef, Ticket, TicketDraft
from bot.tickets.permissions import NotAllowed
from bot.tickets.service import TicketService
from tests.support import slack_requests as rq
from tests.support.app_harness import (
    OPERATOR,
    OTHER_OPERATOR,
    RELAY,
    STRANGER,
    TEST_CONFIG,
    Harness,
    harness_settings,
)
from tests.support.slack_stub import SlackStub

JsonDict = dict[str, Any]
GENERAL = "C0GENERAL"  # not a relay channel
ROUTED = "C0FAC"  # facilities' routed channel in the test config
NOT_ALLOWED = NotAllowed().message
_thread_ts = (f"1732550000.{n:06d}" for n in itertools.count(100))


# --------------------------------------------------------------------------- helpers


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
    thread = ThreadRef(RELAY, next(_thread_ts)) if in_thread else None
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


def new(
    title: str,
    location: str = "Bedford",
    *,
    category: Category = Category.FACILITIES,
    priority: Priority = Priority.MEDIUM,
    bay: int | None = None,
    assignee: str | None = None,
    thread: ThreadRef | None = None,
) -> NewTicket:
    return NewTicket(
        title=title,
        category=category,
        priority=priority,
        location=location,
        created_by=OPERATOR,
        submitted_by=OPERATOR,
        source=Source.MESSAGE_THREAD if thread else Source.MANUAL,
        bay=bay,
        assigned_to=assignee,
        thread=thread,
    )


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


# --------------------------------------------------------------------------- reading


async def test_list_shows_newest_first_with_each_line_complete(harness: Harness) -> None:
    first = await make(harness, "Heater out in lobby", bay=None, settle=False)
    second = await make(
        harness,
        "Projector dead",
        priority=Priority.CRITICAL,
        category=Category.TECH,
        bay=3,
        settle=False,
    )
    third = await make(
        harness, "Door sticks", location="Dartmouth", assignee=OTHER_OPERATOR, settle=False
    )
    body = await ask(harness, "list", user=STRANGER, read=True)  # reading is for anyone
    assert listed_ids(body) == [third.ticket_id, second.ticket_id, first.ticket_id]
    line = next(b["text"] for b in body["blocks"] if second.ticket_id in b["text"]["text"])
    assert line["verbatim"] is True
    for part in ("Projector dead", "Critical", "Open", "Bedford · Bay 3", "_unassigned_"):
        assert part in line["text"], line
    dart = next(b["text"]["text"] for b in body["blocks"] if third.ticket_id in b["text"]["text"])
    assert "Dartmouth" in dart and f"<@{OTHER_OPERATOR}>" in dart


async def test_list_filters_alone_and_combined(harness: Harness) -> None:
    async with quietly(harness) as tickets:
        bedford = await tickets.create(new("Net torn"))
        dart = await tickets.create(new("Kiosk frozen", "Dartmouth", category=Category.TECH))
        critical = await tickets.create(new("Water leak", priority=Priority.CRITICAL))
        mine = await tickets.create(new("Bay 1 mat worn", assignee=OPERATOR))
        other = await tickets.create(new("TrackMan offline", assignee=OTHER_OPERATOR))
        in_progress = await tickets.create(new("Lights flicker", "Dartmouth"))
        await tickets.change_status(
            in_progress.ticket_id,
            Status.IN_PROGRESS,
            actor=OTHER_OPERATOR,
            expected_version=None,
            assignee=OTHER_OPERATOR,
        )
        done = await tickets.create(new("Old thing"))
        await tickets.resolve(done.ticket_id, "fixed", actor=OPERATOR, expected_version=None)

    def ids(*tickets: Ticket) -> list[str]:
        return [t.ticket_id for t in sorted(tickets, key=lambda t: -t.number)]

    active = [bedford, dart, critical, mine, other, in_progress]
    assert listed_ids(await ask(harness, "list", read=True)) == ids(*active)
    assert listed_ids(await ask(harness, "list open", read=True)) == ids(*active)
    assert listed_ids(await ask(harness, "list critical", read=True)) == ids(critical)
    assert listed_ids(await ask(harness, "list mine", read=True)) == ids(mine)
    assert listed_ids(await ask(harness, "list mine", user=OTHER_OPERATOR, read=True)) == ids(
        other, in_progress
    )
    assert listed_ids(await ask(harness, "list unassigned", read=True)) == ids(
        bedford, dart, critical
    )
    assert listed_ids(await ask(harness, "list tech", read=True)) == ids(dart)
    assert listed_ids(await ask(harness, "list open Bedford", read=True)) == ids(
        bedford, critical, mine, other
    )
    assert listed_ids(await ask(harness, "list DARTMOUTH in progress", read=True)) == ids(
        in_progress
    )
    assert listed_ids(await ask(harness, "list resolved", read=True)) == ids(done)
    body = await ask(harness, "list critical Dartmouth", read=True)
    assert listed_ids(body) == [] and "No tickets match" in shown(body)


async def test_a_long_list_stops_at_twenty_and_says_how_many_more(harness: Harness) -> None:
    async with quietly(harness) as tickets:
        made = [await tickets.create(new(f"Issue {n}")) for n in range(23)]
    body = await ask(harness, "list", read=True)
    assert listed_ids(body) == [t.ticket_id for t in reversed(made)][:20]
    assert "and 3 more" in shown(body)
    assert len(body["blocks"]) <= 50


async def test_show_gives_the_card_its_history_and_threads(harness: Harness) -> None:
    thread = ThreadRef(RELAY, next(_thread_ts))
    async with quietly(harness) as tickets:
        ticket = await tickets.create(new("Projector dead", bay=3, thread=thread))
        for n in range(1, 13):
            await tickets.add_note(
                ticket.ticket_id, f"step-{n:02d}", actor=OPERATOR, expected_version=None
            )
        await tickets.assign(
            ticket.ticket_id, OTHER_OPERATOR, actor=OPERATOR, expected_version=None
        )
    body = await ask(harness, f"show {ticket.ticket_id.lower()}", user=STRANGER, read=True)
    text = shown(body)
    assert "Projector dead" in text and "Bedford · Bay 3" in text
    # The card's summary, its controls included (they work for operators).
    assert any(b.get("block_id") == f"ticket|{ticket.ticket_id}" for b in body["blocks"])
    # Last 10 of 14 events (created, 12 notes, assigned), the oldest of those first.
    history = next(b["text"]["text"] for b in body["blocks"] if "*History*" in str(b))
    assert "(last 10 of 14)" in history
    assert "step-03" not in history and "step-04" in history and "step-12" in history
    assert history.index("step-04") < history.index("step-12")
    assert f"assigned it to <@{OTHER_OPERATOR}>" in history
    permalink = f"/archives/{RELAY}/p{thread.thread_ts.replace('.', '')}"
    assert permalink in text and f"<#{RELAY}>" in text


async def test_untrusted_titles_never_ping_in_lists_or_show(harness: Harness) -> None:
    ticket = await make(harness, "<!channel> everything is down & <@U0OP2> too")
    for text in ("list", f"show {ticket.ticket_id}"):
        body = await ask(harness, text, read=True)
        raw = shown(body)
        assert "<!channel>" not in raw and "<@U0OP2> too" not in raw
        assert "&lt;!channel&gt; everything is down &amp; &lt;@U0OP2&gt; too" in raw
        for block in body["blocks"]:
            if block["type"] == "section" and "everything is down" in block["text"]["text"]:
                assert block["text"]["verbatim"] is True


# --------------------------------------------------------------------------- changes


async def test_assign_by_mention_changes_the_ticket_and_tells_the_thread(
    harness: Harness,
) -> None:
    ticket = await make(harness)
    body = await ask(harness, f"assign {ticket.ticket_id} <@{OTHER_OPERATOR}|bob>")
    assert "Assigned" in shown(body) and f"<@{OTHER_OPERATOR}>" in shown(body)
    assert (await harness.ticket(ticket.ticket_id)).assigned_to == OTHER_OPERATOR
    await assert_changed_in_slack(harness, ticket, OPERATOR, f"assigned it to <@{OTHER_OPERATOR}>")

    await ask(harness, f"assign {ticket.ticket_id} <@{OPERATOR}>")  # unescaped-name form
    assert (await harness.ticket(ticket.ticket_id)).assigned_to == OPERATOR
    await ask(harness, f"assign {ticket.ticket_id} nobody")
    assert (await harness.ticket(ticket.ticket_id)).assigned_to is None
    assert "unassigned it" in thread_replies(harness, ticket)[-1]


async def test_status_changes_in_every_spelling(harness: Harness) -> None:
    ticket = await make(harness)
    await ask(harness, f"status {ticket.ticket_id} in progress")
    now = await harness.ticket(ticket.ticket_id)
    assert (now.status, now.assigned_to) == (Status.IN_PROGRESS, OPERATOR)
    await assert_changed_in_slack(harness, ticket, OPERATOR, "In progress")

    body = await ask(harness, f"status {ticket.ticket_id} on-hold waiting for parts")
    assert "on hold" in shown(body)
    now = await harness.ticket(ticket.ticket_id)
    assert (now.status, now.hold_reason) == (Status.ON_HOLD, "waiting for parts")
    assert "waiting for parts" in thread_replies(harness, ticket)[-1]

    await ask(harness, f"status {ticket.ticket_id} in_progress")
    assert (await harness.ticket(ticket.ticket_id)).status == Status.IN_PROGRESS
    await ask(harness, f"status {ticket.ticket_id} open")
    assert (await harness.ticket(ticket.ticket_id)).status == Status.OPEN


async def test_status_needing_text_is_refused_with_a_pointer(harness: Harness) -> None:
    ticket = await make(harness)
    before, activity = await harness.ticket(ticket.ticket_id), slack_activity(harness)
    body = await ask(harness, f"status {ticket.ticket_id} resolved")
    assert f"/ticket resolve {ticket.ticket_id} &lt;notes&gt;" in shown(body)
    body = await ask(harness, f"status {ticket.ticket_id} on_hold")
    assert "on_hold &lt;reason&gt;" in shown(body)
    assert await harness.ticket(ticket.ticket_id) == before
    assert slack_activity(harness) == activity


async def test_note_is_recorded_and_posted_in_the_thread(harness: Harness) -> None:
    ticket = await make(harness)
    body = await ask(harness, f"note {ticket.ticket_id} called the vendor &amp; <!channel>")
    assert "Note added" in shown(body)
    history = await harness.runtime.operations.history(ticket.ticket_id)
    assert history.events[-1].note == "called the vendor & @channel"
    assert (await harness.ticket(ticket.ticket_id)).version > ticket.version
    await assert_changed_in_slack(harness, ticket, OPERATOR, "called the vendor &amp; @channel")


async def test_resolve_with_notes_by_either_command(harness: Harness) -> None:
    ticket = await make(harness)
    body = await ask(harness, f"resolve {ticket.ticket_id} replaced the lamp")
    assert "Resolved" in shown(body)
    now = await harness.ticket(ticket.ticket_id)
    assert (now.status, now.resolution_notes) == (Status.RESOLVED, "replaced the lamp")
    await assert_changed_in_slack(harness, ticket, OPERATOR, "Resolved", "replaced the lamp")

    other = await make(harness)
    await ask(harness, f"status {other.ticket_id} resolved swapped the cable")
    now = await harness.ticket(other.ticket_id)
    assert (now.status, now.resolution_notes) == (Status.RESOLVED, "swapped the cable")
    await assert_changed_in_slack(harness, other, OPERATOR, "swapped the cable")


async def test_refusals_from_operations_are_told_privately(harness: Harness) -> None:
    ticket = await make(harness)
    activity = slack_activity(harness)
    assert "already open" in shown(await ask(harness, f"status {ticket.ticket_id} open"))
    assert "No ticket T-999." in shown(await ask(harness, "show T-999", read=True))
    assert "No ticket T-999." in shown(await ask(harness, "note T-999 hello"))
    assert "No ticket T-999." in shown(await ask(harness, "assign T-999 me"))
    assert slack_activity(harness) == activity
    assert await harness.ticket(ticket.ticket_id) == ticket


async def test_non_operators_change_nothing(harness: Harness) -> None:
    ticket = await make(harness)
    activity = slack_activity(harness)
    for text in (
        f"assign {ticket.ticket_id} <@{STRANGER}|me>",
        f"assign {ticket.ticket_id} me",
        f"status {ticket.ticket_id} in_progress",
        f"status {ticket.ticket_id} on_hold parts",
        f"status {ticket.ticket_id} resolved done",
        f"note {ticket.ticket_id} hello",
        f"resolve {ticket.ticket_id} fixed",
        "new Bay 2 broken",
        "new",
        "web",
    ):
        body = await ask(harness, text, user=STRANGER, channel=RELAY)
        assert NOT_ALLOWED in shown(body), text
    assert await harness.ticket(ticket.ticket_id) == ticket
    assert len(await harness.tickets()) == 1
    assert slack_activity(harness) == activity


# --------------------------------------------------------------------------- new / web / help


def opened_view(h: Harness) -> JsonDict:
    raw = h.stub.calls("views.open")[-1]["view"]
    view: JsonDict = json.loads(raw) if isinstance(raw, str) else raw
    View(**view).validate_json()
    return view


def initial(view: JsonDict, block_id: str) -> Any:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    return element.get("initial_value") or (element.get("initial_option") or {}).get("value")


async def test_new_opens_the_create_modal_prefilled(harness: Harness) -> None:
    assert await run(harness, "new Bay 3 projector &amp; screen", channel=RELAY) is None
    view = opened_view(harness)
    assert view["callback_id"] == "ticket_create"
    assert initial(view, "title") == "Bay 3 projector & screen"
    assert initial(view, "location") == "Bedford"  # the relay channel's location

    assert await run(harness, "new", channel=GENERAL) is None
    view = opened_view(harness)
    assert initial(view, "title") is None and initial(view, "location") is None
    assert harness.stub.count("views.open") == 2
    assert await harness.tickets() == []  # the modal's submission makes the ticket


async def test_web_says_honestly_there_is_no_dashboard_yet(harness: Harness) -> None:
    body = await ask(harness, "web")
    text = shown(body)
    assert "not available yet" in text
    assert "http" not in text and "/login/" not in text


async def test_help_for_anything_else(harness: Harness) -> None:
    for text in ("help", "", "frobnicate T-1", "show banana", "list Halifax", "status T-1"):
        body = await ask(harness, text, user=STRANGER, read=True)
        said = shown(body)
        assert "/ticket list" in said and "/ticket resolve T-42" in said, text
        assert "&lt;location&gt;" in said  # usage placeholders escaped, not read as links
        assert (":warning:" in said) == (text not in ("help", "")), text
    await harness.settle()
    assert await harness.tickets() == []


# --------------------------------------------------------------------------- multi-word location


@pytest.fixture
async def lake(slack_stub: SlackStub, db_url: str, tmp_path: Any) -> AsyncIterator[Harness]:
    """The harness with a config that also has a two-word location."""
    config = tmp_path / "clubos.toml"
    config.write_text(
        TEST_CONFIG.read_text(encoding="utf-8")
        + '\n[[locations]]\nname = "Bayers Lake"\nbays = 3\nrelay_channels = ["C0RELAYLAKE"]\n',
        encoding="utf-8",
    )
    runtime = build_runtime(harness_settings(slack_stub, db_url, clubos_config=config))
    await runtime.start()
    transport = httpx.ASGITransport(app=runtime.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        yield Harness(slack_stub, runtime, http)
    await runtime.stop()


async def test_multi_word_locations_in_any_case(lake: Harness) -> None:
    at_lake = await make(lake, "Bay 1 screen torn", location="Bayers Lake", bay=1, settle=False)
    await make(lake, "Net torn", location="Bedford", settle=False)
    body = await ask(lake, "list open bayers LAKE", read=True)
    assert listed_ids(body) == [at_lake.ticket_id]
    assert "Bayers Lake" in body["blocks"][0]["text"]["text"]
    assert await run(lake, "new screen torn", channel="C0RELAYLAKE") is None
    assert initial(opened_view(lake), "location") == "Bayers Lake"
