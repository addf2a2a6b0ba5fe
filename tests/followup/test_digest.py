"""The digest of open tickets through the real parts: tickets in the database, the
runtime's scheduler job, the outbox sender, the Slack stub. Counts by status and priority
per location, the SLA-breaching tickets first and then the oldest, recurring problems
named, titles escaped, and the message within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from slack_sdk.models.blocks import Block

from bot.followup.digest import PRIORITIES, Digest, DigestTicket, LocationDigest
from bot.tickets.domain import Priority, Status, Ticket, ticket_number
from bot.tickets.status import OPEN_STATUSES
from slackui.views.digest import MAX_BLOCKS, digest_message
from storage.models import TicketRow
from tests.followup.digest_support import (
    OPS,
    as_text,
    digest_posts,
    new_ticket,
    run_digest_job,
)
from tests.support.app_harness import OPERATOR, Harness


async def set_fields(h: Harness, ticket: Ticket, **fields: Any) -> None:
    """Move a ticket's clocks (set up only: the app never writes these by hand)."""
    async with h.runtime.database.unit_of_work() as session:
        row = await session.get(TicketRow, ticket_number(ticket.ticket_id))
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def location_section(blocks: list[dict[str, Any]], location: str) -> str:
    return next(t for t in section_texts(blocks) if t.startswith(f"*{location}*"))


def valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


class Board(NamedTuple):
    """Open tickets in every state the digest tells apart, and one resolved."""

    overdue: Ticket  # critical, past its resolution deadline
    unanswered: Ticket  # high, past its first-response deadline
    recent: Ticket  # in progress
    oldest: Ticket  # opened three days ago
    elsewhere: Ticket  # at Dartmouth
    fixed: Ticket  # resolved: not in the digest


async def seed_board(harness: Harness) -> Board:
    now = datetime.now(UTC)
    overdue = await new_ticket(harness, "Door controller offline", Priority.CRITICAL, bay=None)
    unanswered = await new_ticket(harness, "TrackMan frozen", Priority.HIGH, bay=2)
    recent = await new_ticket(harness, "Projector dim", Priority.MEDIUM, bay=3, responded=True)
    oldest = await new_ticket(harness, "Loose carpet", Priority.LOW, bay=1, responded=True)
    elsewhere = await new_ticket(harness, "Kiosk slow", Priority.HIGH, "Dartmouth", 5)
    fixed = await new_ticket(harness, "Balls out", Priority.LOW, bay=4, responded=True)
    await set_fields(harness, overdue, resolution_due_at=now - timedelta(hours=2))
    await set_fields(harness, unanswered, response_due_at=now - timedelta(minutes=10))
    # Opened last but three days ago: the oldest of the Bedford tickets within the SLA.
    await set_fields(harness, oldest, created_at=now - timedelta(days=3))
    await harness.runtime.operations.change_status(OPERATOR, recent.ticket_id, Status.IN_PROGRESS)
    await harness.runtime.operations.change_status(
        OPERATOR, fixed.ticket_id, Status.RESOLVED, resolution_notes="refilled"
    )
    return Board(overdue, unanswered, recent, oldest, elsewhere, fixed)


async def test_digest_counts_per_location_breaching_first_then_oldest(harness: Harness) -> None:
    overdue, unanswered, recent, oldest, elsewhere, fixed = await seed_board(harness)
    await harness.settle()

    await run_digest_job(harness)

    [post] = digest_posts(harness.stub)
    blocks = post["blocks"]
    valid_blocks(blocks)
    assert post["text"] == ("Open tickets digest: 5 open, 2 past SLA, across 2 location(s)")
    summary = section_texts(blocks)[0]
    assert "*5 open*" in summary and "*2 past SLA*" in summary
    assert "Open 4 · In progress 1" in summary
    assert "Critical 1" in summary and "High 2" in summary and "Low 1" in summary

    bedford = location_section(blocks, "Bedford")
    assert bedford.startswith("*Bedford* — 4 open, 2 past SLA")
    assert "Open 3 · In progress 1" in bedford
    order = [t.ticket_id for t in (overdue, unanswered, oldest, recent)]
    positions = [bedford.index(f"*{ticket_id}*") for ticket_id in order]
    assert positions == sorted(positions), bedford
    assert "not resolved, 2 h past SLA" in bedford  # the critical's resolution clock
    assert "no first response" in bedford  # the high one nobody answered
    assert "open 3 d" in bedford
    assert fixed.ticket_id not in post["text"] + as_text(blocks)

    dartmouth = location_section(blocks, "Dartmouth")
    assert dartmouth.startswith("*Dartmouth* — 1 open\n")
    assert f"*{elsewhere.ticket_id}*" in dartmouth and "Bay 5" in dartmouth
    # Configured order: Bedford before Dartmouth.
    texts = section_texts(blocks)
    assert texts.index(bedford) < texts.index(dartmouth)


async def test_recurring_problems_are_named(harness: Harness) -> None:
    for _ in range(3):
        await new_ticket(
            harness, "Projector dim", Priority.MEDIUM, bay=4, problem_key="projector_dim"
        )
    await harness.settle()

    await run_digest_job(harness)

    [post] = digest_posts(harness.stub)
    text = "\n".join(section_texts(post["blocks"]))
    assert "Recurring problems" in text
    assert "Bedford: 3 projector-dim tickets in Bay 4 this week" in text


async def test_an_empty_board_says_so_without_a_chart(harness: Harness) -> None:
    await run_digest_job(harness)

    [empty] = digest_posts(harness.stub)
    assert empty["text"] == "Open tickets digest: no open tickets"
    assert "No open tickets" in as_text(empty["blocks"])
    assert harness.stub.calls("files.getUploadURLExternal") == []  # no chart of nothing


async def test_titles_are_escaped(harness: Harness) -> None:
    await new_ticket(harness, "<!channel> <@U0OP1> fix & go", Priority.LOW)

    await run_digest_job(harness)

    posted = as_text(digest_posts(harness.stub)[0]["blocks"])
    assert "<!channel>" not in posted and "<@U0OP1>" not in posted
    assert "&lt;!channel&gt; &lt;@U0OP1&gt; fix &amp; go" in posted


def test_the_message_stays_within_slack_limits_with_many_locations() -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    entry = DigestTicket("T-1", "x" * 300, Priority.HIGH, Status.OPEN, 2, now - timedelta(days=1))
    locations = tuple(
        LocationDigest(
            f"Location {n}",
            {s: 3 for s in OPEN_STATUSES},
            {p: 2 for p in PRIORITIES[:-1]} | {PRIORITIES[-1]: 3},
            0,
            (entry,) * 5,
        )
        for n in range(80)
    )
    digest = Digest(OPS, now, locations)
    blocks = [b.to_dict() for b in digest_message(digest)]
    valid_blocks(blocks)
    assert len(blocks) == MAX_BLOCKS
    assert "…and 35 more locations with 315 open tickets" in as_text(blocks)
    assert Digest.from_json(json.loads(json.dumps(digest.to_json()))) == digest
