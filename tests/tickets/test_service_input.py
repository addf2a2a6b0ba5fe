"""Refusals and round trips on both databases (the `db` fixture): bad titles and bays,
unknown and malformed ticket ids, each refused without a change; a created ticket reads
back exactly as it was made."""

from __future__ import annotations

from typing import Any

import pytest

from bot.tickets.domain import (
    Category,
    InvalidTicket,
    Priority,
    Source,
    TicketEdit,
    TicketFilter,
    TicketNotFound,
)
from bot.tickets.service import TicketService
from storage.db import Database
from tests.tickets.helpers import (
    AI,
    AI_OPENS,
    NOTES,
    ON_HOLD,
    OP,
    OPEN,
    OTHER,
    REASON,
    RELAY,
    TECH,
    ServiceCall,
    assert_refused,
    create,
    new_ticket,
    state,
)

# --- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "   ", "\n\t "])
async def test_blank_title_is_rejected(db: Database, title: str) -> None:
    with pytest.raises(InvalidTicket) as err:
        async with db.unit_of_work() as session:
            await TicketService(session).create(new_ticket(title=title), **AI_OPENS)
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
            await TicketService(session).create(new_ticket(bay=bay), **AI_OPENS)
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
            await svc.create(new_ticket(title=" "), **AI_OPENS)
        with pytest.raises(InvalidTicket):
            await svc.create(new_ticket(bay=0), **AI_OPENS)
    async with db.unit_of_work() as session:
        assert await TicketService(session).list() == []
    assert (await create(db)).ticket_id == "T-1"


def every_call(ticket_id: str) -> dict[str, ServiceCall]:
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


# Every field a creator may set, none left at its default.
FULL_TICKET: dict[str, Any] = {
    "thread": RELAY,
    "assignee": TECH,
    "learnable": True,
    "decided_by": "rules",
    "source": Source.SYSTEM_EVENT,
    "actor": AI,
    "customer": "cust-77",
    "priority": Priority.CRITICAL,
    "category": Category.FACILITIES,
    "location": "Halifax",
    "bay": None,
    "title": "  Water   on the floor ",
    "description": "Leak near bay 1",
}


async def test_created_ticket_round_trips(db: Database) -> None:
    created = await create(db, **FULL_TICKET)
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
