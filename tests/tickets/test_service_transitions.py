"""TicketService status moves on both databases (the `db` fixture): every allowed and
forbidden transition, and what each target status needs."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Status, TransitionNotAllowed
from bot.tickets.service import TicketService
from storage.db import Database
from tests.tickets.helpers import (
    ARCHIVED,
    IN_PROGRESS,
    NOTES,
    ON_HOLD,
    OP,
    OPEN,
    REASON,
    RESOLVED,
    TECH,
    assert_refused,
    create,
    move,
    reach,
    refused_move,
    state,
)
from tests.tickets.test_status_machine import EXPECTED

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


@pytest.mark.parametrize("current", [OPEN, ON_HOLD], ids=str)
async def test_in_progress_without_assignee_is_refused(db: Database, current: Status) -> None:
    ticket = await reach(db, current)
    assert ticket.assigned_to is None
    for assignee in (None, ""):
        message = await refused_move(db, ticket, IN_PROGRESS, assignee=assignee)
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
    ticket = await create(db, assignee=TECH)
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
        message = await refused_move(db, ticket, ON_HOLD, hold_reason=reason)
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
        message = await refused_move(db, ticket, RESOLVED, resolution_notes=notes)
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
