"""TicketService on both databases: transitions, audit trail, versions, filters, threads.

Every test gets a fresh migrated database (the `db` fixture runs each test on SQLite
and on PostgreSQL). Tickets reach their starting state through the service itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from bot.logs import correlation_id
from bot.tickets.domain import (
    AuditEvent,
    Category,
    InvalidTicket,
    Priority,
    Source,
    StaleTicket,
    Status,
    ThreadRef,
    Ticket,
    TicketError,
    TicketNotFound,
    TransitionNotAllowed,
)
from bot.tickets.service import NewTicket, TicketEdit, TicketFilter, TicketService
from storage.db import Database
from tests.tickets.test_status_machine import EXPECTED

AI = "OperatorGPT"
OP = "U0OP1"
TECH = "U0TECH"
REASON = "Waiting for a replacement lamp"
NOTES = "Replaced the lamp and recalibrated"
RELAY = ThreadRef(channel="C0RELAY", thread_ts="1732550000.000100")
OTHER = ThreadRef(channel="C0RELAY", thread_ts="1732550999.000200")

OPEN = Status.OPEN
IN_PROGRESS = Status.IN_PROGRESS
ON_HOLD = Status.ON_HOLD
RESOLVED = Status.RESOLVED
ARCHIVED = Status.ARCHIVED

# How each status is reached from a new (open) ticket, through the service.
PATH: dict[Status, list[Status]] = {
    OPEN: [],
    IN_PROGRESS: [IN_PROGRESS],
    ON_HOLD: [ON_HOLD],
    RESOLVED: [RESOLVED],
    ARCHIVED: [RESOLVED, ARCHIVED],
}


def inputs_for(target: Status) -> dict[str, str]:
    """What a move to `target` needs, and nothing more."""
    if target == IN_PROGRESS:
        return {"assignee": TECH}
    if target == ON_HOLD:
        return {"hold_reason": REASON}
    if target == RESOLVED:
        return {"resolution_notes": NOTES}
    return {}


def new_ticket(**overrides: Any) -> NewTicket:
    fields: dict[str, Any] = {
        "title": "Projector in bay 2 flickers",
        "category": Category.TECH,
        "priority": Priority.MEDIUM,
        "location": "Bedford",
        "created_by": AI,
        "submitted_by": "cust-1001",
        "source": Source.MESSAGE_THREAD,
        "description": "The image flickers every few seconds.",
        "bay": 2,
    }
    fields.update(overrides)
    return NewTicket(**fields)


async def create(db: Database, **overrides: Any) -> Ticket:
    async with db.unit_of_work() as session:
        return await TicketService(session).create(new_ticket(**overrides))


async def state(db: Database, ticket_id: str) -> tuple[Ticket, list[AuditEvent]]:
    """The committed ticket and its audit trail, read in a fresh unit of work."""
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        return await svc.get(ticket_id), await svc.events(ticket_id)


async def move(db: Database, ticket: Ticket, target: Status, actor: str = OP) -> Ticket:
    async with db.unit_of_work() as session:
        return await TicketService(session).change_status(
            ticket.ticket_id,
            target,
            actor=actor,
            expected_version=ticket.version,
            **inputs_for(target),
        )


async def reach(db: Database, status: Status, **overrides: Any) -> Ticket:
    ticket = await create(db, **overrides)
    for target in PATH[status]:
        ticket = await move(db, ticket, target)
    assert ticket.status == status
    return ticket


class Boom(Exception):
    pass


# --- every transition through change_status -------------------------------------------


ALLOWED_PAIRS = [pair for pair, ok in EXPECTED.items() if ok]
FORBIDDEN_PAIRS = [pair for pair, ok in EXPECTED.items() if not ok]


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS, ids=str)
async def test_allowed_transition(db: Database, current: Status, target: Status) -> None:
    ticket = await reach(db, current)
    _, events_before = await state(db, ticket.ticket_id)

    moved = await move(db, ticket, target)

    after, events = await state(db, ticket.ticket_id)
    assert moved == after
    assert after.status == target
    assert after.version == ticket.version + 1
    assert after.updated_at >= ticket.updated_at
    assert len(events) == len(events_before) + 1
    event = events[-1]
    assert (event.actor, event.action) == (OP, "status")
    assert event.changes["status"] == [current.value, target.value]

    assert after.hold_reason == (REASON if target == ON_HOLD else None)
    if target == RESOLVED:
        assert after.resolution_notes == NOTES
        assert after.resolved_at is not None
    elif target == ARCHIVED:
        # Archiving keeps what the resolution said.
        assert after.resolution_notes == ticket.resolution_notes == NOTES
        assert after.resolved_at == ticket.resolved_at is not None
    else:
        assert after.resolution_notes is None
        assert after.resolved_at is None
    if target == IN_PROGRESS or current == IN_PROGRESS:
        assert after.assigned_to == TECH


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_PAIRS, ids=str)
async def test_forbidden_transition_changes_nothing(
    db: Database, current: Status, target: Status
) -> None:
    ticket = await reach(db, current)
    before = await state(db, ticket.ticket_id)
    # Everything any target could need, so the refusal is about the pair alone.
    everything = {"assignee": "U0OTHER", "hold_reason": REASON, "resolution_notes": NOTES}

    with pytest.raises(TransitionNotAllowed) as err:
        async with db.unit_of_work() as session:
            await TicketService(session).change_status(
                ticket.ticket_id,
                target,
                actor=OP,
                expected_version=ticket.version,
                **everything,
            )
    assert err.value.message[0].isupper() and err.value.message.endswith(".")
    assert await state(db, ticket.ticket_id) == before

    # A caller that catches the refusal and commits its unit of work changes nothing either.
    async with db.unit_of_work() as session:
        with pytest.raises(TransitionNotAllowed):
            await TicketService(session).change_status(
                ticket.ticket_id,
                target,
                actor=OP,
                expected_version=ticket.version,
                **everything,
            )
        assert not session.dirty and not session.new
    assert await state(db, ticket.ticket_id) == before


# --- what each target needs --------------------------------------------------------------


async def assert_refused(
    db: Database,
    ticket_id: str,
    action: Callable[[TicketService], Awaitable[object]],
    error: type[TicketError] = TransitionNotAllowed,
) -> str:
    """`action` raises `error` and leaves the ticket and its trail exactly as they were."""
    before = await state(db, ticket_id)
    with pytest.raises(error) as err:
        async with db.unit_of_work() as session:
            await action(TicketService(session))
    assert await state(db, ticket_id) == before
    return err.value.message


@pytest.mark.parametrize("current", [OPEN, ON_HOLD], ids=str)
async def test_in_progress_without_assignee_is_refused(db: Database, current: Status) -> None:
    ticket = await reach(db, current)
    assert ticket.assigned_to is None
    for assignee in (None, ""):
        message = await assert_refused(
            db,
            ticket.ticket_id,
            lambda svc, a=assignee: svc.change_status(
                ticket.ticket_id,
                IN_PROGRESS,
                actor=OP,
                expected_version=ticket.version,
                assignee=a,
            ),
        )
        assert message == "Assign someone before marking the ticket in progress."


async def test_in_progress_with_assignee_in_the_same_call(db: Database) -> None:
    ticket = await create(db)
    async with db.unit_of_work() as session:
        moved = await TicketService(session).change_status(
            ticket.ticket_id,
            IN_PROGRESS,
            actor=OP,
            expected_version=ticket.version,
            assignee=TECH,
        )
    after, events = await state(db, ticket.ticket_id)
    assert moved == after
    assert (after.status, after.assigned_to, after.version) == (IN_PROGRESS, TECH, 2)
    assert [e.action for e in events] == ["created", "status"]
    assert events[-1].changes == {"status": ["open", "in_progress"], "assigned_to": [None, TECH]}


async def test_in_progress_with_existing_assignee(db: Database) -> None:
    ticket = await create(db, assigned_to=TECH)
    async with db.unit_of_work() as session:
        moved = await TicketService(session).change_status(
            ticket.ticket_id, IN_PROGRESS, actor=OP, expected_version=ticket.version
        )
    assert (moved.status, moved.assigned_to) == (IN_PROGRESS, TECH)
    _, events = await state(db, ticket.ticket_id)
    assert events[-1].changes == {"status": ["open", "in_progress"]}


async def test_in_progress_ticket_cannot_be_unassigned(db: Database) -> None:
    ticket = await reach(db, IN_PROGRESS)
    message = await assert_refused(
        db,
        ticket.ticket_id,
        lambda svc: svc.assign(ticket.ticket_id, None, actor=OP, expected_version=ticket.version),
    )
    assert "needs an assignee" in message


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS], ids=str)
async def test_on_hold_needs_a_reason(db: Database, current: Status) -> None:
    ticket = await reach(db, current)
    for reason in (None, "", "   "):
        message = await assert_refused(
            db,
            ticket.ticket_id,
            lambda svc, r=reason: svc.change_status(
                ticket.ticket_id,
                ON_HOLD,
                actor=OP,
                expected_version=ticket.version,
                hold_reason=r,
            ),
        )
        assert "reason" in message
    async with db.unit_of_work() as session:
        held = await TicketService(session).change_status(
            ticket.ticket_id,
            ON_HOLD,
            actor=OP,
            expected_version=ticket.version,
            hold_reason="  Parts ordered  ",
        )
    assert (held.status, held.hold_reason) == (ON_HOLD, "Parts ordered")
    # Leaving on hold clears the reason; the trail keeps it.
    back = await move(db, held, OPEN)
    assert back.hold_reason is None
    _, events = await state(db, ticket.ticket_id)
    assert events[-1].changes["hold_reason"] == ["Parts ordered", None]


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS, ON_HOLD], ids=str)
async def test_resolved_needs_notes(db: Database, current: Status) -> None:
    ticket = await reach(db, current)
    for notes in (None, "", "  \n "):
        message = await assert_refused(
            db,
            ticket.ticket_id,
            lambda svc, n=notes: svc.change_status(
                ticket.ticket_id,
                RESOLVED,
                actor=OP,
                expected_version=ticket.version,
                resolution_notes=n,
            ),
        )
        assert "resolution notes" in message
        message = await assert_refused(
            db,
            ticket.ticket_id,
            lambda svc, n=notes: svc.resolve(
                ticket.ticket_id, n or "", actor=OP, expected_version=ticket.version
            ),
        )
        assert "resolution notes" in message
    async with db.unit_of_work() as session:
        resolved = await TicketService(session).resolve(
            ticket.ticket_id, "  Rebooted the PC  ", actor=OP, expected_version=ticket.version
        )
    assert (resolved.status, resolved.resolution_notes) == (RESOLVED, "Rebooted the PC")
    assert resolved.resolved_at is not None
    assert resolved.hold_reason is None


async def test_reopen_clears_resolution_notes(db: Database) -> None:
    resolved = await reach(db, RESOLVED)
    assert resolved.resolution_notes == NOTES
    reopened = await move(db, resolved, OPEN)
    assert (reopened.status, reopened.resolution_notes, reopened.resolved_at) == (OPEN, None, None)
    _, events = await state(db, resolved.ticket_id)
    assert events[-1].changes == {
        "status": ["resolved", "open"],
        "resolution_notes": [NOTES, None],
        "resolved_at": [resolved.resolved_at.isoformat() if resolved.resolved_at else None, None],
    }


# --- archived tickets -------------------------------------------------------------------


def archived_refusals(ticket: Ticket) -> dict[str, Callable[[TicketService], Awaitable[object]]]:
    tid, v = ticket.ticket_id, ticket.version
    refusals: dict[str, Callable[[TicketService], Awaitable[object]]] = {
        "assign": lambda svc: svc.assign(tid, TECH, actor=OP, expected_version=v),
        "unassign": lambda svc: svc.assign(tid, None, actor=OP, expected_version=v),
        "note": lambda svc: svc.add_note(tid, "Any news?", actor=OP, expected_version=v),
        "resolve": lambda svc: svc.resolve(tid, NOTES, actor=OP, expected_version=v),
        "learnable": lambda svc: svc.set_learnable(tid, True, actor=OP, expected_version=v),
        "edit": lambda svc: svc.edit(
            tid, TicketEdit(priority=Priority.HIGH), actor=OP, expected_version=v
        ),
        "edit_title": lambda svc: svc.edit(
            tid, TicketEdit(title="Another title"), actor=OP, expected_version=v
        ),
        "link_thread": lambda svc: svc.link_thread(tid, OTHER, actor=OP),
    }
    for target in Status:
        refusals[f"status_{target}"] = lambda svc, t=target: svc.change_status(
            tid,
            t,
            actor=OP,
            expected_version=v,
            assignee=TECH,
            hold_reason=REASON,
            resolution_notes=NOTES,
        )
    return refusals


async def test_archived_refuses_every_change(db: Database) -> None:
    ticket = await reach(db, ARCHIVED)
    refusals = archived_refusals(ticket)
    assert len(refusals) == 13
    for name, action in refusals.items():
        message = await assert_refused(db, ticket.ticket_id, action)
        assert "Unarchive it first" in message, (name, message)


async def test_unarchive_returns_to_resolved(db: Database) -> None:
    archived = await reach(db, ARCHIVED)
    async with db.unit_of_work() as session:
        back = await TicketService(session).unarchive(
            archived.ticket_id, actor=OP, expected_version=archived.version
        )
    after, events = await state(db, archived.ticket_id)
    assert back == after
    assert after.status == RESOLVED
    assert after.version == archived.version + 1
    assert after.resolution_notes == NOTES
    assert after.resolved_at == archived.resolved_at
    assert (events[-1].actor, events[-1].action) == (OP, "unarchived")
    assert events[-1].changes == {"status": ["archived", "resolved"]}
    # Once unarchived it is an ordinary resolved ticket again.
    reopened = await move(db, after, OPEN)
    assert reopened.status == OPEN


@pytest.mark.parametrize("current", [OPEN, IN_PROGRESS, ON_HOLD, RESOLVED], ids=str)
async def test_only_archived_tickets_unarchive(db: Database, current: Status) -> None:
    ticket = await reach(db, current)
    message = await assert_refused(
        db,
        ticket.ticket_id,
        lambda svc: svc.unarchive(ticket.ticket_id, actor=OP, expected_version=ticket.version),
    )
    assert message.startswith("Only archived tickets can be unarchived")


# --- the audit trail of a ticket's life --------------------------------------------------


async def test_audit_trail_of_a_ticket_life(db: Database) -> None:
    ticket = await create(db, priority=Priority.HIGH, bay=3)
    tid = ticket.ticket_id
    versions = [ticket.version]

    async def step(call: Callable[[TicketService], Awaitable[Ticket]]) -> Ticket:
        async with db.unit_of_work() as session:
            result = await call(TicketService(session))
        versions.append(result.version)
        return result

    t = await step(lambda s: s.assign(tid, TECH, actor=OP, expected_version=1))
    t = await step(lambda s: s.change_status(tid, IN_PROGRESS, actor=TECH, expected_version=2))
    t = await step(lambda s: s.add_note(tid, " Cable looks loose ", actor=TECH, expected_version=3))
    t = await step(
        lambda s: s.change_status(
            tid, ON_HOLD, actor=TECH, expected_version=4, hold_reason="Waiting for a cable"
        )
    )
    t = await step(lambda s: s.change_status(tid, OPEN, actor=OP, expected_version=5))
    first = await step(
        lambda s: s.resolve(tid, "Replaced the HDMI cable", actor=TECH, expected_version=6)
    )
    t = await step(lambda s: s.change_status(tid, OPEN, actor="U0OP2", expected_version=7))
    second = await step(
        lambda s: s.resolve(tid, "Replaced the projector", actor=TECH, expected_version=8)
    )
    t = await step(lambda s: s.change_status(tid, ARCHIVED, actor=OP, expected_version=9))
    t = await step(lambda s: s.unarchive(tid, actor="U0OP2", expected_version=10))

    assert versions == list(range(1, 12))
    final, events = await state(db, tid)
    assert final == t
    assert (final.status, final.assigned_to, final.resolution_notes) == (
        RESOLVED,
        TECH,
        "Replaced the projector",
    )
    assert first.resolved_at is not None and second.resolved_at is not None
    first_at, second_at = first.resolved_at.isoformat(), second.resolved_at.isoformat()

    expected = [
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
        (
            TECH,
            "status",
            {
                "status": ["in_progress", "on_hold"],
                "hold_reason": [None, "Waiting for a cable"],
            },
            None,
        ),
        (
            OP,
            "status",
            {
                "status": ["on_hold", "open"],
                "hold_reason": ["Waiting for a cable", None],
            },
            None,
        ),
        (
            TECH,
            "status",
            {
                "status": ["open", "resolved"],
                "resolution_notes": [None, "Replaced the HDMI cable"],
                "resolved_at": [None, first_at],
            },
            None,
        ),
        (
            "U0OP2",
            "status",
            {
                "status": ["resolved", "open"],
                "resolution_notes": ["Replaced the HDMI cable", None],
                "resolved_at": [first_at, None],
            },
            None,
        ),
        (
            TECH,
            "status",
            {
                "status": ["open", "resolved"],
                "resolution_notes": [None, "Replaced the projector"],
                "resolved_at": [None, second_at],
            },
            None,
        ),
        (OP, "status", {"status": ["resolved", "archived"]}, None),
        ("U0OP2", "unarchived", {"status": ["archived", "resolved"]}, None),
    ]
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


Operation = Callable[[TicketService, Ticket], Awaitable[Ticket]]

OPERATIONS: dict[str, tuple[Status, Operation]] = {
    "assign": (
        OPEN,
        lambda s, t: s.assign(t.ticket_id, TECH, actor=OP, expected_version=t.version),
    ),
    "unassign": (
        OPEN,
        lambda s, t: s.assign(t.ticket_id, None, actor=OP, expected_version=t.version),
    ),
    "status": (
        OPEN,
        lambda s, t: s.change_status(
            t.ticket_id, ON_HOLD, actor=OP, expected_version=t.version, hold_reason=REASON
        ),
    ),
    "resolve": (
        IN_PROGRESS,
        lambda s, t: s.resolve(t.ticket_id, NOTES, actor=OP, expected_version=t.version),
    ),
    "archive": (
        RESOLVED,
        lambda s, t: s.change_status(t.ticket_id, ARCHIVED, actor=OP, expected_version=t.version),
    ),
    "unarchive": (
        ARCHIVED,
        lambda s, t: s.unarchive(t.ticket_id, actor=OP, expected_version=t.version),
    ),
    "note": (
        ON_HOLD,
        lambda s, t: s.add_note(t.ticket_id, "Any news?", actor=OP, expected_version=t.version),
    ),
    "learnable": (
        RESOLVED,
        lambda s, t: s.set_learnable(t.ticket_id, True, actor=OP, expected_version=t.version),
    ),
    "edit": (
        OPEN,
        lambda s, t: s.edit(
            t.ticket_id,
            TicketEdit(category=Category.FACILITIES),
            actor=OP,
            expected_version=t.version,
        ),
    ),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
async def test_change_and_event_commit_together(db: Database, name: str) -> None:
    start, operation = OPERATIONS[name]
    ticket = await reach(db, start, assigned_to="U0FIRST")
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
            linked = await TicketService(session).link_thread(ticket.ticket_id, OTHER, actor=OP)
            assert linked.linked_threads == (str(RELAY), str(OTHER))
            raise Boom
    assert await state(db, ticket.ticket_id) == before
    async with db.unit_of_work() as session:
        assert await TicketService(session).for_thread(OTHER) == []


async def test_create_rolled_back_leaves_no_ticket_event_or_number(db: Database) -> None:
    with pytest.raises(Boom):
        async with db.unit_of_work() as session:
            created = await TicketService(session).create(new_ticket(thread=RELAY))
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


# --- versions: stale updates are refused -------------------------------------------------


@pytest.mark.parametrize("name", list(OPERATIONS))
@pytest.mark.parametrize("offset", [-1, +1], ids=["older", "newer"])
async def test_stale_update_is_refused(db: Database, name: str, offset: int) -> None:
    start, operation = OPERATIONS[name]
    ticket = await reach(db, start, assigned_to="U0FIRST")
    current, _ = await state(db, ticket.ticket_id)
    if offset < 0:
        # Someone else changes it after `ticket` was read: a thread link (no version
        # needed); an archived ticket is unarchived and archived again instead.
        async with db.unit_of_work() as session:
            svc = TicketService(session)
            if start == ARCHIVED:
                await svc.unarchive(ticket.ticket_id, actor="U0OP2", expected_version=None)
            else:
                await svc.link_thread(ticket.ticket_id, OTHER, actor="U0OP2")
        current, _ = await state(db, ticket.ticket_id)
        stale = ticket
        assert current.version == ticket.version + 1
        if start == ARCHIVED:
            # Put it back to archived so the operation itself would be allowed.
            current = await move(db, current, ARCHIVED)
            assert current.version == ticket.version + 2
    else:
        stale = replace(ticket, version=ticket.version + 1)
    before = await state(db, ticket.ticket_id)

    with pytest.raises(StaleTicket) as err:
        async with db.unit_of_work() as session:
            await operation(TicketService(session), stale)
    assert (err.value.expected, err.value.actual) == (stale.version, current.version)
    assert err.value.ticket_id == ticket.ticket_id
    assert "changed by someone else" in err.value.message
    assert await state(db, ticket.ticket_id) == before

    # With the version it now has, the same operation goes through.
    async with db.unit_of_work() as session:
        done = await operation(TicketService(session), current)
    assert done.version == current.version + 1


async def test_two_writers_that_read_the_same_version_one_wins(db: Database) -> None:
    ticket = await create(db)
    tid = ticket.ticket_id
    outcomes: list[Ticket | BaseException]

    if db.url.startswith("postgresql"):
        # Two engines, two sessions, both holding version 1 when they write.
        other = Database(db.url)
        barrier = asyncio.Barrier(2)

        async def attempt(database: Database, assignee: str) -> Ticket:
            async with database.unit_of_work() as session:
                svc = TicketService(session)
                seen = await svc.get(tid)
                await barrier.wait()
                return await svc.assign(
                    tid, assignee, actor=assignee, expected_version=seen.version
                )

        try:
            outcomes = list(
                await asyncio.wait_for(
                    asyncio.gather(
                        attempt(db, "U0ANNA"), attempt(other, "U0BEN"), return_exceptions=True
                    ),
                    timeout=20,
                )
            )
        finally:
            await other.dispose()
    else:
        # SQLite serialises writers: both read version 1, then write one after the other.
        async def read() -> Ticket:
            async with db.unit_of_work() as session:
                return await TicketService(session).get(tid)

        seen_a, seen_b = await read(), await read()
        assert seen_a.version == seen_b.version == 1
        outcomes = []
        for seen, assignee in ((seen_a, "U0ANNA"), (seen_b, "U0BEN")):
            try:
                async with db.unit_of_work() as session:
                    outcomes.append(
                        await TicketService(session).assign(
                            tid, assignee, actor=assignee, expected_version=seen.version
                        )
                    )
            except StaleTicket as exc:
                outcomes.append(exc)

    winners = [o for o in outcomes if isinstance(o, Ticket)]
    losers = [o for o in outcomes if isinstance(o, StaleTicket)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert (losers[0].expected, losers[0].actual) == (1, 2)
    final, events = await state(db, tid)
    assert final == winners[0]
    assert final.version == 2
    assert [(e.action, e.actor) for e in events] == [
        ("created", AI),
        ("assigned", final.assigned_to),
    ]


# --- filters -------------------------------------------------------------------------------

# n: (status, location, priority, category, assignee) — written out, not generated.
FLEET: dict[int, tuple[Status, str, Priority, Category, str | None]] = {
    1: (OPEN, "Bedford", Priority.LOW, Category.FACILITIES, None),
    2: (OPEN, "Dartmouth", Priority.MEDIUM, Category.TECH, "U0ANNA"),
    3: (IN_PROGRESS, "Bedford", Priority.HIGH, Category.TECH, "U0ANNA"),
    4: (IN_PROGRESS, "Halifax", Priority.CRITICAL, Category.TECH, "U0BEN"),
    5: (ON_HOLD, "Dartmouth", Priority.MEDIUM, Category.FACILITIES, None),
    6: (ON_HOLD, "Bedford", Priority.CRITICAL, Category.FACILITIES, "U0BEN"),
    7: (RESOLVED, "Halifax", Priority.LOW, Category.TECH, None),
    8: (RESOLVED, "Bedford", Priority.HIGH, Category.FACILITIES, "U0ANNA"),
    9: (ARCHIVED, "Dartmouth", Priority.CRITICAL, Category.TECH, None),
    10: (OPEN, "Halifax", Priority.HIGH, Category.TECH, None),
    11: (ARCHIVED, "Bedford", Priority.MEDIUM, Category.FACILITIES, "U0CARA"),
    12: (OPEN, "Bedford", Priority.MEDIUM, Category.FACILITIES, "U0CARA"),
}

# Filter -> the fleet numbers it must return, newest first.
FILTER_CASES: dict[str, tuple[TicketFilter, list[int]]] = {
    "all": (TicketFilter(), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),
    "open": (TicketFilter(statuses=[OPEN]), [12, 10, 2, 1]),
    "in_progress": (TicketFilter(statuses=[IN_PROGRESS]), [4, 3]),
    "on_hold": (TicketFilter(statuses=[ON_HOLD]), [6, 5]),
    "resolved": (TicketFilter(statuses=[RESOLVED]), [8, 7]),
    "archived": (TicketFilter(statuses=[ARCHIVED]), [11, 9]),
    "open_or_on_hold": (TicketFilter(statuses=[OPEN, ON_HOLD]), [12, 10, 6, 5, 2, 1]),
    "bedford": (TicketFilter(locations=["Bedford"]), [12, 11, 8, 6, 3, 1]),
    "bedford_any_case": (TicketFilter(locations=["bedford"]), [12, 11, 8, 6, 3, 1]),
    "dartmouth": (TicketFilter(locations=["Dartmouth"]), [9, 5, 2]),
    "halifax": (TicketFilter(locations=["Halifax"]), [10, 7, 4]),
    "dartmouth_or_halifax": (TicketFilter(locations=["Dartmouth", "Halifax"]), [10, 9, 7, 5, 4, 2]),
    "unknown_location": (TicketFilter(locations=["Truro"]), []),
    "low": (TicketFilter(priorities=[Priority.LOW]), [7, 1]),
    "medium": (TicketFilter(priorities=[Priority.MEDIUM]), [12, 11, 5, 2]),
    "high": (TicketFilter(priorities=[Priority.HIGH]), [10, 8, 3]),
    "critical": (TicketFilter(priorities=[Priority.CRITICAL]), [9, 6, 4]),
    "high_or_critical": (
        TicketFilter(priorities=[Priority.HIGH, Priority.CRITICAL]),
        [10, 9, 8, 6, 4, 3],
    ),
    "facilities": (TicketFilter(categories=[Category.FACILITIES]), [12, 11, 8, 6, 5, 1]),
    "tech": (TicketFilter(categories=[Category.TECH]), [10, 9, 7, 4, 3, 2]),
    "assigned": (TicketFilter(assigned=True), [12, 11, 8, 6, 4, 3, 2]),
    "unassigned": (TicketFilter(assigned=False), [10, 9, 7, 5, 1]),
    "assignee_anna": (TicketFilter(assignee="U0ANNA"), [8, 3, 2]),
    "assignee_ben": (TicketFilter(assignee="U0BEN"), [6, 4]),
    "assignee_cara": (TicketFilter(assignee="U0CARA"), [12, 11]),
    "assignee_nobody": (TicketFilter(assignee="U0NOBODY"), []),
    "open_in_bedford": (TicketFilter(statuses=[OPEN], locations=["Bedford"]), [12, 1]),
    "active_in_bedford": (
        TicketFilter(statuses=[OPEN, IN_PROGRESS, ON_HOLD], locations=["Bedford"]),
        [12, 6, 3, 1],
    ),
    "unassigned_tech": (TicketFilter(categories=[Category.TECH], assigned=False), [10, 9, 7]),
    "urgent_in_halifax": (
        TicketFilter(locations=["Halifax"], priorities=[Priority.HIGH, Priority.CRITICAL]),
        [10, 4],
    ),
    "anna_in_progress": (TicketFilter(statuses=[IN_PROGRESS], assignee="U0ANNA"), [3]),
    "assigned_bedford_facilities_medium_or_critical": (
        TicketFilter(
            locations=["Bedford"],
            categories=[Category.FACILITIES],
            assigned=True,
            priorities=[Priority.MEDIUM, Priority.CRITICAL],
        ),
        [12, 11, 6],
    ),
    "unassigned_and_anna": (TicketFilter(assigned=False, assignee="U0ANNA"), []),
    "limit": (TicketFilter(limit=5), [12, 11, 10, 9, 8]),
    "before": (TicketFilter(before="T-8"), [7, 6, 5, 4, 3, 2, 1]),
    "before_limit": (TicketFilter(before="T-8", limit=3), [7, 6, 5]),
    "before_first": (TicketFilter(before="T-1"), []),
    "before_beyond_newest": (TicketFilter(before="T-500", limit=2), [12, 11]),
    "before_beyond_int32": (TicketFilter(before="T-999999999999", limit=2), [12, 11]),
    "bedford_before_limit": (TicketFilter(locations=["Bedford"], before="T-8", limit=2), [6, 3]),
    "open_limit": (TicketFilter(statuses=[OPEN], limit=3), [12, 10, 2]),
}


async def build_fleet(db: Database) -> dict[int, Ticket]:
    fleet: dict[int, Ticket] = {}
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        for n, (status, location, priority, category, assignee) in FLEET.items():
            # Half the assignees come at creation, the rest through assign/change_status.
            at_creation = assignee if n % 2 == 0 else None
            t = await svc.create(
                new_ticket(
                    title=f"Fleet ticket {n}",
                    location=location,
                    priority=priority,
                    category=category,
                    assigned_to=at_creation,
                    bay=None,
                )
            )
            assert t.ticket_id == f"T-{n}"
            if assignee and not at_creation and status != IN_PROGRESS:
                t = await svc.assign(t.ticket_id, assignee, actor=OP, expected_version=t.version)
            for target in PATH[status]:
                extra = inputs_for(target)
                if target == IN_PROGRESS:
                    extra = {} if at_creation else {"assignee": assignee or TECH}
                t = await svc.change_status(
                    t.ticket_id, target, actor=OP, expected_version=t.version, **extra
                )
            fleet[n] = t
    for n, (status, location, priority, category, assignee) in FLEET.items():
        t = fleet[n]
        assert (t.status, t.location, t.priority, t.category, t.assigned_to) == (
            status,
            location,
            priority,
            category,
            assignee,
        ), n
    return fleet


async def test_filters_return_exactly_the_right_tickets(db: Database) -> None:
    fleet = await build_fleet(db)
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        for name, (flt, expected) in FILTER_CASES.items():
            found = await svc.list(flt)
            assert [t.ticket_id for t in found] == [f"T-{n}" for n in expected], name
            for t in found:
                assert t == fleet[t.number], name


async def test_paging_with_before_walks_every_ticket_once(db: Database) -> None:
    await build_fleet(db)
    pages: list[list[str]] = []
    before: str | None = None
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        while True:
            page = await svc.list(TicketFilter(limit=5, before=before))
            if not page:
                break
            pages.append([t.ticket_id for t in page])
            before = page[-1].ticket_id
        unassigned = await svc.list(TicketFilter(assigned=False, limit=2))
        rest = await svc.list(
            TicketFilter(assigned=False, limit=2, before=unassigned[-1].ticket_id)
        )
    assert pages == [
        ["T-12", "T-11", "T-10", "T-9", "T-8"],
        ["T-7", "T-6", "T-5", "T-4", "T-3"],
        ["T-2", "T-1"],
    ]
    assert [t.ticket_id for t in unassigned + rest] == ["T-10", "T-9", "T-7", "T-5"]


async def test_filters_follow_changes(db: Database) -> None:
    fleet = await build_fleet(db)
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        await svc.assign("T-1", "U0ANNA", actor=OP, expected_version=fleet[1].version)
        await svc.edit(
            "T-10", TicketEdit(location="Bedford"), actor=OP, expected_version=fleet[10].version
        )
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        anna = await svc.list(TicketFilter(assignee="U0ANNA"))
        bedford_open = await svc.list(TicketFilter(statuses=[OPEN], locations=["Bedford"]))
    assert [t.ticket_id for t in anna] == ["T-8", "T-3", "T-2", "T-1"]
    assert [t.ticket_id for t in bedford_open] == ["T-12", "T-10", "T-1"]


# --- threads -------------------------------------------------------------------------------


async def test_threads_link_and_list(db: Database) -> None:
    first = await create(db, thread=RELAY)
    assert first.linked_threads == (str(RELAY),)
    assert first.linked_thread == "C0RELAY:1732550000.000100"

    async with db.unit_of_work() as session:
        linked = await TicketService(session).link_thread(first.ticket_id, OTHER, actor=OP)
    assert linked.linked_threads == (str(RELAY), str(OTHER))
    assert linked.linked_thread == str(RELAY)
    assert linked.version == first.version + 1
    before = await state(db, first.ticket_id)

    # Linking a thread that is already linked is a no-op: no version, no event.
    for thread in (OTHER, RELAY, ThreadRef.parse(str(OTHER))):
        assert thread is not None
        async with db.unit_of_work() as session:
            again = await TicketService(session).link_thread(first.ticket_id, thread, actor=TECH)
        assert again == linked
    assert await state(db, first.ticket_id) == before

    # A second ticket from the same customer thread; a ticket with no thread.
    second = await create(db, thread=RELAY, category=Category.FACILITIES)
    loner = await create(db)
    assert loner.linked_threads == () and loner.linked_thread is None

    async with db.unit_of_work() as session:
        svc = TicketService(session)
        on_relay = await svc.for_thread(RELAY)
        on_other = await svc.for_thread(OTHER)
        nowhere = await svc.for_thread(ThreadRef("C0RELAY", "1.000001"))
        other_channel = await svc.for_thread(ThreadRef("C0ELSE", RELAY.thread_ts))
        events = await svc.events(first.ticket_id)
        loner_linked = await svc.link_thread(loner.ticket_id, OTHER, actor=OP)
        on_other_now = await svc.for_thread(OTHER)

    assert [t.ticket_id for t in on_relay] == [second.ticket_id, first.ticket_id]
    assert on_relay[1].linked_threads == (str(RELAY), str(OTHER))
    assert on_relay[0].linked_threads == (str(RELAY),)
    assert [t.ticket_id for t in on_other] == [first.ticket_id]
    assert nowhere == [] and other_channel == []
    assert [(e.actor, e.action, e.changes) for e in events][1:] == [
        (OP, "thread_linked", {"linked_threads": [None, str(OTHER)]})
    ]
    assert loner_linked.linked_thread == str(OTHER)
    assert [t.ticket_id for t in on_other_now] == [loner.ticket_id, first.ticket_id]


# --- learnable, edits, notes, assignment --------------------------------------------------


async def test_set_learnable_is_audited(db: Database) -> None:
    ticket = await reach(db, RESOLVED)
    async with db.unit_of_work() as session:
        on = await TicketService(session).set_learnable(
            ticket.ticket_id, True, actor=OP, expected_version=ticket.version
        )
    assert on.learnable is True and on.version == ticket.version + 1
    async with db.unit_of_work() as session:
        same = await TicketService(session).set_learnable(
            ticket.ticket_id, True, actor=TECH, expected_version=on.version
        )
    assert same == on  # no change, no event, no new version
    async with db.unit_of_work() as session:
        off = await TicketService(session).set_learnable(
            ticket.ticket_id, False, actor=TECH, expected_version=on.version
        )
    assert off.learnable is False
    _, events = await state(db, ticket.ticket_id)
    assert [(e.actor, e.action, e.changes) for e in events if e.action == "learnable"] == [
        (OP, "learnable", {"learnable": [False, True]}),
        (TECH, "learnable", {"learnable": [True, False]}),
    ]


async def test_edit_records_before_and_after(db: Database) -> None:
    ticket = await create(db, category=Category.TECH, priority=Priority.LOW, bay=2)
    async with db.unit_of_work() as session:
        edited = await TicketService(session).edit(
            ticket.ticket_id,
            TicketEdit(category=Category.FACILITIES, priority=Priority.HIGH, title=ticket.title),
            actor=OP,
            expected_version=1,
        )
    assert (edited.category, edited.priority, edited.version) == (
        Category.FACILITIES,
        Priority.HIGH,
        2,
    )
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        same = await svc.edit(
            ticket.ticket_id,
            TicketEdit(category=Category.FACILITIES),
            actor=OP,
            expected_version=2,
        )
        assert same == edited
        retitled = await svc.edit(
            ticket.ticket_id,
            TicketEdit(
                title="  Bay 2   projector\n dead ",
                description="No image at all.",
                location="Dartmouth",
                bay=4,
            ),
            actor=TECH,
            expected_version=2,
        )
        cleared = await svc.edit(
            ticket.ticket_id, TicketEdit(clear_bay=True), actor=TECH, expected_version=3
        )
    assert retitled.title == "Bay 2 projector dead"
    assert cleared.bay is None and cleared.version == 4
    _, events = await state(db, ticket.ticket_id)
    assert [(e.actor, e.action, e.changes) for e in events][1:] == [
        (OP, "edited", {"category": ["tech", "facilities"], "priority": ["low", "high"]}),
        (
            TECH,
            "edited",
            {
                "title": ["Projector in bay 2 flickers", "Bay 2 projector dead"],
                "description": ["The image flickers every few seconds.", "No image at all."],
                "location": ["Bedford", "Dartmouth"],
                "bay": [2, 4],
            },
        ),
        (TECH, "edited", {"bay": [4, None]}),
    ]


async def test_long_title_is_cut_to_the_limit(db: Database) -> None:
    ticket = await create(db, title="x" * 250)
    assert ticket.title == "x" * 200


async def test_notes_and_assignment(db: Database) -> None:
    ticket = await create(db)
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        noted = await svc.add_note(
            ticket.ticket_id, "  Called the customer ", actor=OP, expected_version=1
        )
        assigned = await svc.assign(ticket.ticket_id, TECH, actor=OP, expected_version=2)
        same = await svc.assign(ticket.ticket_id, TECH, actor=OP, expected_version=3)
        reassigned = await svc.assign(ticket.ticket_id, "U0ANNA", actor=TECH, expected_version=3)
        unassigned = await svc.assign(ticket.ticket_id, None, actor=OP, expected_version=4)
    assert noted.version == 2 and noted.status == OPEN
    assert (assigned.assigned_to, same, reassigned.assigned_to) == (TECH, assigned, "U0ANNA")
    assert (unassigned.assigned_to, unassigned.version) == (None, 5)
    _, events = await state(db, ticket.ticket_id)
    assert [(e.actor, e.action, e.changes, e.note) for e in events][1:] == [
        (OP, "note", {}, "Called the customer"),
        (OP, "assigned", {"assigned_to": [None, TECH]}, None),
        (TECH, "assigned", {"assigned_to": [TECH, "U0ANNA"]}, None),
        (OP, "assigned", {"assigned_to": ["U0ANNA", None]}, None),
    ]
    for text in ("", "   \n"):
        message = await assert_refused(
            db,
            ticket.ticket_id,
            lambda svc, x=text: svc.add_note(ticket.ticket_id, x, actor=OP, expected_version=5),
            InvalidTicket,
        )
        assert message == "A note needs some text."


# --- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "   ", "\n\t "])
async def test_blank_title_is_rejected(db: Database, title: str) -> None:
    with pytest.raises(InvalidTicket) as err:
        async with db.unit_of_work() as session:
            await TicketService(session).create(new_ticket(title=title))
    assert err.value.message == "A ticket needs a title."
    ticket = await create(db)
    message = await assert_refused(
        db,
        ticket.ticket_id,
        lambda svc: svc.edit(
            ticket.ticket_id, TicketEdit(title=title), actor=OP, expected_version=1
        ),
        InvalidTicket,
    )
    assert message == "A ticket needs a title."


@pytest.mark.parametrize("bay", [0, -1])
async def test_bad_bay_is_rejected(db: Database, bay: int) -> None:
    with pytest.raises(InvalidTicket) as err:
        async with db.unit_of_work() as session:
            await TicketService(session).create(new_ticket(bay=bay))
    assert err.value.message == f"Bay {bay} is not a bay number (bays are numbered from 1)."
    ticket = await create(db)
    await assert_refused(
        db,
        ticket.ticket_id,
        lambda svc: svc.edit(ticket.ticket_id, TicketEdit(bay=bay), actor=OP, expected_version=1),
        InvalidTicket,
    )


async def test_refused_create_takes_no_ticket_number(db: Database) -> None:
    # A caller that catches the refusal and commits its unit of work must not burn a number.
    async with db.unit_of_work() as session:
        svc = TicketService(session)
        with pytest.raises(InvalidTicket):
            await svc.create(new_ticket(title=" "))
        with pytest.raises(InvalidTicket):
            await svc.create(new_ticket(bay=0))
    async with db.unit_of_work() as session:
        assert await TicketService(session).list() == []
    assert (await create(db)).ticket_id == "T-1"


def every_call(ticket_id: str) -> dict[str, Callable[[TicketService], Awaitable[object]]]:
    return {
        "get": lambda s: s.get(ticket_id),
        "events": lambda s: s.events(ticket_id),
        "assign": lambda s: s.assign(ticket_id, TECH, actor=OP, expected_version=None),
        "status": lambda s: s.change_status(
            ticket_id, ON_HOLD, actor=OP, expected_version=None, hold_reason=REASON
        ),
        "resolve": lambda s: s.resolve(ticket_id, NOTES, actor=OP, expected_version=None),
        "unarchive": lambda s: s.unarchive(ticket_id, actor=OP, expected_version=None),
        "note": lambda s: s.add_note(ticket_id, "hello", actor=OP, expected_version=None),
        "learnable": lambda s: s.set_learnable(ticket_id, True, actor=OP, expected_version=None),
        "edit": lambda s: s.edit(
            ticket_id, TicketEdit(priority=Priority.HIGH), actor=OP, expected_version=None
        ),
        "link_thread": lambda s: s.link_thread(ticket_id, OTHER, actor=OP),
    }


@pytest.mark.parametrize("ticket_id", ["T-2", "T-0", "T-999999", "T-999999999999"])
async def test_unknown_ticket_is_not_found(db: Database, ticket_id: str) -> None:
    existing = await create(db)
    before = await state(db, existing.ticket_id)
    for name, call in every_call(ticket_id).items():
        with pytest.raises(TicketNotFound) as err:
            async with db.unit_of_work() as session:
                await call(TicketService(session))
        assert err.value.message == f"No ticket {ticket_id}.", name
        assert err.value.ticket_id == ticket_id
    assert await state(db, existing.ticket_id) == before


@pytest.mark.parametrize(
    "ticket_id",
    ["", "T-", "42", "T-abc", "T 1", "ticket 1", "T-1; drop", "T--1", "T-1234567890123"],
)
async def test_malformed_ticket_id_is_invalid(db: Database, ticket_id: str) -> None:
    existing = await create(db)
    before = await state(db, existing.ticket_id)
    calls = every_call(ticket_id)
    if ticket_id:  # an empty cursor means "from the newest"
        calls["list_before"] = lambda s: s.list(TicketFilter(before=ticket_id))
    for name, call in calls.items():
        with pytest.raises(InvalidTicket) as err:
            async with db.unit_of_work() as session:
                await call(TicketService(session))
        assert "is not a ticket id" in err.value.message, name
    assert await state(db, existing.ticket_id) == before


async def test_created_ticket_round_trips(db: Database) -> None:
    created = await create(
        db,
        thread=RELAY,
        assigned_to=TECH,
        learnable=True,
        decided_by="rules",
        source=Source.SYSTEM_EVENT,
        created_by=AI,
        submitted_by="cust-77",
        priority=Priority.CRITICAL,
        category=Category.FACILITIES,
        location="Halifax",
        bay=None,
        title="  Water   on the floor ",
        description="Leak near bay 1",
    )
    got, events = await state(db, created.ticket_id)
    assert got == created
    assert (got.ticket_id, got.number, got.version, got.status) == ("T-1", 1, 1, OPEN)
    assert (got.title, got.description, got.location, got.bay) == (
        "Water on the floor",
        "Leak near bay 1",
        "Halifax",
        None,
    )
    assert (got.created_by, got.submitted_by, got.source, got.decided_by) == (
        AI,
        "cust-77",
        Source.SYSTEM_EVENT,
        "rules",
    )
    assert (got.assigned_to, got.learnable, got.resolution_notes, got.hold_reason) == (
        TECH,
        True,
        None,
        None,
    )
    assert got.timestamp.utcoffset() is not None
    assert got.updated_at == got.timestamp
    assert [(e.actor, e.action) for e in events] == [(AI, "created")]
