"""`/ticket list` and `/ticket show` end to end: reading is open to anyone, lists are
newest first and filter alone or combined, and untrusted text never pings."""

from __future__ import annotations

from bot.tickets.domain import Category, Priority, Status, ThreadRef, Ticket
from tests.handlers.helpers.command import (
    THREAD_TIMESTAMPS,
    add,
    ask,
    listed_ids,
    make,
    quietly,
    shown,
)
from tests.support.app_harness import OPERATOR, OTHER_OPERATOR, RELAY, STRANGER, Harness


def ids(*tickets: Ticket) -> list[str]:
    return [t.ticket_id for t in sorted(tickets, key=lambda t: -t.number)]


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
        bedford = await add(tickets, "Net torn")
        dart = await add(tickets, "Kiosk frozen", "Dartmouth", category=Category.TECH)
        critical = await add(tickets, "Water leak", priority=Priority.CRITICAL)
        mine = await add(tickets, "Bay 1 mat worn", assignee=OPERATOR)
        other = await add(tickets, "TrackMan offline", assignee=OTHER_OPERATOR)
        in_progress = await add(tickets, "Lights flicker", "Dartmouth")
        await tickets.change_status(
            in_progress.ticket_id,
            Status.IN_PROGRESS,
            actor=OTHER_OPERATOR,
            expected_version=None,
            assignee=OTHER_OPERATOR,
        )
        done = await add(tickets, "Old thing")
        await tickets.resolve(done.ticket_id, "fixed", actor=OPERATOR, expected_version=None)

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
        made = [await add(tickets, f"Issue {n}") for n in range(23)]
    body = await ask(harness, "list", read=True)
    assert listed_ids(body) == [t.ticket_id for t in reversed(made)][:20]
    assert "and 3 more" in shown(body)
    assert len(body["blocks"]) <= 50


async def test_a_list_counts_every_match_exactly(harness: Harness) -> None:
    async with quietly(harness) as tickets:
        for n in range(523):  # more than any page: counted in SQL, not loaded
            await add(tickets, f"Issue {n}")
    body = await ask(harness, "list", read=True)
    assert len(listed_ids(body)) == 20
    assert "(523)" in shown(body) and "and 503 more" in shown(body)


async def test_show_gives_the_card_its_history_and_threads(harness: Harness) -> None:
    thread = ThreadRef(RELAY, next(THREAD_TIMESTAMPS))
    async with quietly(harness) as tickets:
        ticket = await add(tickets, "Projector dead", bay=3, thread=thread)
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


async def test_show_escapes_notes_and_hold_reasons(harness: Harness) -> None:
    """Notes and hold reasons are stored as typed (a modal's text is not escaped by Slack):
    `/ticket show` must escape them, so they neither ping nor break the mrkdwn."""
    ticket = await make(harness, in_thread=False, settle=False)
    operations = harness.runtime.operations
    note = "<!channel> fees < $5 & tips > $2, ask <@U0SNEAKY>"
    await operations.add_note(OPERATOR, ticket.ticket_id, note)
    reason = "<!here> waiting for <@U0SNEAKY> & the <https://evil.example|vendor>"
    await operations.change_status(OPERATOR, ticket.ticket_id, Status.ON_HOLD, hold_reason=reason)
    body = await ask(harness, f"show {ticket.ticket_id}", read=True)
    raw = shown(body)
    for unsafe in ("<!channel>", "<!here>", "<@U0SNEAKY>", "<https://evil.example"):
        assert unsafe not in raw, unsafe
    history = next(b["text"]["text"] for b in body["blocks"] if "*History*" in str(b))
    assert (
        "added a note: &lt;!channel&gt; fees &lt; $5 &amp; tips &gt; $2, ask &lt;@U0SNEAKY&gt;"
        in history
    )
    assert (
        "&lt;!here&gt; waiting for &lt;@U0SNEAKY&gt; &amp; the "
        "&lt;https://evil.example|vendor&gt;" in history
    )
