"""A burst of reports of one problem costs Slack calls in proportion to the reports, not
their square: each linked thread gets the card and the ticket's first thread one line per
link, and refreshes queued while the sender was busy update each card copy once. And the
notices of different tickets, and the badges of different threads, go out side by side."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot.tickets.domain import ThreadRef
from bot.tickets.service import TicketService
from bot.tickets.transfer import import_tickets
from standin.slack_api import SlackStub
from tests.support.app_harness import (
    OPERATOR,
    RELAY,
    Harness,
    harness_settings,
    open_harness,
)
from tests.support.relay import customer_says
from tests.tickets.transfer_files import ticket_record, write_file

REPORTS = 6
SLOW_S = 2.0
LATE_S = 1.5  # past the client's 1 s timeout: the post lands, the answer is lost
BACK_OFF_S = 2.5  # a failed first attempt is tried again 2 s later
LINKED = re.compile(r"linked (?:another conversation|(?P<count>\d+) other conversations) to it")
OUTAGE_AGAIN = "wifi is out here too, sims all say no connection"


def thread_ts(n: int) -> str:
    return f"1732550{n:03d}.000100"


async def reported_and_told(h: Harness, text: str) -> None:
    """A customer's report in thread 0, triaged, and its notices sent."""
    await h.post(customer_says(text, thread_ts(0)))
    await h.runtime.triage_worker.drain()
    await h.runtime.sender.drain()


async def test_each_linked_report_is_told_once_and_only_the_first_thread_hears_of_links(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url)) as h:
        for n in range(REPORTS):
            text = "no golf balls in bay 2" if n % 2 else "bay 2 has no balls left"
            await h.post(customer_says(text, thread_ts(n), customer=f"cust_{n}"))
            await h.settle()
        [ticket] = await h.tickets()
    posts = slack_stub.calls("chat.postMessage")
    linked_lines = [p for p in posts if "linked another conversation" in p.get("text", "")]
    assert len(ticket.linked_threads) == REPORTS
    assert [p.get("thread_ts") for p in linked_lines] == [thread_ts(0)] * (REPORTS - 1)
    for n in range(REPORTS):
        in_thread = [p for p in posts if p.get("thread_ts") == thread_ts(n)]
        cards = [p for p in in_thread if ticket.ticket_id in p.get("text", "")]
        assert cards, f"thread {n} got no card"
        assert len(in_thread) == 1 + (REPORTS - 1 if n == 0 else 0), in_thread


async def test_refreshes_queued_for_one_ticket_update_each_card_copy_once(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        await reported_and_told(h, "the toilet is overflowing")
        [ticket] = await h.tickets()
        cards = [c for c in slack_stub.calls("chat.postMessage") if c.get("blocks")]
        for note in ("on my way", "plumber called", "mop in bay 1"):
            await h.runtime.operations.add_note(OPERATOR, ticket.ticket_id, note)
        await h.runtime.sender.drain()
    updates = slack_stub.calls("chat.update")
    assert len(cards) == 2  # in the customer's thread and in the routed channel
    assert len(updates) == len(cards), updates  # each copy once, not once per note


async def test_one_slow_slack_call_holds_up_only_its_own_tickets_notices(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        await h.post(customer_says("the toilet is overflowing", thread_ts(0)))
        await h.post(
            customer_says("the hitting mat in bay 3 is torn", thread_ts(1), customer="cust_2")
        )
        await h.runtime.triage_worker.drain()
        slack_stub.slow_next("chat.postMessage", SLOW_S)
        await h.runtime.sender.drain()
        first, second = await h.tickets()
    posts = slack_stub.calls("chat.postMessage")

    def arrivals(ticket_id: str) -> list[float]:
        return [p.time for p in posts if ticket_id in p.get("text", "")]

    slowed = min(posts, key=lambda p: p.time)
    other = second if first.ticket_id in slowed.get("text", "") else first
    # The other ticket's cards reached Slack while the slow call was still waiting.
    assert min(arrivals(other.ticket_id)) < slowed.time + SLOW_S / 2


async def test_one_slow_badge_holds_up_no_other_threads_badge(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        for n, text in enumerate(("the toilet is overflowing", "the hitting mat in bay 3 is torn")):
            await h.post(customer_says(text, thread_ts(n), customer=f"cust_{n}"))
        await h.runtime.triage_worker.drain()
        slack_stub.slow_next("reactions.add", SLOW_S)
        await h.runtime.sender.drain()
    badges = slack_stub.calls("reactions.add")
    assert sorted(b["timestamp"] for b in badges) == [thread_ts(0), thread_ts(1)]
    slowed = min(badges, key=lambda b: b.time)
    other = next(b for b in badges if b is not slowed)
    # The other thread's badge reached Slack while the slow call was still waiting.
    assert other.time < slowed.time + SLOW_S / 2


async def test_links_queued_while_the_sender_was_busy_go_out_as_one_line(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        for n in range(REPORTS):
            text = "no golf balls in bay 2" if n % 2 else "bay 2 has no balls left"
            await h.post(customer_says(text, thread_ts(n), customer=f"cust_{n}"))
        await h.runtime.triage_worker.drain()
        await h.runtime.sender.drain()
        [ticket] = await h.tickets()
    posts = slack_stub.calls("chat.postMessage")
    linked_lines = [p for p in posts if "linked" in p.get("text", "")]
    assert len(ticket.linked_threads) == REPORTS
    assert [(p["thread_ts"], p["text"]) for p in linked_lines] == [
        (
            thread_ts(0),
            f"OperatorGPT linked {REPORTS - 1} other conversations to it — {ticket.ticket_id}",
        )
    ]
    for n in range(REPORTS):
        cards = [p for p in posts if p.get("thread_ts") == thread_ts(n) and p.get("blocks")]
        assert len(cards) == 1, f"thread {n}: {cards}"


async def test_one_slow_card_holds_up_no_other_threads_card_of_the_same_ticket(
    slack_stub: SlackStub, db_url: str
) -> None:
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        await reported_and_told(h, "no golf balls in bay 2")
        for n in range(1, REPORTS):
            await h.post(customer_says("bay 2 has no balls left", thread_ts(n), customer=f"c{n}"))
        await h.runtime.triage_worker.drain()
        before = len(slack_stub.calls("chat.postMessage"))
        slack_stub.slow_next("chat.postMessage", SLOW_S)
        await h.runtime.sender.drain()
    cards = [p for p in slack_stub.calls("chat.postMessage")[before:] if p.get("blocks")]
    assert sorted(p["thread_ts"] for p in cards) == [thread_ts(n) for n in range(1, REPORTS)]
    slowed = min(cards, key=lambda p: p.time)
    # The other threads' cards reached Slack while the slow post was still waiting.
    assert max(p.time for p in cards) < slowed.time + SLOW_S / 2


async def test_a_link_to_an_outage_ticket_reads_only_the_thread_it_began_in(
    slack_stub: SlackStub, db_url: str
) -> None:
    """The hundredth report of an outage costs its link line what the second did: the
    line goes where the ticket began, and only that thread is read, not all of them."""
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url), start=False) as h:
        await reported_and_told(h, "the internet is down, none of the sims can connect")
        [ticket] = await h.tickets()
        async with h.runtime.database.unit_of_work() as session:
            for n in range(1, 60):
                thread = ThreadRef(RELAY, thread_ts(n))
                await TicketService(session).link_thread(ticket.ticket_id, thread, actor="U0X")
        await h.post(customer_says(OUTAGE_AGAIN, thread_ts(60), customer="cust_60"))
        await h.runtime.triage_worker.drain()
        read: list[str] = []

        def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "FROM ticket_threads" in statement:
                read.append(" ".join(statement.split()))

        engines = {h.runtime.database.engine.sync_engine}
        engines.add(h.runtime.database.read_engine.sync_engine)
        for engine in engines:
            event.listen(engine, "before_cursor_execute", keep)
        await h.runtime.sender.drain()
    lines = [
        p for p in slack_stub.calls("chat.postMessage") if "linked another" in p.get("text", "")
    ]
    assert [p.get("thread_ts") for p in lines] == [thread_ts(0)]
    refs_read = [s for s in read if "ticket_threads.ref" in s.split(" FROM ")[0]]
    every_thread = [s for s in refs_read if "LIMIT" not in s]
    assert refs_read and every_thread == [], refs_read


async def test_a_ticket_imported_from_elsewhere_hears_of_links_in_its_first_slack_thread(
    slack_stub: SlackStub, db_url: str, tmp_path: Path
) -> None:
    """An imported ticket's first ref may name no Slack thread ("ZD-4411"): the line about
    a later report goes to the first customer thread that joined it, not nowhere (and
    that thread, told by its card, hears no line about itself)."""
    outage = "the internet is down, none of the sims can connect"
    record = ticket_record(
        1, linked_thread="ZD-4411", category="tech", title="Internet down", description=outage
    )
    async with open_harness(slack_stub, harness_settings(slack_stub, db_url)) as h:
        await import_tickets(db_url, write_file(tmp_path, [record]), progress=False)
        for n, text in enumerate((outage, OUTAGE_AGAIN)):
            await h.post(customer_says(text, thread_ts(n), customer=f"cust_{n}"))
            await h.settle()
        [ticket] = await h.tickets()
    lines = [p for p in slack_stub.calls("chat.postMessage") if "linked" in p.get("text", "")]
    assert ticket.linked_threads[0] == "ZD-4411"
    assert [p.get("thread_ts") for p in lines] == [thread_ts(0)], lines


async def test_links_folded_into_one_line_count_only_the_conversations_other_than_its_own(
    slack_stub: SlackStub, db_url: str, tmp_path: Path
) -> None:
    """A ticket begun outside Slack, its first Slack thread and three more linked before the
    sender runs: one line in that first thread, counting the three, not itself."""
    outage = "the internet is down, none of the sims can connect"
    record = ticket_record(
        1, linked_thread="ZD-4411", category="tech", title="Internet down", description=outage
    )
    settings = harness_settings(slack_stub, db_url)
    async with open_harness(slack_stub, settings, start=False) as h:
        await import_tickets(db_url, write_file(tmp_path, [record]), progress=False)
        for n in range(4):
            text = outage if n == 0 else OUTAGE_AGAIN
            await h.post(customer_says(text, thread_ts(n), customer=f"cust_{n}"))
        await h.runtime.triage_worker.drain()
        await h.runtime.sender.drain()
        [ticket] = await h.tickets()
    lines = [p for p in slack_stub.calls("chat.postMessage") if LINKED.search(p.get("text", ""))]
    assert len(ticket.linked_threads) == 5
    assert [(p["thread_ts"], LINKED.search(p["text"])["count"]) for p in lines] == [
        (thread_ts(0), "3")
    ], lines


def links_told(posts: list[Any], thread: str) -> int:
    """How many linked conversations the lines posted in `thread` speak of."""
    told = 0
    for post in posts:
        line = LINKED.search(post.get("text", ""))
        if post.get("thread_ts") == thread and line is not None:
            told += int(line.group("count") or 1)
    return told


async def test_a_link_line_that_may_have_posted_is_not_folded_into_the_next(
    slack_stub: SlackStub, db_url: str
) -> None:
    """A link line whose Slack call timed out may have posted (the call took effect, its
    answer came late): only its own retry can find that. Folded into the next line, the
    link would be told twice."""
    settings = harness_settings(slack_stub, db_url, slack_timeout_s=1)
    async with open_harness(slack_stub, settings, start=False) as h:
        await reported_and_told(h, "no golf balls in bay 2")
        await h.post(customer_says("bay 2 has no balls left", thread_ts(1), customer="cust_1"))
        await h.runtime.triage_worker.drain()
        slack_stub.slow_next("chat.postMessage", LATE_S, times=2)  # the card and the line
        await h.runtime.sender.drain()
        await h.post(customer_says("no balls in bay 2 at all", thread_ts(2), customer="cust_2"))
        await h.runtime.triage_worker.drain()
        await asyncio.sleep(BACK_OFF_S)
        await h.runtime.sender.drain()
        [ticket] = await h.tickets()
    assert len(ticket.linked_threads) == 3
    assert links_told(slack_stub.calls("chat.postMessage"), thread_ts(0)) == 2
