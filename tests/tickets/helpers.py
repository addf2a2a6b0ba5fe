"""Shared by the ticket tests: the people and threads they use, a ticket draft factory, and
steps that take a ticket through the service, each in its own unit of work, so every
test reaches its starting state through the service itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.tickets.domain import (
    AuditEvent,
    Category,
    Priority,
    Source,
    Status,
    ThreadRef,
    Ticket,
    TicketDraft,
    TicketEdit,
    TicketError,
    TransitionNotAllowed,
)
from bot.tickets.service import TicketService
from storage.db import Database

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


# How the AI opens a ticket from a customer's message: `TicketService.create(draft, **AI_OPENS)`.
AI_OPENS: dict[str, Any] = {"actor": AI, "source": Source.MESSAGE_THREAD}


def new_ticket(**overrides: Any) -> TicketDraft:
    fields: dict[str, Any] = {
        "title": "Projector in bay 2 flickers",
        "category": Category.TECH,
        "priority": Priority.MEDIUM,
        "location": "Bedford",
        "customer": "cust-1001",
        "description": "The image flickers every few seconds.",
        "bay": 2,
    }
    fields.update(overrides)
    return TicketDraft(**fields)


async def create(
    db: Database, *, actor: str = AI, source: Source = Source.MESSAGE_THREAD, **overrides: Any
) -> Ticket:
    """A ticket opened by `actor` (the AI, from a customer's message, unless told)."""
    async with db.unit_of_work() as session:
        return await TicketService(session).create(
            new_ticket(**overrides), actor=actor, source=source
        )


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


ServiceCall = Callable[[TicketService], Awaitable[object]]


async def assert_refused(
    db: Database,
    ticket_id: str,
    action: ServiceCall,
    error: type[TicketError] = TransitionNotAllowed,
) -> str:
    """`action` raises `error` and leaves the ticket and its trail exactly as they were."""
    before = await state(db, ticket_id)
    with pytest.raises(error) as err:
        async with db.unit_of_work() as session:
            await action(TicketService(session))
    assert await state(db, ticket_id) == before
    return err.value.message


async def refused_move(db: Database, ticket: Ticket, target: Status, **inputs: str | None) -> str:
    """Moving `ticket` to `target` with `inputs` is refused; returns the refusal message."""
    return await assert_refused(
        db,
        ticket.ticket_id,
        lambda svc: svc.change_status(
            ticket.ticket_id, target, actor=OP, expected_version=ticket.version, **inputs
        ),
    )


# A change of each kind, and the status it starts from: its audit event commits with it,
# and it is refused when the caller's version is stale.
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
