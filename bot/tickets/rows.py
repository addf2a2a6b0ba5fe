"""Ticket rows read in a unit of work and mapped to domain objects: the reading half of
the ticket service."""

from __future__ import annotations

from collections.abc import Sequence

from bot.tickets import status as machine
from bot.tickets.domain import (
    AuditEvent,
    Category,
    Priority,
    Source,
    StaleTicket,
    Status,
    ThreadRef,
    Ticket,
    TicketNotFound,
    ticket_id_for,
    ticket_number,
)
from storage import open_tickets
from storage.db import UnitOfWork
from storage.models import TicketEventRow, TicketRow
from storage.tickets import TicketQuery, TicketRepository

# Aliases: inside TicketService the name `list` is the method, not the builtin.
TicketList = list[Ticket]
AuditTrail = list[AuditEvent]


def to_ticket(row: TicketRow, threads: Sequence[str]) -> Ticket:
    return Ticket(
        ticket_id=row.ticket_id,
        created_by=row.created_by,
        submitted_by=row.submitted_by,
        source=Source(row.source),
        category=Category(row.category),
        priority=Priority(row.priority),
        status=Status(row.status),
        title=row.title,
        description=row.description,
        location=row.location,
        timestamp=row.created_at,
        assigned_to=row.assigned_to,
        bay=row.bay,
        resolution_notes=row.resolution_notes,
        hold_reason=row.hold_reason,
        learnable=row.learnable,
        decided_by=row.decided_by,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        version=row.version,
        linked_threads=tuple(threads),
        problem_key=row.problem_key,
        parent_id=ticket_id_for(row.parent_number) if row.parent_number else None,
        response_due_at=row.response_due_at,
        resolution_due_at=row.resolution_due_at,
        first_response_at=row.first_response_at,
        dismissed=row.dismissed,
    )


def to_audit_event(ticket_id: str, row: TicketEventRow) -> AuditEvent:
    return AuditEvent(
        ticket_id=ticket_id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        changes=dict(row.changes),
        note=row.note,
        correlation_id=row.correlation_id,
    )


class TicketReader:
    """Tickets and their audit trails in one unit of work (the caller's session)."""

    def __init__(self, session: UnitOfWork) -> None:
        self.repo = TicketRepository(session)
        self.session = session

    async def get(self, ticket_id: str, *, threads: bool = True) -> Ticket:
        """The ticket; with `threads=False` its `linked_threads` are left empty, unread (a
        card shows none of them, and an outage's ticket may have hundreds)."""
        row = await self._row(ticket_id)
        refs = await self.repo.threads([row.number]) if threads else {}
        return to_ticket(row, refs.get(row.number, []))

    async def where_it_began(self, ticket_id: str) -> Ticket:
        """The ticket with only the first of its `linked_threads` read, the thread where it
        began: all it takes to tell that thread something, for an outage's ticket too."""
        row = await self._row(ticket_id)
        first = await self.repo.first_thread(row.number)
        return to_ticket(row, [first] if first is not None else [])

    async def open_of_kind(self, location: str, category: Category) -> TicketList:
        """The open tickets of `category` at `location` (any case), newest first; their
        `linked_threads` left unread (an outage's ticket may have hundreds)."""
        rows = await open_tickets.of_kind_at(
            self.session, location, category.value, machine.OPEN_VALUES
        )
        return [to_ticket(row, []) for row in rows]

    async def for_thread(self, thread: ThreadRef, *, threads: bool = True) -> TicketList:
        numbers = await self.repo.numbers_for_thread(thread.channel, thread.thread_ts)
        if not numbers:
            return []
        return await self._tickets(TicketQuery(numbers=numbers), threads=threads)

    async def events(self, ticket_id: str) -> AuditTrail:
        row = await self._row(ticket_id)
        return [to_audit_event(row.ticket_id, e) for e in await self.repo.events(row.number)]

    async def _tickets(self, query: TicketQuery, *, threads: bool = True) -> TicketList:
        rows = await self.repo.list(query)
        refs = await self.repo.threads([r.number for r in rows]) if threads else {}
        return [to_ticket(r, refs.get(r.number, [])) for r in rows]

    async def _row(self, ticket_id: str, *, lock: bool = False) -> TicketRow:
        row = await self.repo.get(ticket_number(ticket_id), lock=lock)
        if row is None:
            raise TicketNotFound(ticket_id)
        return row

    async def _row_for_change(
        self,
        ticket_id: str,
        expected_version: int | None,
        *,
        allow_archived: bool = False,
        lock: bool = False,
    ) -> TicketRow:
        """The row a change applies to: refused when the caller saw an older or newer
        version, or (unless allowed) when the ticket is archived."""
        row = await self._row(ticket_id, lock=lock)
        if expected_version is not None and row.version != expected_version:
            raise StaleTicket(row.ticket_id, expected_version, row.version)
        if not allow_archived:
            machine.check_editable(Status(row.status))
        return row
