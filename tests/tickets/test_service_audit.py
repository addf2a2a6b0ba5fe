"""The audit trail on both databases (the `db` fixture): every change of a ticket's life
recorded with who, what and when, in the change's own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from bot.logs import correlation_id
from bot.tickets.domain import Priority, Ticket, TicketNotFound
from bot.tickets.service import TicketService
from storage.db import Database
from tests.tickets.helpers import (
    AI,
    AI_OPENS,
    ARCHIVED,
    IN_PROGRESS,
    ON_HOLD,
    OP,
    OPEN,
    OPERATIONS,
    OTHER,
    RELAY,
    RESOLVED,
    TECH,
    Boom,
    create,
    new_ticket,
    reach,
    state,
)

# An audit event as the tests compare it: (actor, action, changes, note).
Entry = tuple[str, str, dict[str, list[Any]], str | None]

HOLD = "Waiting for a cable"
FIRST_FIX = "Replaced the HDMI cable"
SECOND_FIX = "Replaced the projector"

# --- the audit trail of a ticket's life --------------------------------------------------

LIFE_START: list[Entry] = [
    (
        AI,
        "created",
        {
            "source": [None, "message_thread"],
            "category": [None, "tech"],
            "priority": [None, "high"],
            "status": [None, "open"],
            "location": [None, "Bedford"],
            "bay": [None, 3],
            "assigned_to": [None, None],
        },
        None,
    ),
    (OP, "assigned", {"assigned_to": [None, TECH]}, None),
    (TECH, "status", {"status": ["open", "in_progress"]}, None),
    (TECH, "note", {}, "Cable looks loose"),
    (TECH, "status", {"status": ["in_progress", "on_hold"], "hold_reason": [None, HOLD]}, None),
    (OP, "status", {"status": ["on_hold", "open"], "hold_reason": [HOLD, None]}, None),
]


def resolved(notes: str, at: str) -> Entry:
    changes = {
        "status": ["open", "resolved"],
        "resolution_notes": [None, notes],
        "resolved_at": [None, at],
    }
    return (TECH, "status", changes, None)


def reopened(notes: str, at: str) -> Entry:
    changes = {
        "status": ["resolved", "open"],
        "resolution_notes": [notes, None],
        "resolved_at": [at, None],
    }
    return ("U0OP2", "status", changes, None)


def life_trail(first_at: str, second_at: str) -> list[Entry]:
    """The whole trail of ticket_life, given when it was resolved the first and second time."""
    return [
        *LIFE_START,
        resolved(FIRST_FIX, first_at),
        reopened(FIRST_FIX, first_at),
        resolved(SECOND_FIX, second_at),
        (OP, "status", {"status": ["resolved", "archived"]}, None),
        ("U0OP2", "unarchived", {"status": ["archived", "resolved"]}, None),
    ]


async def ticket_life(db: Database, tid: str) -> list[Ticket]:
    """Assigned, started, noted, held, reopened, resolved, reopened, resolved again,
    archived, unarchived: each step in its own unit of work; returns each step's ticket."""
    steps: list[Callable[[TicketService], Awaitable[Ticket]]] = [
        lambda s: s.assign(tid, TECH, actor=OP, expected_version=1),
        lambda s: s.change_status(tid, IN_PROGRESS, actor=TECH, expected_version=2),
        lambda s: s.add_note(tid, " Cable looks loose ", actor=TECH, expected_version=3),
        lambda s: s.change_status(tid, ON_HOLD, actor=TECH, expected_version=4, hold_reason=HOLD),
        lambda s: s.change_status(tid, OPEN, actor=OP, expected_version=5),
        lambda s: s.resolve(tid, FIRST_FIX, actor=TECH, expected_version=6),
        lambda s: s.change_status(tid, OPEN, actor="U0OP2", expected_version=7),
        lambda s: s.resolve(tid, SECOND_FIX, actor=TECH, expected_version=8),
        lambda s: s.change_status(tid, ARCHIVED, actor=OP, expected_version=9),
        lambda s: s.unarchive(tid, actor="U0OP2", expected_version=10),
    ]
    done = []
    for step in steps:
        async with db.unit_of_work() as session:
            done.append(await step(TicketService(session)))
    return done


async def test_audit_trail_of_a_ticket_life(db: Database) -> None:
    ticket = await create(db, priority=Priority.HIGH, bay=3)
    tid = ticket.ticket_id
    steps = await ticket_life(db, tid)
    first, second, t = steps[5], steps[7], steps[-1]

    assert [ticket.version, *(step.version for step in steps)] == list(range(1, 12))
    final, events = await state(db, tid)
    assert final == t
    assert (final.status, final.assigned_to, final.resolution_notes) == (
        RESOLVED,
        TECH,
        SECOND_FIX,
    )
    assert first.resolved_at is not None and second.resolved_at is not None
    first_at, second_at = first.resolved_at.isoformat(), second.resolved_at.isoformat()

    expected = life_trail(first_at, second_at)
    assert [(e.actor, e.action, e.changes, e.note) for e in events] == expected
    assert all(e.ticket_id == tid for e in events)
    stamps = [e.at for e in events]
    assert stamps == sorted(stamps)
    assert all(isinstance(at, datetime) and at.utcoffset() is not None for at in stamps)
    assert stamps[0] >= ticket.timestamp
    assert final.updated_at <= stamps[-1]


async def test_audit_event_carries_the_correlation_id(db: Database) -> None:
    # Set explicitly each time: other tests may leave a correlation id in the context.
    token = correlation_id.set(None)
    try:
        ticket = await create(db)
        correlation_id.set("req-42")
        async with db.unit_of_work() as session:
            await TicketService(session).add_note(
                ticket.ticket_id, "Called the customer", actor=OP, expected_version=1
            )
    finally:
        correlation_id.reset(token)
    _, events = await state(db, ticket.ticket_id)
    assert [e.correlation_id for e in events] == [None, "req-42"]


# --- the audit event is in the change's transaction ---------------------------------------


@pytest.mark.parametrize("name", list(OPERATIONS))
async def test_change_and_event_commit_together(db: Database, name: str) -> None:
    start, operation = OPERATIONS[name]
    ticket = await reach(db, start, assignee="U0FIRST")
    before = await state(db, ticket.ticket_id)

    with pytest.raises(Boom):
        async with db.unit_of_work() as session:
            svc = TicketService(session)
            changed = await operation(svc, ticket)
            # Inside the unit of work the change and its event are both there...
            assert changed.version == ticket.version + 1
            assert len(await svc.events(ticket.ticket_id)) == len(before[1]) + 1
            raise Boom
    # ...and after the rollback neither is.
    assert await state(db, ticket.ticket_id) == before

    async with db.unit_of_work() as session:
        changed = await operation(TicketService(session), ticket)
    after, events = await state(db, ticket.ticket_id)
    assert after == changed
    assert after.version == ticket.version + 1
    assert events[:-1] == before[1]
    assert events[-1].actor == OP


async def test_link_thread_and_event_commit_together(db: Database) -> None:
    ticket = await create(db, thread=RELAY)
    before = await state(db, ticket.ticket_id)
    with pytest.raises(Boom):
        async with db.unit_of_work() as session:
            svc = TicketService(session)
            assert await svc.link_thread(ticket.ticket_id, OTHER, actor=OP)
            assert (await svc.get(ticket.ticket_id)).linked_threads == (str(RELAY), str(OTHER))
            raise Boom
    assert await state(db, ticket.ticket_id) == before
    async with db.unit_of_work() as session:
        assert await TicketService(session).for_thread(OTHER) == []


async def test_create_rolled_back_leaves_no_ticket_event_or_number(db: Database) -> None:
    with pytest.raises(Boom):
        async with db.unit_of_work() as session:
            created = await TicketService(session).create(new_ticket(thread=RELAY), **AI_OPENS)
            assert created.ticket_id == "T-1"
            raise Boom
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        with pytest.raises(TicketNotFound):
            await svc.get("T-1")
        assert await svc.list() == []
        assert await svc.for_thread(RELAY) == []
    ticket = await create(db)
    assert ticket.ticket_id == "T-1"
