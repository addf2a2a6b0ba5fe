"""Archived tickets on both databases (the `db` fixture): every change is refused until
the ticket is unarchived, which brings it back as resolved."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Priority, Status, Ticket, TicketEdit
from bot.tickets.service import TicketService
from storage.db import Database
from tests.tickets.helpers import (
    ARCHIVED,
    IN_PROGRESS,
    NOTES,
    ON_HOLD,
    OP,
    OPEN,
    OTHER,
    REASON,
    RESOLVED,
    TECH,
    ServiceCall,
    assert_refused,
    move,
    reach,
    state,
)


def archived_refusals(ticket: Ticket) -> dict[str, ServiceCall]:
    tid, v = ticket.ticket_id, ticket.version
    refusals: dict[str, ServiceCall] = {
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
