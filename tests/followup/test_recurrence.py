"""Recurrence: the third similar ticket (same location, bay and problem) within 7 days
groups them under a parent one priority step up; later ones join it; the digest names the
pattern. Through the ticket service and the relay, on both databases, cards to the stub."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.followup.patterns import label_for, recurring_patterns
from bot.followup.recurrence import check_recurrence, raised
from bot.tickets.domain import Category, Priority, Source, Ticket, TicketDraft
from bot.tickets.notices import Notifier
from bot.tickets.service import TicketService
from bot.tickets.transfer import import_tickets
from storage.models import utcnow
from tests.support.app_harness import OPERATOR, RELAY, Harness
from tests.support.relay import customer_says

AI = "OperatorGPT"


@pytest.fixture(autouse=True)
async def _delivered(harness: Harness) -> AsyncIterator[None]:
    """Every queued card delivered before the app stops (reports do not wait for them)."""
    yield
    await harness.settle()


async def report(
    h: Harness,
    *,
    priority: Priority = Priority.MEDIUM,
    bay: int | None = 4,
    key: str | None = "projector_dim",
    title: str = "Projector dim",
    location: str = "Bedford",
    now: datetime | None = None,
) -> tuple[Ticket, Ticket | None]:
    """A customer report turned into a ticket, then checked for recurrence in the same unit
    of work, as the relay does."""
    async with h.runtime.database.unit_of_work() as session:
        tickets = TicketService(session)
        notify = Notifier(session, h.runtime.operations.routed_channel, h.runtime.sender.wake)
        ticket = await tickets.create(
            TicketDraft(
                title=title,
                category=Category.TECH,
                priority=priority,
                location=location,
                bay=bay,
                customer="cust_1",
                problem_key=key,
            ),
            actor=AI,
            source=Source.MESSAGE_THREAD,
        )
        notify.created(ticket)
        parent = await check_recurrence(tickets, notify, ticket, now or utcnow(), actor=AI)
    return ticket, parent


def cards_for(h: Harness, ticket_id: str) -> list[str]:
    return [
        str(c["channel"])
        for c in h.stub.calls("chat.postMessage")
        if c.get("blocks") and ticket_id in str(c.get("text"))
    ]


async def test_the_third_similar_ticket_makes_a_parent_one_step_up(harness: Harness) -> None:
    first, none1 = await report(harness, priority=Priority.LOW)
    second, none2 = await report(harness, priority=Priority.MEDIUM)
    assert none1 is None and none2 is None
    third, parent = await report(harness, priority=Priority.LOW)
    assert parent is not None
    assert parent.title == "Recurring: 3 projector-dim tickets in Bay 4 this week"
    assert parent.priority == Priority.HIGH  # one step above the highest child (medium)
    assert (parent.category, parent.location, parent.bay) == (Category.TECH, "Bedford", 4)
    assert parent.source == Source.MESSAGE_THREAD and parent.created_by == AI
    assert parent.problem_key == "recurrence:projector_dim"
    assert parent.first_response_at is None  # its SLA clocks run like any ticket's
    for child in (first, second, third):
        again = await harness.ticket(child.ticket_id)
        assert again.parent_id == parent.ticket_id
        assert again.first_response_at is None  # grouping is not a response
        async with harness.runtime.database.unit_of_work() as session:
            events = await TicketService(session).events(child.ticket_id)
        assert events[-1].action == "parent_linked" and events[-1].actor == AI
        assert events[-1].changes == {"parent_id": [None, parent.ticket_id]}
    await harness.settle()
    assert cards_for(harness, parent.ticket_id) == ["C0TECH"]
    assert len(await harness.tickets()) == 4


async def test_a_fourth_joins_the_same_parent(harness: Harness) -> None:
    for _ in range(3):
        _, parent = await report(harness)
    assert parent is not None and parent.priority == Priority.HIGH
    fourth, again = await report(harness, priority=Priority.HIGH)
    assert again is not None and again.ticket_id == parent.ticket_id
    assert again.title == "Recurring: 4 projector-dim tickets in Bay 4 this week"
    assert again.priority == Priority.CRITICAL  # the new child is high: one step up
    assert (await harness.ticket(fourth.ticket_id)).parent_id == parent.ticket_id
    assert len(await harness.tickets()) == 5  # four reports, one parent
    await harness.settle()
    assert cards_for(harness, parent.ticket_id) == ["C0TECH"]  # posted once, then updated


async def test_critical_children_make_a_critical_parent(harness: Harness) -> None:
    for _ in range(3):
        _, parent = await report(harness, priority=Priority.CRITICAL, key="system:location")
    assert parent is not None and parent.priority == Priority.CRITICAL
    assert raised(Priority.CRITICAL) == Priority.CRITICAL and raised(Priority.LOW).value == "medium"


async def test_other_bays_and_other_problems_make_no_parent(harness: Harness) -> None:
    await report(harness, bay=1)
    await report(harness, bay=2)
    _, parent = await report(harness, bay=3)
    assert parent is None
    await report(harness, bay=None)  # location-wide is not "bay 4"
    await report(harness, key="projector_blurry")
    await report(harness, location="Dartmouth")
    _, parent = await report(harness)
    assert parent is None
    assert all(t.parent_id is None for t in await harness.tickets())


async def test_tickets_more_than_7_days_apart_make_no_parent(
    harness: Harness, tmp_path: Path
) -> None:
    old = datetime.now(UTC) - timedelta(days=8)
    recent = datetime.now(UTC) - timedelta(days=6)
    seed = tmp_path / "old.json"

    def record(number: int, at: datetime) -> dict[str, object]:
        return {
            "ticket_id": f"T-{number}",
            "title": "Projector dim in Bay 4",
            "category": "tech",
            "priority": "medium",
            "status": "resolved",
            "location": "Bedford",
            "bay": 4,
            "timestamp": at.isoformat(),
            "resolved_at": (at + timedelta(hours=2)).isoformat(),
            "resolution_notes": "Lamp cleaned",
        }

    seed.write_text(json.dumps([record(1, old)]), encoding="utf-8")
    await import_tickets(harness.runtime.database.url, seed, progress=False)
    await report(harness, key=None, title="Projector is really dim")
    _, parent = await report(harness, key=None, title="Projector dim again")
    assert parent is None  # the first was 8 days ago: two within the week

    seed.write_text(json.dumps([record(50, recent)]), encoding="utf-8")
    await import_tickets(harness.runtime.database.url, seed, progress=False)
    _, parent = await report(harness, key=None, title="Projector super dim")
    assert parent is not None  # T-50 (6 days ago) and the two new ones: 4 in the week
    assert parent.title == "Recurring: 4 projector-dim tickets in Bay 4 this week"
    assert (await harness.ticket("T-50")).parent_id == parent.ticket_id
    assert (await harness.ticket("T-1")).parent_id is None


async def test_the_digest_names_each_open_pattern(harness: Harness) -> None:
    for _ in range(3):
        _, parent = await report(harness)
    await report(harness, key="internet_down", bay=None, priority=Priority.CRITICAL)
    await report(harness, key="internet_down", bay=None, priority=Priority.CRITICAL)
    _, outage = await report(harness, key="internet_down", bay=None, priority=Priority.CRITICAL)
    assert parent is not None and outage is not None
    patterns = await recurring_patterns(harness.runtime.database, utcnow())
    assert [p.parent_id for p in patterns] == [outage.ticket_id, parent.ticket_id]
    assert patterns[1].describe() == "3 projector-dim tickets in Bay 4 this week"
    assert patterns[0].describe() == "3 internet-down tickets at Bedford this week"
    assert (patterns[1].child_count, patterns[1].location, patterns[1].bay) == (3, "Bedford", 4)
    later = await recurring_patterns(harness.runtime.database, utcnow() + timedelta(days=8))
    assert later[1].describe() == "3 projector-dim tickets in Bay 4 (none this week)"
    await harness.runtime.operations.resolve(OPERATOR, parent.ticket_id, "Projector replaced")
    assert [p.parent_id for p in await recurring_patterns(harness.runtime.database, utcnow())] == [
        outage.ticket_id
    ]
    assert label_for("system:projector:3") == "projector"


async def test_three_customer_reports_through_the_relay_make_a_parent(harness: Harness) -> None:
    """The projector in bay 4 is fixed, then dim again, and again: the relay opens a ticket
    each time (none is open to link to), and the third is grouped; so is a fourth."""
    texts = [
        "projector in bay 4 is really dim",
        "bay 4 projector dim again",
        "the projector in box 4 looks dim today",
        "projector in bay 4 dim AGAIN",
    ]
    ids: list[str] = []
    for n, text in enumerate(texts):
        await harness.post(customer_says(text, f"17325500{n}0.000100"))
        await harness.settle()
        newest = max(await harness.tickets(), key=lambda t: t.number)
        if newest.problem_key and newest.problem_key.startswith("recurrence:"):
            parent = newest
            newest = await harness.ticket(f"T-{newest.number - 1}")
        ids.append(newest.ticket_id)
        assert newest.linked_thread == f"{RELAY}:17325500{n}0.000100"
        if n < 2:
            assert newest.parent_id is None
        await harness.runtime.operations.resolve(OPERATOR, newest.ticket_id, "Lamp cleaned")
    await harness.settle()
    tickets = {t.ticket_id: t for t in await harness.tickets()}
    assert len(tickets) == 5  # four reports and one parent
    assert parent.title == "Recurring: 3 projector-dim tickets in Bay 4 this week"
    assert parent.priority == raised(Priority.MEDIUM) == Priority.HIGH
    assert all(tickets[i].parent_id == parent.ticket_id for i in ids)
    assert (
        tickets[parent.ticket_id].title == "Recurring: 4 projector-dim tickets in Bay 4 this week"
    )
    assert cards_for(harness, parent.ticket_id) == ["C0TECH"]
    # The parent is in no customer thread: the customers see their own tickets only.
    assert tickets[parent.ticket_id].linked_threads == ()


async def test_reports_of_different_things_or_rooms_make_no_pattern(harness: Harness) -> None:
    """The rules read "bathroom dirty" in all three; the things and rooms differ."""
    for title in ("Men's toilet overflowing", "Ladies' bathroom dirty", "Men's urinal clogged"):
        _, parent = await report(harness, key=None, bay=None, title=title)
        assert parent is None, title
    await report(harness, key=None, bay=None, title="Men's toilet overflowing again")
    _, parent = await report(harness, key=None, bay=None, title="Toilet overflowing in the mens")
    assert parent is not None
    assert parent.title == "Recurring: 3 bathroom-dirty tickets at Bedford this week"
